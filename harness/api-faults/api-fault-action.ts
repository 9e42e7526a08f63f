import { seededRandom } from '../../mock-driver/index.ts';
import type { ApiCutWatchSpec, ApiFaultActionSpec, ApiStatusActionSpec } from './api-fault-types.ts';

/** What finally happens to a request once sequence/flap/random/delay are unwrapped. */
export type TerminalApiFault =
  | { kind: 'status'; status: ApiStatusActionSpec }
  | { kind: 'forward' }
  | { kind: 'hang' }
  | { kind: 'reset' }
  | { kind: 'cut-watch'; cut: ApiCutWatchSpec };

export interface ResolvedApiFault {
  /** Sum of every delay on the way to the terminal action, ms. */
  delayMs: number;
  terminal: TerminalApiFault;
}

/** Seed of a `random` node that names none, so runs stay reproducible either way (as in mock driver rules). */
export const DEFAULT_API_FAULT_SEED = 1;

/**
 * Resolves a rule's action for one call number. Holds one seeded generator per `random` node, so each node
 * draws a fixed sequence for its seed; the semantics of sequence, flap and random are the mock driver's.
 */
export class ApiFaultActionResolver {
  private readonly generators = new Map<object, () => number>();

  resolve(action: ApiFaultActionSpec, callNumber: number): ResolvedApiFault {
    let delayMs = 0;
    let current: ApiFaultActionSpec | undefined = action;
    for (;;) {
      if (current === undefined || 'forward' in current) return { delayMs, terminal: { kind: 'forward' } };
      if ('status' in current) return { delayMs, terminal: { kind: 'status', status: current.status } };
      if ('hang' in current) return { delayMs, terminal: { kind: 'hang' } };
      if ('reset' in current) return { delayMs, terminal: { kind: 'reset' } };
      if ('cutWatch' in current) return { delayMs, terminal: { kind: 'cut-watch', cut: current.cutWatch } };
      if ('delay' in current) {
        delayMs += current.delay.ms;
        current = current.delay.then;
      } else if ('sequence' in current) {
        current = sequenceStep(current.sequence, callNumber);
      } else if ('flap' in current) {
        const { period = 1, actions } = current.flap;
        current = actions[Math.floor((callNumber - 1) / period) % actions.length];
      } else {
        const node = current.random;
        let next = this.generators.get(node);
        if (!next) {
          // The driver's generator: one seed draws the same sequence in driver and API rules.
          next = seededRandom(node.seed ?? DEFAULT_API_FAULT_SEED);
          this.generators.set(node, next);
        }
        current = next() < node.probability ? node.then : node.else;
      }
    }
  }
}

// Step i covers `times` consecutive call numbers; past the end the last step repeats.
function sequenceStep(
  steps: { times?: number; action: ApiFaultActionSpec }[],
  callNumber: number,
): ApiFaultActionSpec | undefined {
  let covered = 0;
  for (const step of steps) {
    covered += step.times ?? 1;
    if (callNumber <= covered) return step.action;
  }
  return steps.at(-1)?.action;
}
