import { randomBytes } from 'node:crypto';
import type { RunResults } from '../results/run-results.ts';
import { scopedRules } from '../runner/start/scenario-environment.ts';
import type { EnvironmentStarter } from '../runner/suite-runner.ts';
import type { Scenario } from '../scenarios/scenario-types.ts';
import type { SidecarVariant } from '../variants/sidecar-variants.ts';
import { AttachedEnvironment } from './attached-environment.ts';
import { addRunRules, type RulesByVariant, removeRunRules } from './stack-rules.ts';
import type { StackState } from './stack-state.ts';

/** A scenario an attached run cannot run, with why: it needs a control plane of its own. */
export function notAttachable(s: Scenario, state: StackState): string | undefined {
  if (s.apiFaults) return 'spec.apiFaults needs a fault proxy in front of a control plane of its own';
  if (s.scale) return 'spec.scale needs a control plane of its own (N claims share its sidecar)';
  if (s.driver) return "spec.driver: the stack's sidecars talk to mock drivers; run it without --attach";
  const ns = state.planes[0]?.sidecarNamespace;
  if (s.sidecarNamespace && s.sidecarNamespace !== ns)
    return `spec.sidecarNamespace ${s.sidecarNamespace}: the stack's sidecars run in ${ns}`;
  return undefined;
}

/**
 * A class name unique to the run and as long as the scenario's own: the v0.1 controller names a Bucket
 * <class name><claim UID>, and a scenario may rest on that length (COSI-86: more than 63 characters).
 */
export function runClassName(name: string, runId: string): string {
  const tag = `-${runId}`;
  return name.length > tag.length + 1 ? `${name.slice(0, name.length - tag.length)}${tag}` : `${name}${tag}`;
}

/** What a run inside a stack passes to runSuite, and how it ends. */
export interface AttachedRun {
  runId: string;
  /** The scenarios renamed for this run: names, objects and rule scope carry the run id. */
  scenarios: Scenario[];
  environmentKey: (s: Scenario, v: SidecarVariant) => string;
  startEnvironment: EnvironmentStarter;
  /** Results under the scenarios' own names again. */
  restoreNames(results: RunResults): RunResults;
  /** Takes the run's rules out of the drivers and removes what its objects left; returns what needed force. */
  finish(): Promise<string[]>;
}

/**
 * Prepares a run inside a running stack: every scenario gets the run's id in its name (the scope of its driver
 * rules and the scenario parameter its calls carry) and in its object names, so two attached runs, even of the same
 * scenario, never see each other's calls; its rules go into the stack's drivers before anything is applied.
 */
export async function attachRun(
  state: StackState,
  scenarios: Scenario[],
  variants: SidecarVariant[],
): Promise<AttachedRun> {
  const runId = `r${randomBytes(3).toString('hex')}`;
  const original = new Map<string, string>();
  const renamed = scenarios.map((s) => {
    const name = `${s.name}.${runId}`;
    original.set(name, s.name);
    return {
      ...s,
      name,
      bucketClass: { ...s.bucketClass, name: runClassName(s.bucketClass.name, runId) },
      bucketClaim: { ...s.bucketClaim, name: `${s.bucketClaim.name}-${runId}` },
      ...(s.access
        ? {
            access: {
              ...s.access,
              className: runClassName(s.access.className, runId),
              name: `${s.access.name}-${runId}`,
            },
          }
        : {}),
    };
  });
  const planeOf = (v: SidecarVariant) => state.planes.find((p) => p.variants.some((x) => x.name === v.name));
  const rules: RulesByVariant = {};
  for (const v of variants) rules[v.name] = scopedRules(renamed, v.name);
  await addRunRules(state, runId, rules);
  const envs: AttachedEnvironment[] = [];
  return {
    runId,
    scenarios: renamed,
    environmentKey: (_s, v) => planeOf(v)?.key ?? `missing:${v.name}`,
    startEnvironment: async ({ members }) => {
      const plane = planeOf(members[0]?.variant as SidecarVariant);
      if (!plane) throw new Error(`the stack runs no ${members[0]?.variant.name}`);
      const env = new AttachedEnvironment(
        plane,
        members.map((m) => m.variant),
      );
      envs.push(env);
      return env;
    },
    restoreNames: (results) => ({
      ...results,
      scenarios: results.scenarios.map((r) => ({ ...r, scenario: original.get(r.scenario) ?? r.scenario })),
    }),
    finish: async () => {
      await removeRunRules(state, runId);
      return (await Promise.all(envs.map((e) => e.release(3_000)))).flat();
    },
  };
}
