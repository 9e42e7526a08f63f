import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { forEachBounded } from '../common/bounded-pool.ts';
import { inClusterUnsupported } from '../driver/in-cluster-identity.ts';
import type { LoadError, RunResults, RunTiming, ScenarioResult } from '../results/run-results.ts';
import { driverKey, driverNeedsCluster } from '../scenarios/scenario-driver.ts';
import type { Scenario } from '../scenarios/scenario-types.ts';
import type { SidecarVariant } from '../variants/sidecar-variants.ts';
import { resultFor } from './collect/slot-result.ts';
import { scrapeSidecarMetrics } from './collect/witness-collector.ts';
import type { OutcomeWitness } from './decide/outcome-decider.ts';
import { reconcileEndWitness } from './decide/reconcile-end-witness.ts';
import { SlotObserver } from './decide/slot-observer.ts';
import { PhaseClock } from './phase-clock.ts';
import { planSlots, type Slot } from './scenario-slot.ts';
import { apiFaultsUnsupported } from './start/api-fault-routing.ts';
import { provisionComponents, type SidecarResolver } from './start/component-provisioner.ts';
import { ControlPlanePool, defaultPlanes } from './start/control-plane-pool.ts';
import { CosiPlane } from './start/cosi-plane.ts';
import {
  type EnvironmentBinaries,
  type EnvironmentMember,
  LocalEnvironment,
} from './start/local-environment.ts';
import { realDriverUnsupported } from './start/real-driver-support.ts';
import type { ScenarioEnvironment } from './start/scenario-environment.ts';

export type { SidecarResolver } from './start/component-provisioner.ts';

/** What a long run reports while it goes; the CLI renders it (library code prints nothing). */
export interface RunProgress {
  phase(name: string, detail?: string): void;
  attempts(scenario: string, variant: string, n: number): void;
}

/** Starts one environment for a group of variants (see SuiteOptions.startEnvironment). */
export type EnvironmentStarter = (args: {
  members: EnvironmentMember[];
  scenarios: Scenario[];
  logDir: string;
  /** POD_NAMESPACE for the sidecars when a scenario asks for one (spec.sidecarNamespace). */
  sidecarNamespace?: string;
  binaries: EnvironmentBinaries;
  progress: (detail: string) => void;
  /** Told as each phase of the start is reached (the run's phase timings). */
  mark?: (phase: string) => void;
}) => Promise<ScenarioEnvironment>;

export interface SuiteOptions {
  scenarios: Scenario[];
  loadErrors?: LoadError[];
  variants: SidecarVariant[];
  /** Overrides every scenario's window. */
  windowMs?: number;
  /**
   * Wait out every window (the long measurement the fitted backoff and projection need). Default: each scenario x
   * variant is decided as soon as its outcome is certain, and its result says on what evidence.
   */
  full?: boolean;
  /** The sidecar's own word that a reconcile ended for good (v1alpha2 metrics); speeds up terminal decisions. */
  witness?: (slot: Slot) => Promise<OutcomeWitness>;
  /** Logs and per-environment work dirs go here. */
  outDir: string;
  /**
   * Which control plane a scenario x variant runs in (variants sharing a key share one). Default: one per
   * variant. The matrix puts all variants together and isolates cells known to crash a sidecar.
   */
  environmentKey?: (scenario: Scenario, variant: SidecarVariant) => string;
  /**
   * Starts the cluster a group of variants runs in; defaults to a local control plane (etcd + kube-apiserver
   * child processes) with the sidecars as child processes. Other backends (kind, an existing cluster) plug in here.
   */
  startEnvironment?: EnvironmentStarter;
  /**
   * The most local control planes alive at once (default defaultPlanes(): $COSI_CHAOS_PLANES or what memory
   * carries). Planes are started once and lent to one group after another, reset in between.
   */
  planes?: number;
  /** Where the environments run; only 'local' needs etcd and kube-apiserver binaries. Default 'local'. */
  backend?: RunResults['backend'];
  /** How to get each variant's binary; defaults to building its recipe. */
  resolveSidecar?: SidecarResolver;
  progress?: RunProgress;
  /** Aborts the run (Ctrl-C): everything started is stopped, partial results are returned. */
  signal?: AbortSignal;
  toolVersion?: string;
}

// Control planes starting at once. Each kube-apiserver start is seconds of CPU, but much of a start is waiting
// (etcd, the CRD's first-create pause, leader election): COSI-86 on six releases measured 22-24 s at 6, 25-27 s at 3.
const START_CONCURRENCY = 6;

/**
 * The key suffix that gives a sidecar a plane (or cluster turn) of its own: in a scenario that deletes, and in one
 * that sends its names exactly (spec.exactNames: beside another variant its class names would get a suffix).
 */
export function deletesAlone(s: Scenario, v: SidecarVariant): string {
  return s.trigger === 'delete-claim' || s.trigger === 'delete-access' || s.exactNames ? `!${v.name}` : '';
}

/** Variants share a control plane when they run the same controller on the same CRDs in the same namespace. */
function defaultEnvironmentKey(s: Scenario, v: SidecarVariant): string {
  const ns = s.sidecarNamespace ? `@${s.sidecarNamespace}` : '';
  // A variant has one driver per control plane: scenarios selecting another driver get their own.
  const driver = s.driver ? `|driver=${driverKey(s.driver)}` : '';
  // A deletion is seen by every sidecar of the plane, and the v1alpha1 6a5a12c sidecar removes the protection
  // finalizer of another driver's deleted Bucket (deleteBucketOp skips it with nil, Update then strips the
  // finalizer): beside a second variant (its patched builds share its controller) the owner's failed delete is
  // never retried (measured: 1 DriverDeleteBucket instead of an endless retry). Each variant deletes alone.
  return `${v.controller.origin}|${v.crds.module}@${v.crds.version}${ns}${driver}${ownPlaneSuffix(s, v)}${deletesAlone(s, v)}`;
}

// Scenarios that get a group of their own (per release): a plane nobody else uses while they run (a pool may lend
// it to another group afterwards, reset; test/e2e/plane-reuse.test.ts runs one of each reason on a reused plane):
// - API faults: the proxy's rules see every request of the control plane, and Bucket names are not known in advance;
// - scale: N claims at the v0.1 clients' 5 requests/s would slow every other scenario;
// - expecting Events (landed or refused): a v1alpha1 sidecar's event broadcaster retries a refused Event ~12 times
//   over ~108 s before it writes the next one, so another scenario's refused Event ahead in the queue hides this
//   one's for the whole window;
// - triggered by deleting the claim: whether its controller ever puts its finalizer on the claim depends on how many
//   claims share that controller's 5 requests/s (measured: v0.2.2's claim writes loop on conflicts with three).
function ownPlaneSuffix(s: Scenario, v: SidecarVariant): string {
  const e = s.variants.find((x) => x.sidecar === v.name)?.expect;
  const own =
    s.apiFaults !== undefined ||
    s.scale !== undefined ||
    s.trigger === 'delete-claim' ||
    Boolean(e?.events?.length || e?.eventsRefused?.length);
  return own ? `#${s.name}` : '';
}

export interface EnvironmentGroup {
  key: string;
  members: EnvironmentMember[];
  scenarios: Scenario[];
  slots: Slot[];
  sidecarNamespace?: string;
}

function groupSlots(
  slots: Slot[],
  members: EnvironmentMember[],
  keyOf: (s: Scenario, v: SidecarVariant) => string,
): EnvironmentGroup[] {
  const groups = new Map<string, EnvironmentGroup>();
  for (const slot of slots) {
    const member = members.find((m) => m.variant === slot.variant);
    if (!member) continue;
    const key = keyOf(slot.scenario, slot.variant);
    const g = groups.get(key) ?? {
      key,
      members: [],
      scenarios: [],
      slots: [],
      sidecarNamespace: slot.scenario.sidecarNamespace,
    };
    if (!g.members.includes(member)) g.members.push(member);
    if (!g.scenarios.includes(slot.scenario)) g.scenarios.push(slot.scenario);
    g.slots.push(slot);
    groups.set(key, g);
  }
  return [...groups.values()];
}

// Steps before a scenario's window opens: revoke needs a Bucket and a grant, delete and grant a Bucket.
const SETUP_STEPS: Record<NonNullable<Scenario['trigger']>, number> = {
  apply: 0,
  'delete-claim': 1,
  'create-access': 1,
  'delete-access': 2,
};

/**
 * Groups with the longest window start first, then those whose scenarios take longest to set up (stable
 * otherwise): on planes lent one group after another, a 90 s window taken last sets the run's end (longest
 * processing time first). In plan order the matrix's revoke planes started last, at 150 s, and their set-up waves
 * set the run's end (344 s).
 */
function longestFirst(groups: EnvironmentGroup[]): EnvironmentGroup[] {
  const setup = (g: EnvironmentGroup) =>
    g.slots.reduce((n, s) => n + (SETUP_STEPS[s.scenario.trigger ?? 'apply'] ?? 0), 0);
  const window = (g: EnvironmentGroup) => Math.max(0, ...g.scenarios.map((s) => s.windowMs));
  return groups
    .map((g, i) => ({ g, i, w: window(g), s: setup(g) }))
    .sort((a, b) => b.w - a.w || b.s - a.s || a.i - b.i)
    .map((x) => x.g);
}

// A custom key names its group (the matrix: variant/rpc); the default key is a release's coordinates, so its folder
// is named after the variants in it.
function logFolderOf(g: EnvironmentGroup, customKey: boolean): string {
  const [scenario] = g.scenarios;
  const [member] = g.members;
  const name = customKey
    ? g.key
    : `${g.members.map((m) => m.variant.name).join('+')}${g.sidecarNamespace ? `@${g.sidecarNamespace}` : ''}${driverFolderSuffix(scenario?.driver)}${scenario && member ? ownPlaneSuffix(scenario, member.variant) : ''}`;
  return name.replace(/[^\w.@+-]/g, '_');
}

/**
 * One folder per group, never shared: two groups of the same variants (a scenario that deletes and one that does
 * not, deletesAlone) had one name, and the later plane's start wiped the earlier's logs, journal and S3 data dir (a
 * bucket read "gone" that nobody deleted). A deleting group's folder says so; a name still repeated gets a number.
 */
export function logFolders(groups: EnvironmentGroup[], customKey: boolean): Map<EnvironmentGroup, string> {
  const out = new Map<EnvironmentGroup, string>();
  const used = new Set<string>();
  for (const g of groups) {
    const [scenario] = g.scenarios;
    const [member] = g.members;
    const base = logFolderOf(g, customKey);
    // A group of its own per scenario (ownPlaneSuffix) is named after it already.
    const deleting =
      !customKey &&
      scenario &&
      member &&
      deletesAlone(scenario, member.variant) &&
      !ownPlaneSuffix(scenario, member.variant)
        ? `${base}-deletes`
        : base;
    let name = deleting;
    for (let n = 2; used.has(name); n++) name = `${deleting}-${n}`;
    used.add(name);
    out.set(g, name);
  }
  return out;
}

// One folder per driver too: a run may hold the same variant in front of the mock and of a real driver.
function driverFolderSuffix(d: Scenario['driver']): string {
  if (!d) return '';
  const key = driverKey(d);
  const plain =
    d.kind === 'sample' && driverKey({ kind: 'sample', sample: { mode: 's3:impl', errors: {} } }) === key;
  return `~${d.kind}${plain ? '' : `-${createHash('sha256').update(key).digest('hex').slice(0, 6)}`}`;
}

/**
 * Runs every scenario against every selected variant, in phases: build what is missing; group the scenario x
 * variant slots into control planes; start those (a few at once) and apply each one's scenarios as soon as it is
 * up; observe until every slot is decided (early where certain, see outcome-decider); collect the results. A
 * variant that cannot be built is a result ('unavailable'); broken infrastructure throws.
 */
export async function runSuite(opts: SuiteOptions): Promise<RunResults> {
  const startedAt = new Date().toISOString();
  const progress = opts.progress;
  const clock = new PhaseClock();
  const t0 = performance.now();
  const since = () => performance.now() - t0;
  const timing: Required<RunTiming> = {
    wallMs: 0,
    buildMs: 0,
    planes: 0,
    groups: 0,
    planesReused: 0,
    planeStartMs: 0,
    resetMs: 0,
    startMs: 0,
    windowMs: 0,
    teardownMs: 0,
    lastPlaneUpMs: 0,
    lastVerdictMs: 0,
  };
  const slots = planSlots(opts.scenarios, opts.variants);
  const envs: ScenarioEnvironment[] = [];
  const observer = new SlotObserver({
    windowMs: opts.windowMs,
    full: opts.full === true,
    signal: opts.signal,
    attempts: (s, v, n) => progress?.attempts(s, v, n),
    witness: opts.witness ?? reconcileEndWitness(slots),
    stalled: (what, ms) =>
      progress?.phase(
        'stalled',
        `${what} still running after ${(ms / 1000).toFixed(0)} s: left behind, observing on`,
      ),
  });
  observer.plan(slots);
  const results: ScenarioResult[] = [];
  const teardownErrors: unknown[] = [];
  const backend = opts.backend ?? 'local';
  let components: RunResults['components'] = [];
  let planePool: ControlPlanePool | undefined;
  try {
    const built = await provisionComponents({
      variants: opts.variants.filter((v) => slots.some((s) => s.variant === v)),
      backend,
      sampleDriver: backend === 'local' && slots.some((s) => s.scenario.driver?.kind === 'sample'),
      scality:
        backend === 'local'
          ? [
              ...new Set(
                slots.flatMap((s) =>
                  s.scenario.driver?.kind === 'scality' ? [s.scenario.driver.revision] : [],
                ),
              ),
            ]
          : [],
      resolveSidecar: opts.resolveSidecar,
      progress: (p, d) => progress?.phase(p, d),
    });
    components = built.components;
    clock.mark('binaries resolved');
    timing.buildMs = since();
    opts.signal?.throwIfAborted();

    // apiFaults need the proxy in front of a kube-apiserver the harness runs: such slots are skipped elsewhere.
    const inClusterReason = slots.some((s) => driverNeedsCluster(s.scenario.driver))
      ? await inClusterUnsupported()
      : undefined;
    for (const slot of slots)
      slot.unavailable =
        apiFaultsUnsupported(slot.scenario, backend) ??
        realDriverUnsupported(slot.scenario, slot.variant, backend, inClusterReason);
    const groups = longestFirst(
      groupSlots(
        slots.filter((s) => s.unavailable === undefined),
        built.members,
        opts.environmentKey ?? defaultEnvironmentKey,
      ),
    );
    for (const slot of slots) {
      if (!groups.some((g) => g.slots.includes(slot)))
        slot.unavailable ??= built.unavailable.get(slot.variant.name) ?? 'not started';
    }
    // The local backend's planes come from a pool: started once, reset and lent again between groups.
    const pool = opts.startEnvironment
      ? undefined
      : new ControlPlanePool({
          max: opts.planes ?? defaultPlanes(),
          startConcurrency: START_CONCURRENCY,
          start: (api, seq, mark) =>
            CosiPlane.start({
              api,
              etcdBinary: built.binaries.etcd,
              kubeApiServerBinary: built.binaries.kubeApiServer,
              dir: join(opts.outDir, 'logs', 'planes', `plane-${seq}`),
              progress: (d) => progress?.phase('start', `plane ${seq}: ${d}`),
              mark,
            }),
          onResetFailed: (plane, err) =>
            progress?.phase('stop', `${plane.dir}: reset failed, stopped instead of reused: ${String(err)}`),
        });
    planePool = pool;
    const start =
      opts.startEnvironment ??
      ((a) =>
        LocalEnvironment.start(a.members, a.binaries, a.scenarios, a.logDir, a.progress, {
          sidecarNamespace: a.sidecarNamespace,
          mark: a.mark,
          plane: (api) => (pool as ControlPlanePool).acquire(api, a.mark),
        }));
    // Interrupted: groups still waiting for a plane get none (their pairs stay unstarted in the results).
    const refuseWaiting = () => pool?.refuse();
    opts.signal?.addEventListener('abort', refuseWaiting, { once: true });
    let starting = true;
    const stop = new AbortController();
    // An environment whose pairs are all decided is collected and stopped at once: a run of many control planes
    // (the scenario suite starts 40) would otherwise keep every one of them running, and the last ones would be
    // measured on a machine out of memory.
    const finishing: Promise<void>[] = [];
    const finished = new Map<Slot, ScenarioResult>();
    const onSidecar = (slot: Slot) =>
      slots.filter((s) => s.env === slot.env && s.variant === slot.variant).length;
    const finishGroup = async (env: ScenarioEnvironment, live: Slot[], upAt: number): Promise<void> => {
      await observer.until(live);
      timing.windowMs += since() - upAt;
      timing.lastVerdictMs = Math.max(timing.lastVerdictMs, since());
      if (opts.signal?.aborted || stop.signal.aborted) return;
      await observer.refreshOf(env);
      for (const slot of live)
        finished.set(slot, await resultFor(slot, observer.tailOf(slot), opts.windowMs, onSidecar(slot)));
      observer.leave(env);
      envs.splice(envs.indexOf(env), 1);
      timing.teardownMs += await timedStop(env, teardownErrors);
    };
    progress?.phase(
      'start',
      pool
        ? `${slots.length} scenario x variant pair(s) in ${groups.length} group(s) on at most ${pool.max} control plane(s)`
        : `${slots.length} scenario x variant pair(s) in ${groups.length} control plane(s)`,
    );
    const folders = logFolders(groups, opts.environmentKey !== undefined);
    // With a pool every group asks for its plane at once: the pool lends a freed plane to the next group of its API
    // (no start), and starts or swaps planes for the rest, START_CONCURRENCY at a time.
    const startAll = forEachBounded(groups, pool ? groups.length : START_CONCURRENCY, async (g) => {
      if (opts.signal?.aborted || stop.signal.aborted) return;
      const envClock = new PhaseClock(clock);
      const startedAt = since();
      const env = await start({
        members: g.members,
        scenarios: g.scenarios,
        logDir: join(opts.outDir, 'logs', folders.get(g) as string),
        sidecarNamespace: g.sidecarNamespace,
        binaries: built.binaries,
        progress: (d) => progress?.phase('start', d),
        mark: (p) => envClock.mark(p),
      }).catch((err: unknown) => {
        // Interrupted while it waited for a plane: not a failure, its pairs are reported as not started.
        if (opts.signal?.aborted) return undefined;
        throw err;
      });
      if (!env) return;
      envs.push(env);
      const upAt = since();
      timing.groups++;
      if (!pool) timing.planes++;
      timing.startMs += upAt - startedAt;
      timing.lastPlaneUpMs = Math.max(timing.lastPlaneUpMs, upAt);
      for (const c of env.deployedComponents())
        if (!components.some((k) => k.name === c.name && k.source === c.source)) components.push(c);
      const live = g.slots.filter((s) => env.members.has(s.variant.name));
      for (const slot of g.slots) if (!live.includes(slot)) slot.unavailable = 'not started';
      // Applied by a small pool: hundreds of matrix cells one by one would take most of a window. Scenarios that
      // need a ready Bucket before their trigger are queued and set up a few at a time (trigger/setup-waves.ts).
      await forEachBounded(live, 8, async (slot) => {
        slot.env = env;
        slot.phases = new PhaseClock(envClock);
        if ((slot.scenario.trigger ?? 'apply') !== 'apply') {
          Object.assign(slot, { state: 'queued', stateSince: Date.now() });
          return;
        }
        slot.metricsBefore = await scrapeSidecarMetrics(slot);
        // The window opens when the objects are sent: the first attempt can come before the apply returns.
        const now = Date.now();
        // Marked too: attempt offsets count from here, and under load the apply itself took seconds.
        slot.phases.mark('objects sent');
        await env.applyScenario(slot.scenario, slot.variant.name);
        slot.phases.mark('applied');
        slot.stateSince = now;
        slot.state = 'observing';
        // N claims take a while to create: a scale scenario's window opens when the last one exists.
        slot.appliedAt = slot.scenario.scale ? Date.now() : now;
      });
      observer.join(env, live);
      const finish = finishGroup(env, live, upAt);
      finish.catch(() => {}); // awaited after the observation; a failure meanwhile is not unhandled
      finishing.push(finish);
      progress?.phase(
        'window',
        `observing ${live.length} pair(s) of ${g.members.map((m) => m.variant.name).join(', ')}`,
      );
    }).finally(() => {
      starting = false;
      // Every group has had its plane: a plane given back from now on is stopped, not reset for nobody.
      pool?.refuse();
    });
    // A failed start ends the observation too; the error is thrown below.
    startAll.catch(() => {
      stop.abort();
      pool?.refuse();
    });
    await Promise.all([startAll, observer.run(() => starting && !stop.signal.aborted)]);
    await Promise.all(finishing);
    // Interrupted: what was seen so far is still a result (partial), as the CLI reports it.
    await observer.refresh();
    for (const slot of slots)
      results.push(
        finished.get(slot) ?? (await resultFor(slot, observer.tailOf(slot), opts.windowMs, onSidecar(slot))),
      );
  } catch (err) {
    await stopAll(envs, [], progress);
    await planePool?.stop().catch(() => {});
    throw err;
  }
  timing.teardownMs += await stopAll(envs, teardownErrors, progress);
  if (planePool) {
    const from = performance.now();
    await planePool.stop().catch((e: unknown) => teardownErrors.push(e));
    timing.teardownMs += performance.now() - from;
    timing.planes = planePool.started;
    timing.planesReused = planePool.reused;
    timing.planeStartMs = planePool.startMs;
    timing.resetMs = planePool.resetMs;
  }
  timing.wallMs = since();
  if (teardownErrors.length) throw new AggregateError(teardownErrors, 'teardown failed');
  return {
    schemaVersion: 1,
    tool: { name: 'cosi-chaos', version: opts.toolVersion ?? '0.0.0' },
    startedAt,
    finishedAt: new Date().toISOString(),
    backend,
    windowMs: opts.windowMs ?? Math.max(0, ...opts.scenarios.map((s) => s.windowMs)),
    ...(opts.full ? {} : { earlyDecisions: true }),
    components,
    scenarios: results,
    loadErrors: opts.loadErrors ?? [],
    timing: roundedTiming(timing),
  };
}

function roundedTiming(t: RunTiming): RunTiming {
  return Object.fromEntries(Object.entries(t).map(([k, v]) => [k, Math.round(v)])) as unknown as RunTiming;
}

/** Stops one environment; returns how long it took (a failure is collected, not thrown). */
async function timedStop(env: ScenarioEnvironment, errors: unknown[]): Promise<number> {
  const from = performance.now();
  await env.stop().catch((e: unknown) => errors.push(e));
  return performance.now() - from;
}

// Stops every environment in parallel, collecting what failed (a failure mid-run is not masked by teardown); returns
// the stop times summed.
async function stopAll(
  envs: ScenarioEnvironment[],
  errors: unknown[],
  progress?: RunProgress,
): Promise<number> {
  progress?.phase('stop', 'stopping sidecars, drivers and control planes');
  const times = await Promise.all(envs.map((env) => timedStop(env, errors)));
  return times.reduce((a, b) => a + b, 0);
}
