import type { ActionSpec, ErrorActionSpec } from './rule-types.ts';
import { seededRandom } from './seeded-random.ts';

// What finally happens to a call once sequence/flap/random/delay are unwrapped.
export type TerminalAction =
  | { kind: 'error'; error: ErrorActionSpec }
  | { kind: 'ok' }
  | { kind: 'backend' }
  | { kind: 'hang' }
  | { kind: 'drop' }
  | { kind: 'crash'; exitCode: number };

export interface ResolvedAction {
  // Sum of every delay on the way to the terminal action.
  delayMs: number;
  terminal: TerminalAction;
}

// Seed used by `random` when the rule gives none, so runs stay reproducible either way.
export const DEFAULT_RANDOM_SEED = 1;

// Exit code for `crash: {}`: what a shell reports for SIGKILL.
export const DEFAULT_CRASH_EXIT_CODE = 137;

// Holds the PRNG of every `random` node (keyed by the node itself), so each rule's draws are a fixed sequence
// for its seed. reset() restarts them, as after replacing rules or POST /reset.
export class ActionResolver {
  private readonly generators = new Map<object, () => number>();

  resolve(action: ActionSpec, callNumber: number): ResolvedAction {
    let delayMs = 0;
    let current: ActionSpec | undefined = action;
    for (;;) {
      if (current === undefined) return { delayMs, terminal: { kind: 'backend' } };
      if ('error' in current) return { delayMs, terminal: { kind: 'error', error: current.error } };
      if ('ok' in current) return { delayMs, terminal: { kind: 'ok' } };
      if ('backend' in current) return { delayMs, terminal: { kind: 'backend' } };
      if ('hang' in current) return { delayMs, terminal: { kind: 'hang' } };
      if ('drop' in current) return { delayMs, terminal: { kind: 'drop' } };
      if ('crash' in current) {
        return {
          delayMs,
          terminal: { kind: 'crash', exitCode: current.crash.exitCode ?? DEFAULT_CRASH_EXIT_CODE },
        };
      }
      if ('delay' in current) {
        delayMs += current.delay.ms;
        current = current.delay.then;
      } else if ('sequence' in current) {
        current = pickSequenceStep(current.sequence, callNumber);
      } else if ('flap' in current) {
        const { period = 1, actions } = current.flap;
        current = actions[Math.floor((callNumber - 1) / period) % actions.length];
      } else {
        const node = current.random;
        let next = this.generators.get(node);
        if (!next) {
          next = seededRandom(node.seed ?? DEFAULT_RANDOM_SEED);
          this.generators.set(node, next);
        }
        current = next() < node.probability ? node.then : node.else;
      }
    }
  }

  reset(): void {
    this.generators.clear();
  }
}

// Step i covers `times` consecutive call numbers; past the end the last step repeats.
function pickSequenceStep(
  steps: { times?: number; action: ActionSpec }[],
  callNumber: number,
): ActionSpec | undefined {
  let covered = 0;
  for (const step of steps) {
    covered += step.times ?? 1;
    if (callNumber <= covered) return step.action;
  }
  return steps.at(-1)?.action;
}
