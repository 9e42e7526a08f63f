import type { Slot } from '../scenario-slot.ts';
import type { ScenarioEnvironment } from '../start/scenario-environment.ts';

/**
 * How many scenarios of one control plane are set up at once (claim created, waiting for its Bucket and its
 * controller's finalizer, or for the grant before a revoke). The v0.1 controller writes a new claim three times
 * (Bucket create, claim status, claim finalizer) through client-go's 5 requests/s, burst 10, without retrying a
 * conflict; the sidecar writes the same claim once its create returns. Three claims fit in the burst; with 32 at
 * once its writes queued for seconds, the sidecar's write came first, and the claim never got its finalizer
 * (84 of 96 delete cells, measured) or its bucket name (grants never asked).
 */
export const SETUP_WAVE_SIZE = 3;

/** Slots waiting for their objects to be created: admitted by `admitSetupWaves`. */
export function isQueued(s: Slot): boolean {
  return s.state === 'queued';
}

function inSetup(s: Slot): boolean {
  return s.state === 'waiting-bucket' || s.state === 'waiting-grant';
}

/**
 * Creates the objects of queued slots, per environment, as earlier ones leave set-up (triggered, or failed):
 * never more than `waveSize` in set-up at once, in plan order. The windows of triggered slots run meanwhile, so
 * waves overlap with the measurement instead of waiting for it.
 */
export async function admitSetupWaves(slots: readonly Slot[], waveSize = SETUP_WAVE_SIZE): Promise<void> {
  const byEnv = new Map<ScenarioEnvironment, Slot[]>();
  for (const s of slots) {
    if (!s.env) continue;
    const list = byEnv.get(s.env) ?? [];
    list.push(s);
    byEnv.set(s.env, list);
  }
  await Promise.all(
    [...byEnv.values()].map(async (list) => {
      const room = waveSize - list.filter(inSetup).length;
      const next = list.filter(isQueued).slice(0, Math.max(0, room));
      await Promise.all(next.map(setUp));
    }),
  );
}

// Creates a queued slot's objects; its precondition (a ready Bucket) is waited for from now on.
async function setUp(slot: Slot): Promise<void> {
  const env = slot.env as ScenarioEnvironment;
  Object.assign(slot, { state: 'waiting-bucket', stateSince: Date.now() });
  try {
    await env.applyScenario(slot.scenario, slot.variant.name);
    slot.phases?.mark('applied');
  } catch (err) {
    slot.state = 'precondition-failed';
    slot.problem = `creating the scenario's objects failed: ${err instanceof Error ? err.message : String(err)}`;
  }
}
