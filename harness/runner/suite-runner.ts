import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ETCD, KUBE_APISERVER } from '../binaries/component-catalog.ts';
import { buildPatched } from '../binaries/patched-build.ts';
import { forEachBounded } from '../common/bounded-pool.ts';
import { refusedEvents } from '../cosi/refused-events.ts';
import type { DriverCall } from '../driver/driver-admin-client.ts';
import { JournalTail } from '../driver/journal-tail.ts';
import type {
  Attempt,
  ComponentVersion,
  EventSummary,
  LoadError,
  ObjectStatus,
  RefusedEvent,
  RunResults,
  ScenarioResult,
} from '../results/run-results.ts';
import { SCENARIO_PARAMETER } from '../scenarios/scenario-loader.ts';
import type { Scenario, ScenarioVariant } from '../scenarios/scenario-types.ts';
import type { SidecarVariant } from '../variants/sidecar-variants.ts';
import { provisionBinary, unavailableReason } from './binary-provisioner.ts';
import { type EnvironmentMember, LocalEnvironment } from './local-environment.ts';
import { classifyAttempts } from './outcome.ts';
import type { ScenarioEnvironment, VariantHandle } from './scenario-environment.ts';
import { budgetExceeded, checkExpectation, describeExpectation, verdictOf } from './verdict.ts';

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
  binaries: { etcd: string; kubeApiServer: string };
  progress: (detail: string) => void;
}) => Promise<ScenarioEnvironment>;

/** Resolves a variant to a sidecar binary (build, patch+build, or a user path); throws when it cannot. */
export type SidecarResolver = (
  v: SidecarVariant,
  progress: (p: string, d: string) => void,
) => Promise<{ path: string; component: ComponentVersion }>;

export interface SuiteOptions {
  scenarios: Scenario[];
  loadErrors?: LoadError[];
  variants: SidecarVariant[];
  /** Overrides every scenario's window. */
  windowMs?: number;
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
  /** Where the environments run; only 'local' needs etcd and kube-apiserver binaries. Default 'local'. */
  backend?: RunResults['backend'];
  /** How to get each variant's binary; defaults to building its recipe. */
  resolveSidecar?: SidecarResolver;
  progress?: RunProgress;
  /** Aborts the run (Ctrl-C): everything started is stopped, partial results are returned. */
  signal?: AbortSignal;
  toolVersion?: string;
}

/** Where a scenario x variant stands: waiting for its precondition, observed, or never started. */
type SlotState = 'pending' | 'waiting-bucket' | 'waiting-grant' | 'observing' | 'precondition-failed';

interface Slot {
  scenario: Scenario;
  variant: SidecarVariant;
  spec: ScenarioVariant;
  env?: ScenarioEnvironment;
  state: SlotState;
  stateSince: number;
  appliedAt?: number;
  attempts: Attempt[];
  certainAt?: number;
  /** Objects and Events read as soon as the slot's window closed, so later attempts cannot leak into them. */
  inspected?: { objects: ObjectStatus[]; events: EventSummary[] };
  unavailable?: string;
  problem?: string;
  /** When the claim was first seen ready (delete scenarios wait for its controller's finalizer too). */
  readySince?: number;
}

// Hundreds of matrix cells are set up at once on two cores; a precondition gets this long.
const PRECONDITION_TIMEOUT_MS = 90_000;

/** The scenario's attempts among its own calls (a JournalTail group). */
function attemptsFor(calls: readonly DriverCall[], s: Scenario, appliedWall: number): Attempt[] {
  return calls
    .filter((c) => c.rpc === s.rpc)
    .map((c) => ({
      seq: c.seq,
      wallTime: c.wallTime,
      offsetMs: Math.max(0, Date.parse(c.wallTime) - appliedWall),
      code: c.code,
      message: c.message,
      bucketName: c.bucketName,
    }));
}

const defaultResolver: SidecarResolver = async (v, progress) => {
  if (v.binaryPath)
    return {
      path: v.binaryPath,
      component: {
        name: `sidecar ${v.name}`,
        version: 'as provided',
        source: 'user binary',
        path: v.binaryPath,
      },
    };
  if (!v.recipe) throw new Error(`variant ${v.name} has neither a build recipe nor a binary`);
  if (v.patchFile) {
    // Upstream source + patch; a patch that does not apply or compile throws PatchError (bad input).
    const built = await buildPatched(v.recipe, v.patchFile, progress);
    return {
      path: built.path,
      component: {
        name: `sidecar ${v.name}`,
        version: v.recipe.version,
        source: `${v.recipe.origin} + ${v.patchFile}`,
        path: built.path,
      },
    };
  }
  const bin = await provisionBinary(v.recipe, { progress });
  return { path: bin.path, component: { ...bin.component, name: `sidecar ${v.name}` } };
};

/**
 * Runs every scenario against every selected variant in one time window: builds what is missing, starts the
 * environments, applies all objects, triggers each scenario's RPC, watches the driver journals, and returns
 * the results. A variant that cannot be built is a result ('unavailable'); broken infrastructure throws.
 */
export async function runSuite(opts: SuiteOptions): Promise<RunResults> {
  const startedAt = new Date().toISOString();
  const progress = opts.progress;
  const components: ComponentVersion[] = [];
  const slots: Slot[] = [];
  for (const scenario of opts.scenarios) {
    for (const spec of scenario.variants) {
      const variant = opts.variants.find((v) => v.name === spec.sidecar);
      if (variant) slots.push({ scenario, variant, spec, attempts: [], state: 'pending', stateSince: 0 });
    }
  }
  const usedVariants = opts.variants.filter((v) => slots.some((s) => s.variant === v));
  const envs: ScenarioEnvironment[] = [];
  const unavailable = new Map<string, string>();
  const results: ScenarioResult[] = [];
  const tails = new Map<VariantHandle, JournalTail>();
  // go's own per-module lines are left out: the phases and the heartbeat say enough.
  const buildProgress = (p: string, d: string) => {
    if (p !== 'go') progress?.phase('build', d);
  };
  const resolve = opts.resolveSidecar ?? defaultResolver;

  try {
    const backend = opts.backend ?? 'local';
    let etcd = { path: '' };
    let api = { path: '' };
    if (backend === 'local') {
      progress?.phase('build', 'etcd and kube-apiserver');
      const e = await provisionBinary(ETCD, { progress: buildProgress });
      const a = await provisionBinary(KUBE_APISERVER, { progress: buildProgress });
      components.push(e.component, a.component);
      etcd = e;
      api = a;
    }

    const members: EnvironmentMember[] = [];
    for (const v of usedVariants) {
      try {
        progress?.phase('build', `sidecar ${v.name}`);
        const bin = await resolve(v, buildProgress);
        components.push(bin.component);
        // Cluster backends deploy their controller themselves; locally it is built once per release and shared.
        let controllerBinary = '';
        if (backend === 'local') {
          progress?.phase('build', `controller of ${v.name}`);
          const ctl = await provisionBinary(v.controller, { progress: buildProgress });
          const name = `controller ${v.controller.origin}`;
          if (!components.some((c) => c.name === name)) components.push({ ...ctl.component, name });
          controllerBinary = ctl.path;
        }
        members.push({ variant: v, sidecarBinary: bin.path, controllerBinary });
      } catch (err) {
        if (!isUnavailable(err, v)) throw err;
        unavailable.set(v.name, unavailableReason(err));
      }
    }
    opts.signal?.throwIfAborted();

    // Environments start one after another: two cores, and each start is seconds.
    // Sidecars in another namespace (a scenario option) need their own control plane.
    const nsSuffix = (s: Scenario) => (s.sidecarNamespace ? `@${s.sidecarNamespace}` : '');
    const keyOf = opts.environmentKey ?? ((s: Scenario, v: SidecarVariant) => `${v.name}${nsSuffix(s)}`);
    const groups = new Map<
      string,
      { members: EnvironmentMember[]; scenarios: Scenario[]; slots: Slot[]; sidecarNamespace?: string }
    >();
    for (const slot of slots) {
      const member = members.find((m) => m.variant === slot.variant);
      if (!member) continue;
      const key = keyOf(slot.scenario, slot.variant);
      const g = groups.get(key) ?? {
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
    const start =
      opts.startEnvironment ??
      ((a) =>
        LocalEnvironment.start(a.members, a.binaries, a.scenarios, a.logDir, a.progress, {
          sidecarNamespace: a.sidecarNamespace,
        }));
    for (const [key, g] of groups) {
      const env = await start({
        members: g.members,
        scenarios: g.scenarios,
        logDir: join(opts.outDir, 'logs', key.replace(/[^\w.-]/g, '_')),
        sidecarNamespace: g.sidecarNamespace,
        binaries: { etcd: etcd.path, kubeApiServer: api.path },
        progress: (d) => progress?.phase('start', d),
      });
      envs.push(env);
      for (const slot of g.slots) if (env.members.has(slot.variant.name)) slot.env = env;
      opts.signal?.throwIfAborted();
    }

    for (const slot of slots) {
      if (!slot.env) slot.unavailable = unavailable.get(slot.variant.name) ?? 'not started';
    }
    // One journal tail per driver, grouped by scenario: each poll reads only the new calls.
    for (const env of envs) {
      for (const handle of env.members.values()) {
        tails.set(handle, new JournalTail(handle.driver.admin, (c) => c.parameters[SCENARIO_PARAMETER]));
      }
    }
    const callsOf = (slot: Slot) =>
      tails.get((slot.env as ScenarioEnvironment).member(slot.variant.name))?.group(slot.scenario.name) ?? [];
    const live = slots.filter((s) => s.env);
    progress?.phase('apply', `${live.length} scenario x variant pair(s)`);
    // Applied by a small pool: hundreds of matrix cells one by one would take most of a window.
    await forEachBounded(live, 8, async (slot) => {
      await (slot.env as ScenarioEnvironment).applyScenario(slot.scenario, slot.variant.name);
      const now = Date.now();
      slot.stateSince = now;
      if ((slot.scenario.trigger ?? 'apply') === 'apply') {
        slot.state = 'observing';
        slot.appliedAt = now;
      } else {
        slot.state = 'waiting-bucket';
      }
    });
    progress?.phase('window', `observing ${live.length} scenario x variant pair(s)`);

    const windowMs = (s: Slot) => opts.windowMs ?? s.scenario.windowMs;
    const open = (s: Slot) =>
      s.state === 'waiting-bucket' ||
      s.state === 'waiting-grant' ||
      (s.state === 'observing' &&
        s.certainAt === undefined &&
        Date.now() - (s.appliedAt as number) < windowMs(s));
    // One window for all: advance triggers and poll the journals until every pair is past its window or certain.
    while (live.some(open)) {
      if (opts.signal?.aborted) break;
      await Promise.all([...tails.values()].map((t) => t.refresh()));
      await advanceTriggers(live, envs, callsOf);
      for (const slot of live) {
        if (slot.state !== 'observing' || slot.certainAt !== undefined) continue;
        const before = slot.attempts.length;
        slot.attempts = attemptsFor(callsOf(slot), slot.scenario, slot.appliedAt as number);
        if (slot.attempts.length !== before)
          progress?.attempts(slot.scenario.name, slot.variant.name, slot.attempts.length);
        if (budgetExceeded(slot.spec.expect, slot.attempts.length)) slot.certainAt = Date.now();
      }
      // Objects and Events as they are when each window closes: an Event's count read later would include
      // attempts made after the window, which the journal count leaves out.
      await Promise.all(
        live
          .filter((s) => s.state === 'observing' && !s.inspected && !open(s))
          .map(async (s) => {
            s.inspected = await (s.env as ScenarioEnvironment)
              .inspect(s.scenario, s.variant.name)
              .catch(() => undefined);
          }),
      );
      await sleep(500);
    }
    await Promise.all([...tails.values()].map((t) => t.refresh()));
    for (const slot of slots) {
      const tail = slot.env ? tails.get(slot.env.member(slot.variant.name)) : undefined;
      results.push(await resultFor(slot, tail, opts.windowMs));
    }
  } catch (err) {
    await stopAll(envs, progress);
    throw err;
  }
  const teardownErrors = await stopAll(envs, progress);
  if (teardownErrors.length) throw new AggregateError(teardownErrors, 'teardown failed');
  return {
    schemaVersion: 1,
    tool: { name: 'cosi-chaos', version: opts.toolVersion ?? '0.0.0' },
    startedAt,
    finishedAt: new Date().toISOString(),
    backend: opts.backend ?? 'local',
    windowMs: opts.windowMs ?? Math.max(0, ...opts.scenarios.map((s) => s.windowMs)),
    components,
    scenarios: results,
    loadErrors: opts.loadErrors ?? [],
  };
}

// Stops every environment in parallel and returns what failed (a failure mid-run is not masked by teardown).
async function stopAll(envs: ScenarioEnvironment[], progress?: RunProgress): Promise<unknown[]> {
  progress?.phase('stop', 'stopping sidecars, drivers and control planes');
  const errors: unknown[] = [];
  await Promise.all(envs.map((env) => env.stop().catch((e: unknown) => errors.push(e))));
  return errors;
}

// Upstream builds the proxy does not serve are results ('unavailable'); a user's patch or binary that fails
// to build is bad input and stops the run.
function isUnavailable(err: unknown, v: SidecarVariant): boolean {
  if (v.patchFile || v.binaryPath) return false;
  const e = err as { moduleUnavailable?: boolean };
  return e.moduleUnavailable === true || !v.recipe;
}

// Moves waiting slots on: once the claim's bucket exists, delete the claim / create the access; once the
// sidecar has marked the access granted, delete it. The slot's window opens at its trigger.
async function advanceTriggers(
  live: Slot[],
  envs: ScenarioEnvironment[],
  journalOf: (slot: Slot) => readonly DriverCall[],
): Promise<void> {
  const waiting = live.filter((s) => s.state === 'waiting-bucket' || s.state === 'waiting-grant');
  if (!waiting.length) return;
  const ready = new Map<ScenarioEnvironment, Awaited<ReturnType<ScenarioEnvironment['readiness']>>>();
  for (const env of envs)
    ready.set(
      env,
      await env.readiness().catch(() => ({
        readyClaims: new Set<string>(),
        protectedClaims: new Set<string>(),
        grantedAccesses: new Set<string>(),
      })),
    );
  for (const slot of waiting) {
    const env = slot.env as ScenarioEnvironment;
    const s = slot.scenario;
    const names = env.namesFor(s, slot.variant.name);
    const r = ready.get(env);
    const now = Date.now();
    try {
      const claimKey = `${s.bucketClaim.namespace}/${names.claimName}`;
      // A claim is deleted once its controller protects it too (v0.1.0's never manages to: only for it, ready is
      // enough), as a user would delete a provisioned claim; earlier, the Bucket would be left behind unasked.
      const deletable = r?.protectedClaims.has(claimKey) === true || slot.variant.deviation !== undefined;
      const ready = slot.state === 'waiting-bucket' && r?.readyClaims.has(claimKey) === true;
      if (ready) slot.readySince ??= now;
      if (ready && (s.trigger !== 'delete-claim' || deletable)) {
        if (s.trigger === 'delete-claim') {
          await env.deleteClaim(s, slot.variant.name);
          Object.assign(slot, { state: 'observing', appliedAt: Date.now(), stateSince: now });
        } else if (s.trigger === 'create-access') {
          await env.createAccess(s, slot.variant.name);
          Object.assign(slot, { state: 'observing', appliedAt: Date.now(), stateSince: now });
        } else {
          await env.createAccess(s, slot.variant.name);
          Object.assign(slot, { state: 'waiting-grant', stateSince: now });
        }
      } else if (
        slot.state === 'waiting-grant' &&
        (r?.grantedAccesses.has(`${s.bucketClaim.namespace}/${names.accessName}`) ||
          // v0.1.0 never marks an access granted: only for it, an OK grant in the journal stands in. Any other
          // sidecar must finish its grant (finalizer, Secret, status) first, or deleting the access skips revoke.
          (slot.variant.deviation !== undefined &&
            journalOf(slot).some((c) => c.rpc === 'grant' && c.code === 'OK')))
      ) {
        await env.deleteAccess(s, slot.variant.name);
        Object.assign(slot, { state: 'observing', appliedAt: Date.now(), stateSince: now });
      } else if (now - slot.stateSince > PRECONDITION_TIMEOUT_MS) {
        const wasWaitingForGrant = slot.state === 'waiting-grant';
        slot.state = 'precondition-failed';
        slot.problem = wasWaitingForGrant
          ? 'the sidecar never marked the BucketAccess granted, so its deletion (revoke) could not be triggered'
          : slot.readySince !== undefined
            ? "the claim became ready but never got its controller's finalizer (the controller's claim write kept " +
              "losing to the sidecar's, 409): deleting it would not ask anyone to delete the Bucket"
            : 'the claim never became ready (its bucket was never created), so the RPC could not be triggered';
      }
    } catch (err) {
      slot.state = 'precondition-failed';
      slot.problem = `triggering ${s.trigger} failed: ${err instanceof Error ? err.message : String(err)}`;
    }
  }
}

async function resultFor(
  slot: Slot,
  tail: JournalTail | undefined,
  windowOverride?: number,
): Promise<ScenarioResult> {
  const base = {
    scenario: slot.scenario.name,
    file: slot.scenario.file,
    description: slot.scenario.description,
    variant: slot.variant.name,
    era: slot.variant.era,
    rpc: slot.scenario.rpc,
    expectation: describeExpectation(slot.spec.expect),
    ...(slot.scenario.cell ? { cell: slot.scenario.cell } : {}),
  };
  const empty = {
    attempts: [],
    intervalsMs: [],
    windowMs: 0,
    stillRetryingAtEnd: false,
    objects: [],
    events: [],
    sidecarRestarts: 0,
  };
  if (!slot.env) {
    return {
      ...base,
      ...empty,
      outcome: 'unavailable',
      verdict: 'skipped',
      verdictReason: slot.unavailable ?? 'the run was stopped before this variant started',
    };
  }
  const rt = slot.env.member(slot.variant.name);
  const { objects, events } =
    slot.inspected ??
    (await slot.env.inspect(slot.scenario, slot.variant.name).catch(() => ({ objects: [], events: [] })));
  const eventsRefused = await refusedEventsOf(rt, objects);
  const context = {
    ...(eventsRefused ? { eventsRefused } : {}),
    ...(slot.env.sidecarNamespace ? { sidecarNamespace: slot.env.sidecarNamespace } : {}),
    ...(slot.variant.deviation ? { deviation: slot.variant.deviation } : {}),
  };
  if (slot.state !== 'observing' || slot.appliedAt === undefined) {
    const reason = slot.problem ?? 'the run was stopped before this scenario was triggered';
    const policy = slot.spec.declared
      ? { declared: policyClass(slot.spec.declared), conforms: false, evidence: reason }
      : undefined;
    return {
      ...base,
      ...empty,
      objects,
      events,
      ...context,
      sidecarRestarts: rt.restarts,
      outcome: 'never-called',
      verdict: 'fail',
      verdictReason: reason,
      ...(policy ? { policy } : {}),
    };
  }
  const appliedAt = slot.appliedAt;
  const observedMs = Math.min(Date.now() - appliedAt, windowOverride ?? slot.scenario.windowMs);
  const calls = tail?.calls ?? [];
  const attempts = attemptsFor(tail?.group(slot.scenario.name) ?? [], slot.scenario, appliedAt).filter(
    (a) => a.offsetMs <= observedMs,
  );
  const restarts = rt.restartTimes.filter((t) => t >= appliedAt && t <= appliedAt + observedMs);
  // A restart is this scenario's crash when the sidecar's last driver call before it was this scenario's RPC;
  // other scenarios of the variant only record that the sidecar restarted under them.
  const caused = restarts.filter((t) => {
    const last = calls.filter((c) => c.rpc !== 'getInfo' && Date.parse(c.wallTime) <= t).at(-1);
    return last?.rpc === slot.scenario.rpc && last.parameters[SCENARIO_PARAMETER] === slot.scenario.name;
  }).length;
  const restartsInWindow = restarts.length;
  const outcome = classifyAttempts({ attempts, observedMs, sidecarRestarts: caused });
  const problems = checkExpectation({
    expect: slot.spec.expect,
    outcome,
    attempts,
    events,
    eventsRefused: eventsRefused ?? [],
    objects,
  });
  if (restartsInWindow > caused)
    problems.push(
      `the sidecar restarted ${restartsInWindow - caused}x during the window because of other scenarios`,
    );
  const verdict = verdictOf(problems);
  const policy = slot.spec.declared
    ? {
        declared: policyClass(slot.spec.declared),
        conforms: verdict.verdict === 'pass',
        evidence: `${attempts.length} attempt(s), ${outcome.outcome}${restartsInWindow ? `, sidecar restarted ${restartsInWindow}x` : ''}${problems.length ? `: ${problems.join('; ')}` : ''}`,
      }
    : undefined;
  return {
    ...base,
    outcome: outcome.outcome,
    attempts,
    intervalsMs: outcome.intervalsMs,
    windowMs: observedMs,
    stillRetryingAtEnd: outcome.stillRetryingAtEnd,
    objects,
    events,
    ...context,
    sidecarRestarts: restartsInWindow,
    ...verdict,
    ...(policy ? { policy } : {}),
  };
}

// Refused Events about the scenario's objects, from the sidecar's log where the harness can read it.
async function refusedEventsOf(
  rt: VariantHandle,
  objects: { name: string }[],
): Promise<RefusedEvent[] | undefined> {
  if (!rt.sidecarLogFile) return undefined;
  const log = await readFile(rt.sidecarLogFile, 'utf8').catch(() => '');
  return refusedEvents(log, new Set(objects.map((o) => o.name)));
}

// A code treated as success stops after one call, like a terminal one.
function policyClass(d: 'terminal' | 'retried' | 'success'): 'terminal' | 'retried' {
  return d === 'retried' ? 'retried' : 'terminal';
}
