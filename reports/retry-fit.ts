import type { BackoffFit } from '../harness/results/run-results.ts';

/** Fewer intervals than this say nothing about a curve: fitBackoff returns undefined. */
export const MIN_FIT_POINTS = 3;

// A tail counts as a cap only if every tail interval is within this ratio of the cap value (jitter, scheduling).
const CAP_FLATNESS = 1.15;
// ...and the exponential head would have overshot the cap by at least this ratio at the first capped point.
const CAP_OVERSHOOT = 1.05;
// A cap is one more parameter: it must buy at least this much squared log error to be preferred.
const CAP_PENALTY = 0.01;

interface Candidate {
  baseMs: number;
  factor: number;
  capMs: number | null;
  sse: number;
}

/**
 * log(interval) = log(base) + k·log(factor), fitted by Theil-Sen: the factor is the median of the slopes between pairs
 * of points, the base the median of what each point then implies. One retry the sidecar's process ran late
 * (measured: 259, 206, 406, 812, 1606 ms on a loaded CI machine, a doubling from 100 ms) moves a least-squares
 * factor to 1.65 and leaves this one at 2. Pairs at lags 1, 2, 4, ... only: every pair made a 300-interval fit take
 * 1.7 s (the cap search fits every head), these keep it O(n log n) per fit.
 */
function fitExponential(logs: number[]): { logBase: number; logFactor: number } {
  const slopes: number[] = [];
  for (let lag = 1; lag < logs.length; lag *= 2) {
    for (let i = 0; i + lag < logs.length; i++)
      slopes.push(((logs[i + lag] as number) - (logs[i] as number)) / lag);
  }
  const logFactor = slopes.length === 0 ? 0 : median(slopes);
  return { logBase: median(logs.map((y, k) => y - k * logFactor)), logFactor };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

function sseOf(logs: number[], logBase: number, logFactor: number, logCap: number): number {
  return logs.reduce((sum, y, k) => sum + (y - Math.min(logBase + k * logFactor, logCap)) ** 2, 0);
}

// Rounded so results files and golden reports do not carry float noise (99.99999999 ms).
const round = (value: number, digits: number) => Number(value.toFixed(digits));

/**
 * Fits interval_k = min(base · factor^k, cap) to the retry intervals of one object (k from 0).
 * Tries every split into an exponential head and a flat tail; keeps the best in log space, preferring no cap
 * unless a cap clearly fits better. capMs is null when the window never reached a cap. Non-positive intervals
 * (two attempts in the same millisecond) carry no backoff information and are dropped. Undefined when fewer
 * than MIN_FIT_POINTS intervals remain.
 */
export function fitBackoff(intervalsMs: readonly number[]): BackoffFit | undefined {
  const intervals = intervalsMs.filter((ms) => Number.isFinite(ms) && ms > 0);
  if (intervals.length < MIN_FIT_POINTS) return undefined;
  const logs = intervals.map(Math.log);

  const whole = fitExponential(logs);
  let best: Candidate = {
    baseMs: Math.exp(whole.logBase),
    factor: Math.exp(whole.logFactor),
    capMs: null,
    sse: sseOf(logs, whole.logBase, whole.logFactor, Number.POSITIVE_INFINITY),
  };

  for (let head = 2; head < intervals.length; head++) {
    const tail = intervals.slice(head);
    const cap = median(tail);
    if (!tail.every((ms) => ms <= cap * CAP_FLATNESS && ms >= cap / CAP_FLATNESS)) continue;
    const fit = fitExponential(logs.slice(0, head));
    const overshoot = Math.exp(fit.logBase + head * fit.logFactor) >= cap * CAP_OVERSHOOT;
    if (!overshoot || fit.logFactor <= 0) continue;
    const sse = sseOf(logs, fit.logBase, fit.logFactor, Math.log(cap)) + CAP_PENALTY;
    if (sse < best.sse) {
      best = { baseMs: Math.exp(fit.logBase), factor: Math.exp(fit.logFactor), capMs: cap, sse };
    }
  }

  const sse = sseOf(
    logs,
    Math.log(best.baseMs),
    Math.log(best.factor),
    best.capMs === null ? Number.POSITIVE_INFINITY : Math.log(best.capMs),
  );
  return {
    baseMs: round(best.baseMs, 1),
    factor: round(best.factor, 3),
    capMs: best.capMs === null ? null : round(best.capMs, 1),
    points: intervals.length,
    rmsLogError: round(Math.sqrt(sse / intervals.length), 4),
  };
}

/** The fitted interval before retry k (k from 0), ms; the curve the HTML report draws. */
export function fittedIntervalMs(fit: BackoffFit, k: number): number {
  const raw = fit.baseMs * fit.factor ** k;
  return fit.capMs === null ? raw : Math.min(raw, fit.capMs);
}
