import { availableParallelism, totalmem } from 'node:os';
import { performance } from 'node:perf_hooks';
import { type CosiPlane, type PlaneApi, planeKey } from './cosi-plane.ts';

/** What the pool lends: CosiPlane, or anything keyed, resettable and stoppable the same way. */
export interface PoolablePlane {
  readonly key: string;
  reset(): Promise<void>;
  stop(): Promise<void>;
}

/** A plane lent to one stack until `release()`; the pool resets it before the next stack gets it. */
export interface PlaneLease<P extends PoolablePlane = CosiPlane> {
  readonly plane: P;
  /** The plane served an earlier stack (and was reset since). */
  readonly reused: boolean;
  /** When the lease began (epoch ms): what the plane recorded before belongs to earlier stacks. */
  readonly since: number;
  /** Gives the plane back; idempotent. Resolves once the plane is reset or stopped. */
  release(): Promise<void>;
}

/** Env var and flag (`--planes`) for the most control planes a run keeps at once. */
export const PLANES_ENV = 'COSI_CHAOS_PLANES';

// One plane (etcd + kube-apiserver) holds ~0.5-1 GiB with its stack; the cap keeps a large machine from starting
// dozens of kube-apiservers that two cores must then serve.
const PLANE_MEMORY = 1.5 * 1024 ** 3;
const MOST_PLANES = 16;

// Idle, a plane and its stack still cost ~5% of a core (kube-apiserver, etcd, the driver answering journal reads):
// on 2 cores the scenario suite took 279 s with 12 planes, 276-290 s with 15, 339 s with 8 and 359 s with 24.
const PLANES_PER_CORE = 6;

/** The pool size: $COSI_CHAOS_PLANES, else what memory and cores carry (at most 16). */
export function defaultPlanes(env: NodeJS.ProcessEnv = process.env): number {
  const set = env[PLANES_ENV];
  if (set !== undefined && /^\d+$/.test(set) && Number(set) > 0) return Number(set);
  const carried = Math.min(Math.floor(totalmem() / PLANE_MEMORY), availableParallelism() * PLANES_PER_CORE);
  return Math.max(2, Math.min(MOST_PLANES, carried));
}

export interface ControlPlanePoolOptions<P extends PoolablePlane> {
  /** The most planes alive at once (started, lent, being reset or idle). */
  max: number;
  /** The most planes starting at once (default: max). */
  startConcurrency?: number;
  /** Starts a plane for `api`; `seq` numbers the planes of the run (their folders). */
  start: (api: PlaneApi, seq: number, mark?: (phase: string) => void) => Promise<P>;
  /** Told when a reset failed (the plane is stopped instead of reused). */
  onResetFailed?: (plane: P, err: unknown) => void;
}

interface Waiter<P extends PoolablePlane> {
  api: PlaneApi;
  key: string;
  mark?: (phase: string) => void;
  resolve: (lease: PlaneLease<P>) => void;
  reject: (err: unknown) => void;
}

/**
 * Control planes started once and lent to one stack after another. A stack asks for its API (era + CRDs); it gets
 * an idle plane of that API (reset since its last stack), else a new one while fewer than `max` live, else an idle
 * plane of another API is stopped for it, else it waits for a release. Plane starts are the suite's largest cost
 * (57 of them took 1772 s summed); a reset is a few deletes.
 */
export class ControlPlanePool<P extends PoolablePlane = CosiPlane> {
  private readonly idle: P[] = [];
  private readonly waiters: Waiter<P>[] = [];
  private readonly inFlight = new Set<Promise<unknown>>();
  private live = 0;
  private starting = 0;
  private seq = 0;
  private stopping = false;
  /** Planes started, and leases served by a plane that had served before. */
  started = 0;
  reused = 0;
  /** Summed: plane starts (etcd to CRDs established) and resets between stacks. */
  startMs = 0;
  resetMs = 0;

  constructor(private readonly opts: ControlPlanePoolOptions<P>) {
    if (!(opts.max >= 1)) throw new Error(`a control plane pool needs at least one plane (got ${opts.max})`);
  }

  get max(): number {
    return this.opts.max;
  }

  acquire(api: PlaneApi, mark?: (phase: string) => void): Promise<PlaneLease<P>> {
    if (this.stopping) return Promise.reject(new Error('the control plane pool is stopping'));
    return new Promise<PlaneLease<P>>((resolve, reject) => {
      this.waiters.push({ api, key: planeKey(api), mark, resolve, reject });
      this.pump();
    });
  }

  private track<T>(p: Promise<T>): Promise<T> {
    this.inFlight.add(p);
    const done = () => this.inFlight.delete(p);
    p.then(done, done);
    return p;
  }

  private pump(): void {
    // An idle plane of the same API first: no start at all.
    for (const w of [...this.waiters]) {
      const i = this.idle.findIndex((p) => p.key === w.key);
      if (i < 0) continue;
      const [plane] = this.idle.splice(i, 1) as [P];
      this.waiters.splice(this.waiters.indexOf(w), 1);
      w.mark?.('control plane reused');
      this.reused++;
      this.lend(w, plane, true);
    }
    for (const w of [...this.waiters]) {
      if (this.starting >= (this.opts.startConcurrency ?? this.opts.max)) break;
      if (this.live >= this.opts.max) {
        const other = this.idle.shift();
        if (!other) break;
        // Another API's idle plane makes room.
        this.live--;
        this.track(other.stop().catch(() => {}));
      }
      this.waiters.splice(this.waiters.indexOf(w), 1);
      this.live++;
      this.startFor(w);
    }
  }

  private startFor(w: Waiter<P>): void {
    const seq = ++this.seq;
    const from = performance.now();
    this.starting++;
    this.track(
      this.opts.start(w.api, seq, w.mark).then(
        async (plane) => {
          this.starting--;
          this.started++;
          this.startMs += performance.now() - from;
          if (this.stopping) {
            this.live--;
            await plane.stop().catch(() => {});
            w.reject(new Error('the control plane pool is stopping'));
            return;
          }
          this.lend(w, plane, false);
          this.pump();
        },
        (err: unknown) => {
          this.starting--;
          this.live--;
          w.reject(err);
          this.pump();
        },
      ),
    );
  }

  private lend(w: Waiter<P>, plane: P, reused: boolean): void {
    let released: Promise<void> | undefined;
    w.resolve({
      plane,
      reused,
      since: Date.now(),
      release: () => {
        released ??= this.track(this.giveBack(plane));
        return released;
      },
    });
  }

  private async giveBack(plane: P): Promise<void> {
    if (!this.stopping) {
      const from = performance.now();
      try {
        await plane.reset();
        this.resetMs += performance.now() - from;
        if (!this.stopping) {
          this.idle.push(plane);
          this.pump();
          return;
        }
      } catch (err) {
        this.opts.onResetFailed?.(plane, err);
      }
    }
    this.live--;
    await plane.stop();
    this.pump();
  }

  /**
   * No more leases: waiters are refused, and a plane given back from now on is stopped instead of reset (nobody
   * would take it). For a run whose every group has its plane, or that was interrupted.
   */
  refuse(): void {
    this.stopping = true;
    for (const w of this.waiters.splice(0)) w.reject(new Error('the control plane pool is stopping'));
  }

  /** Stops every plane the pool holds once the starts and resets in flight are done; waiters are refused. */
  async stop(): Promise<void> {
    this.refuse();
    while (this.inFlight.size) await Promise.allSettled([...this.inFlight]);
    const errors: unknown[] = [];
    for (const plane of this.idle.splice(0)) {
      this.live--;
      await plane.stop().catch((e: unknown) => errors.push(e));
    }
    if (errors.length) throw new AggregateError(errors, 'stopping the control plane pool failed');
  }
}
