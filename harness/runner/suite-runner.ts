import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ETCD, KUBE_APISERVER } from '../binaries/component-catalog.ts';
import type { DriverCall } from '../driver/driver-admin-client.ts';
import type { Attempt, ComponentVersion, LoadError, RunResults, ScenarioResult } from '../results/run-results.ts';
import { SCENARIO_PARAMETER } from '../scenarios/scenario-loader.ts';
import type { Scenario, ScenarioVariant } from '../scenarios/scenario-types.ts';
import type { SidecarVariant } from '../variants/sidecar-variants.ts';
import { provisionBinary, unavailableReason } from './binary-provisioner.ts';
import { classifyAttempts } from './outcome.ts';
import { V1alpha1Environment } from './v1alpha1-environment.ts';
import { budgetExceeded, checkExpectation, describeExpectation, verdictOf } from './verdict.ts';

/** What a long run reports while it goes; the CLI renders it (library code prints nothing). */
export interface RunProgress {
  phase(name: string, detail?: string): void;
  attempts(scenario: string, variant: string, n: number): void;
}

export interface SuiteOptions {
  scenarios: Scenario[];
  loadErrors?: LoadError[];
  variants: SidecarVariant[];
  /** Overrides every scenario's window. */
  windowMs?: number;
  /** Logs and per-variant work dirs go here. */
  outDir: string;
  progress?: RunProgress;
  /** Aborts the run (Ctrl-C): everything started is stopped, partial results are returned. */
  signal?: AbortSignal;
  toolVersion?: string;
}

interface Slot {
  scenario: Scenario;
  variant: SidecarVariant;
  spec: ScenarioVariant;
  env?: V1alpha1Environment;
  appliedAt?: number;
  /** Driver clock (monoMs) when the objects were applied. */
  appliedMono?: number;
  attempts: Attempt[];
  certainAt?: number;
  unavailable?: string;
}

function attemptsFor(calls: DriverCall[], s: Scenario, appliedWall: number): Attempt[] {
  return calls
    .filter((c) => c.rpc === s.rpc && c.parameters[SCENARIO_PARAMETER] === s.name)
    .map((c) => ({
      seq: c.seq,
      wallTime: c.wallTime,
      offsetMs: Math.max(0, Date.parse(c.wallTime) - appliedWall),
      code: c.code,
      message: c.message,
      bucketName: c.bucketName,
    }));
}

/**
 * Runs every scenario against every selected variant in one time window: builds what is missing, starts one
 * environment per variant, applies all objects, watches the driver journals, and returns the results. A
 * variant that cannot be built is a result ('unavailable'), not an exception; broken infrastructure throws.
 */
export async function runSuite(opts: SuiteOptions): Promise<RunResults> {
  const startedAt = new Date().toISOString();
  const progress = opts.progress;
  const components: ComponentVersion[] = [];
  const slots: Slot[] = [];
  for (const scenario of opts.scenarios) {
    for (const spec of scenario.variants) {
      const variant = opts.variants.find((v) => v.name === spec.sidecar);
      if (variant) slots.push({ scenario, variant, spec, attempts: [] });
    }
  }
  const usedVariants = opts.variants.filter((v) => slots.some((s) => s.variant === v));
  const envs = new Map<string, V1alpha1Environment>();
  const unavailable = new Map<string, string>();
  const results: ScenarioResult[] = [];

  // go's own per-module lines are left out: the phases and the heartbeat say enough.
  const buildProgress = (p: string, d: string) => {
    if (p !== 'go') progress?.phase('build', d);
  };
  try {
    progress?.phase('build', 'etcd and kube-apiserver');
    const etcd = await provisionBinary(ETCD, { progress: buildProgress });
    const api = await provisionBinary(KUBE_APISERVER, { progress: buildProgress });
    components.push(etcd.component, api.component);

    const sidecars = new Map<string, string>();
    for (const v of usedVariants) {
      if (v.binaryPath) {
        sidecars.set(v.name, v.binaryPath);
        components.push({ name: `sidecar ${v.name}`, version: 'as provided', source: 'user binary', path: v.binaryPath });
        continue;
      }
      if (!v.recipe) {
        unavailable.set(v.name, v.knownUnavailable ?? 'no build recipe');
        continue;
      }
      try {
        progress?.phase('build', `sidecar ${v.name}`);
        const bin = await provisionBinary(v.recipe, { progress: buildProgress });
        sidecars.set(v.name, bin.path);
        components.push({ ...bin.component, name: `sidecar ${v.name}` });
      } catch (err) {
        unavailable.set(v.name, unavailableReason(err));
      }
    }
    for (const v of usedVariants) {
      if (sidecars.has(v.name) && v.era === 'v1alpha2') {
        unavailable.set(v.name, 'the v1alpha2 environment (v1alpha2 CRDs and controller) is not built here yet');
        sidecars.delete(v.name);
      }
    }
    opts.signal?.throwIfAborted();

    // Environments start one after another: two cores, and each start is seconds.
    for (const v of usedVariants) {
      const bin = sidecars.get(v.name);
      if (!bin) continue;
      const scenarios = opts.scenarios.filter((s) => s.variants.some((sv) => sv.sidecar === v.name));
      const env = await V1alpha1Environment.start(
        v,
        { etcd: etcd.path, kubeApiServer: api.path, sidecar: bin },
        scenarios,
        join(opts.outDir, 'logs', v.name),
        (d) => progress?.phase('start', d),
      );
      envs.set(v.name, env);
      opts.signal?.throwIfAborted();
    }

    for (const slot of slots) {
      const reason = unavailable.get(slot.variant.name);
      if (reason) {
        slot.unavailable = reason;
        continue;
      }
      slot.env = envs.get(slot.variant.name);
    }
    const live = slots.filter((s) => s.env);
    const windowMs = (s: Slot) => opts.windowMs ?? s.scenario.windowMs;
    for (const slot of live) {
      slot.appliedAt = Date.now();
      await (slot.env as V1alpha1Environment).applyScenario(slot.scenario);
    }
    progress?.phase('window', `observing ${live.length} scenario x variant pair(s)`);

    // One window for all: poll the journals until every pair is past its window or certain.
    while (live.some((s) => s.certainAt === undefined && Date.now() - (s.appliedAt as number) < windowMs(s))) {
      if (opts.signal?.aborted) break;
      const byEnv = new Map<V1alpha1Environment, DriverCall[]>();
      for (const env of new Set(live.map((s) => s.env as V1alpha1Environment))) {
        byEnv.set(env, await env.driver.admin.journal({}).catch(() => []));
      }
      for (const slot of live) {
        if (slot.certainAt !== undefined) continue;
        const before = slot.attempts.length;
        slot.attempts = attemptsFor(byEnv.get(slot.env as V1alpha1Environment) ?? [], slot.scenario, slot.appliedAt as number);
        if (slot.attempts.length !== before) progress?.attempts(slot.scenario.name, slot.variant.name, slot.attempts.length);
        if (budgetExceeded(slot.spec.expect, slot.attempts.length)) slot.certainAt = Date.now();
      }
      await sleep(500);
    }
    for (const slot of slots) results.push(await resultFor(slot, opts.windowMs));
  } finally {
    progress?.phase('stop', 'stopping sidecars, drivers and control planes');
    const errors: unknown[] = [];
    for (const env of envs.values()) await env.stop().catch((e: unknown) => errors.push(e));
    if (errors.length) throw new AggregateError(errors, 'teardown failed');
  }
  return {
    schemaVersion: 1,
    tool: { name: 'cosi-chaos', version: opts.toolVersion ?? '0.0.0' },
    startedAt,
    finishedAt: new Date().toISOString(),
    backend: 'local',
    windowMs: opts.windowMs ?? Math.max(0, ...opts.scenarios.map((s) => s.windowMs)),
    components,
    scenarios: results,
    loadErrors: opts.loadErrors ?? [],
  };
}

async function resultFor(slot: Slot, windowOverride?: number): Promise<ScenarioResult> {
  const base = {
    scenario: slot.scenario.name,
    file: slot.scenario.file,
    description: slot.scenario.description,
    variant: slot.variant.name,
    era: slot.variant.era,
    rpc: slot.scenario.rpc,
    expectation: describeExpectation(slot.spec.expect),
  };
  if (!slot.env || slot.appliedAt === undefined) {
    return {
      ...base,
      outcome: 'unavailable',
      attempts: [],
      intervalsMs: [],
      windowMs: 0,
      stillRetryingAtEnd: false,
      objects: [],
      events: [],
      sidecarRestarts: 0,
      verdict: 'skipped',
      verdictReason: slot.unavailable ?? 'the run was stopped before this variant started',
    };
  }
  const observedMs = Math.min(Date.now() - slot.appliedAt, windowOverride ?? slot.scenario.windowMs);
  const calls = await slot.env.driver.admin.journal({}).catch(() => [] as DriverCall[]);
  const attempts = attemptsFor(calls, slot.scenario, slot.appliedAt).filter((a) => a.offsetMs <= observedMs);
  const outcome = classifyAttempts({ attempts, observedMs, sidecarRestarts: slot.env.sidecarRestarts });
  const { objects, events } = await slot.env.inspect(slot.scenario).catch(() => ({ objects: [], events: [] }));
  const problems = checkExpectation({ expect: slot.spec.expect, outcome, attempts, events, objects });
  return {
    ...base,
    outcome: outcome.outcome,
    attempts,
    intervalsMs: outcome.intervalsMs,
    windowMs: observedMs,
    stillRetryingAtEnd: outcome.stillRetryingAtEnd,
    objects,
    events,
    sidecarRestarts: slot.env.sidecarRestarts,
    ...verdictOf(problems),
  };
}

