import type { Outcome, RunResults, ScenarioResult, Verdict } from '../harness/results/run-results.ts';
import { resultKey } from './result-key.ts';

/** Attempt-count moves at or below this many attempts are noise (scheduling, a window closing mid-retry). */
export const NOISE_MIN_ATTEMPTS = 2;
/** ...and so are moves at or below this share of the baseline count. */
export const NOISE_RATIO = 0.2;

/** True when going from `before` to `after` attempts is more than noise: |Δ| > max(2, 20% of before). */
export function attemptsMoved(before: number, after: number): boolean {
  return Math.abs(after - before) > Math.max(NOISE_MIN_ATTEMPTS, NOISE_RATIO * before);
}

/** The parts of one result a comparison looks at. */
export interface ResultSnapshot {
  outcome: Outcome;
  verdict: Verdict;
  attempts: number;
  stillRetryingAtEnd: boolean;
}

export type ChangeKind = 'outcome' | 'verdict' | 'attempts';

/** One scenario x variant (x cell) present in both runs whose outcome, verdict or attempt count moved. */
export interface ResultChange {
  key: string;
  scenario: string;
  variant: string;
  cell?: ScenarioResult['cell'];
  changes: ChangeKind[];
  /** 'worse' when the verdict went from pass to fail, 'better' for fail to pass, else 'neutral'. */
  direction: 'better' | 'worse' | 'neutral';
  before: ResultSnapshot;
  after: ResultSnapshot;
}

/** A keyed result present in only one of the runs. */
export interface ResultPresence {
  key: string;
  scenario: string;
  variant: string;
  cell?: ScenarioResult['cell'];
  snapshot: ResultSnapshot;
}

/** What changed between two runs; report model only, rendered by comparison-markdown.ts. */
export interface Comparison {
  before: { startedAt: string; toolVersion: string };
  after: { startedAt: string; toolVersion: string };
  changed: ResultChange[];
  added: ResultPresence[];
  removed: ResultPresence[];
  unchanged: number;
  /** Keys that occur more than once in a run; only the first is compared. */
  duplicateKeys: string[];
  noise: string;
}

function snapshot(r: ScenarioResult): ResultSnapshot {
  return {
    outcome: r.outcome,
    verdict: r.verdict,
    attempts: r.attempts.length,
    stillRetryingAtEnd: r.stillRetryingAtEnd,
  };
}

function presence(key: string, r: ScenarioResult): ResultPresence {
  const p: ResultPresence = { key, scenario: r.scenario, variant: r.variant, snapshot: snapshot(r) };
  if (r.cell) p.cell = r.cell;
  return p;
}

function index(results: RunResults, duplicates: Set<string>): Map<string, ScenarioResult> {
  const map = new Map<string, ScenarioResult>();
  for (const r of results.scenarios) {
    const key = resultKey(r);
    if (map.has(key)) duplicates.add(key);
    else map.set(key, r);
  }
  return map;
}

/**
 * Pairs results by scenario + variant (+ cell) and reports what moved from `before` to `after`: outcome or
 * verdict changes, attempt counts beyond noise (see attemptsMoved), and results only one run has.
 * Order follows `after` for changes and additions, `before` for removals.
 */
export function compareResults(before: RunResults, after: RunResults): Comparison {
  const duplicates = new Set<string>();
  const old = index(before, duplicates);
  const now = index(after, duplicates);
  const changed: ResultChange[] = [];
  const added: ResultPresence[] = [];
  let unchanged = 0;
  for (const [key, r] of now) {
    const prior = old.get(key);
    if (!prior) {
      added.push(presence(key, r));
      continue;
    }
    const a = snapshot(prior);
    const b = snapshot(r);
    const changes: ChangeKind[] = [];
    if (a.outcome !== b.outcome) changes.push('outcome');
    if (a.verdict !== b.verdict) changes.push('verdict');
    if (attemptsMoved(a.attempts, b.attempts)) changes.push('attempts');
    if (changes.length === 0) {
      unchanged++;
      continue;
    }
    const direction: ResultChange['direction'] =
      a.verdict === 'pass' && b.verdict === 'fail'
        ? 'worse'
        : a.verdict === 'fail' && b.verdict === 'pass'
          ? 'better'
          : 'neutral';
    const change: ResultChange = {
      key,
      scenario: r.scenario,
      variant: r.variant,
      changes,
      direction,
      before: a,
      after: b,
    };
    if (r.cell) change.cell = r.cell;
    changed.push(change);
  }
  const removed = [...old].filter(([key]) => !now.has(key)).map(([key, r]) => presence(key, r));
  return {
    before: { startedAt: before.startedAt, toolVersion: before.tool.version },
    after: { startedAt: after.startedAt, toolVersion: after.tool.version },
    changed,
    added,
    removed,
    unchanged,
    duplicateKeys: [...duplicates],
    noise: `attempt counts moving by at most max(${NOISE_MIN_ATTEMPTS}, ${NOISE_RATIO * 100}% of the earlier count) are noise`,
  };
}
