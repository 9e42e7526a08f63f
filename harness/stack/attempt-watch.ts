import type { DriverCall } from '../driver/driver-admin-client.ts';
import type { Attempt, Era } from '../results/run-results.ts';
import { classifyAttempts } from '../runner/decide/outcome.ts';
import { decideOutcome } from '../runner/decide/outcome-decider.ts';
import { SCENARIO_PARAMETER } from '../scenarios/scenario-loader.ts';

// No scenario bounds what a person does by hand: the decider judges with no budget and a window this long.
const WATCH_WINDOW_MS = 10 * 60_000;

/** What `watch` shows of one bucket's calls of one RPC: count, last code and interval, the outcome now. */
export interface WatchedLoop {
  variant: string;
  era: Era;
  rpc: string;
  bucket: string;
  scenario?: string;
  count: number;
  lastCode: string;
  lastIntervalMs?: number;
  firstAt: number;
  attempts: Attempt[];
  /** The count at which the decider last judged this loop still retrying with no bound in sight. */
  retryingAtCount?: number;
}

/** Gathers driver calls per (variant, RPC, bucket) as the stack's journals return them. */
export class AttemptWatch {
  readonly loops = new Map<string, WatchedLoop>();

  /** Adds one call; returns its loop (undefined for calls that name no bucket, e.g. DriverGetInfo). */
  add(variant: string, era: Era, call: DriverCall): WatchedLoop | undefined {
    if (call.rpc === 'getInfo' || !call.bucketName) return undefined;
    const key = `${variant}|${call.rpc}|${call.bucketName}`;
    const at = Date.parse(call.wallTime);
    const loop = this.loops.get(key) ?? {
      variant,
      era,
      rpc: call.rpc,
      bucket: call.bucketName,
      scenario: call.parameters[SCENARIO_PARAMETER],
      count: 0,
      lastCode: '',
      firstAt: at,
      attempts: [],
    };
    const prev = loop.attempts.at(-1);
    loop.attempts.push({
      seq: call.seq,
      wallTime: call.wallTime,
      offsetMs: at - loop.firstAt,
      code: call.code as Attempt['code'],
    });
    loop.count = loop.attempts.length;
    loop.lastCode = call.code;
    loop.lastIntervalMs = prev ? at - loop.firstAt - prev.offsetMs : undefined;
    this.loops.set(key, loop);
    return loop;
  }
}

/** What the decider would say of a loop now: `kind` changes only when the judgement does, `text` says why. */
export interface WatchOutcome {
  kind: 'undecided' | 'stopped' | string;
  text: string;
}

/**
 * The outcome the run's decider would give this loop now (or what it is still waiting for). A loop once judged
 * still retrying that then goes quiet has stopped: an attached run's cleanup deletes its claim, a person edits a
 * rule; the decider alone would go back to "undecided" and later call it terminal, which says the wrong thing.
 */
export function outcomeNow(loop: WatchedLoop, now: number): WatchOutcome {
  const elapsedMs = now - loop.firstAt;
  const d = decideOutcome(
    { era: loop.era, windowMs: WATCH_WINDOW_MS, largestBudget: 0, full: false },
    { outcome: 'unbounded' },
    loop.attempts,
    elapsedMs,
  );
  const retryingAt = loop.retryingAtCount;
  if (d.decided && d.basis === 'retrying') {
    loop.retryingAtCount = loop.count;
  } else if (retryingAt !== undefined) {
    const quiet = Math.round((now - loop.firstAt - (loop.attempts.at(-1)?.offsetMs ?? 0)) / 1000);
    if (!d.decided)
      return {
        kind: 'unbounded',
        text: `unbounded (was still retrying at attempt ${retryingAt}; quiet ${quiet} s)`,
      };
    return {
      kind: 'stopped',
      text: `stopped after ${loop.count} attempts, ${loop.count - retryingAt} after it was judged still retrying (its claim deleted, or a rule changed?)`,
    };
  }
  if (!d.decided) return { kind: 'undecided', text: `undecided (${d.waitingFor})` };
  const c = classifyAttempts({
    attempts: loop.attempts,
    observedMs: elapsedMs,
    sidecarRestarts: 0,
    stopped: d.basis === 'quiet',
  });
  return { kind: c.outcome, text: `${c.outcome} (${d.evidence})` };
}
