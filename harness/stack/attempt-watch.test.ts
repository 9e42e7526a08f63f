import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { DriverCall } from '../driver/driver-admin-client.ts';
import { AttemptWatch, outcomeNow } from './attempt-watch.ts';

// A recorded COSI-86 loop on the v1alpha1 sidecar (10 calls over 51 s), replayed as the driver's journal.
const recorded = JSON.parse(
  readFileSync(new URL('../runner/testdata/journals/cosi-86.v1alpha1-cosi86.json', import.meta.url), 'utf8'),
) as { attempts: { offsetMs: number; code: string }[] };
const T0 = Date.parse('2026-11-30T04:47:39.359Z');

function call(seq: number, offsetMs: number, code: string): DriverCall {
  return {
    seq,
    wallTime: new Date(T0 + offsetMs).toISOString(),
    monoMs: offsetMs,
    era: 'v1alpha1',
    rpc: 'create',
    bucketName: 'cosi-86-bucket',
    parameters: {},
    callNumber: seq,
    code,
    latencyMs: 1,
  };
}

/** What `watch` prints off a terminal for the outcome, polled every 250 ms as the command does: kinds and texts. */
function replay(attempts: { offsetMs: number; code: string }[], untilMs: number): string[] {
  const watch = new AttemptWatch();
  const printed: string[] = [];
  let shown: string | undefined;
  let next = 0;
  for (let t = 0; t <= untilMs; t += 250) {
    while (next < attempts.length && (attempts[next]?.offsetMs ?? Infinity) <= t) {
      const a = attempts[next] as { offsetMs: number; code: string };
      watch.add('v1alpha1-cosi86', 'v1alpha1', call(next + 1, a.offsetMs, a.code));
      next++;
    }
    for (const l of watch.loops.values()) {
      const o = outcomeNow(l, T0 + t);
      if (o.kind !== shown) {
        shown = o.kind;
        printed.push(o.text);
      }
    }
  }
  return printed;
}

describe('watch outcome lines', () => {
  it('prints a line when the judgement changes, not every poll while the loop retries', () => {
    const printed = replay(recorded.attempts, 60_000);
    expect(printed.map((p) => p.split(' ')[0])).toEqual(['undecided', 'unbounded']);
    expect(printed[1]).toMatch(/^unbounded \(6 failed attempts/);
  });

  it('says a loop judged still retrying has stopped when its calls end (an attached run cleaned up)', () => {
    // The run deleted its claim after the 6th call: the decider alone would read "undecided", then "terminal".
    const printed = replay(recorded.attempts.slice(0, 6), 120_000);
    expect(printed.map((p) => p.split(' ')[0])).toEqual(['undecided', 'unbounded', 'stopped']);
    expect(printed[2]).toBe(
      'stopped after 6 attempts, 0 after it was judged still retrying (its claim deleted, or a rule changed?)',
    );
  });

  it('keeps a loop that never retried long enough undecided, then terminal, without repeating itself', () => {
    const printed = replay([{ offsetMs: 0, code: 'InvalidArgument' }], 120_000);
    expect(printed.map((p) => p.split(' ')[0])).toEqual(['undecided', 'terminal']);
  });
});
