import type { BackoffFit } from '../harness/results/run-results.ts';

// Fixed locale: golden files must not depend on the machine's LANG.
const COUNT = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const DECIMAL = new Intl.NumberFormat('en-US', { maximumFractionDigits: 1 });
// No grouping: in a comma-separated list '25,600' would read as two intervals.
const PLAIN = new Intl.NumberFormat('en-US', { maximumFractionDigits: 1, useGrouping: false });

/** Durations as people read them: '100 ms', '25.6 s', '1.5 min', '2 h'. */
export function formatMs(ms: number): string {
  if (ms < 1000) return `${DECIMAL.format(ms)} ms`;
  if (ms < 60_000) return `${DECIMAL.format(ms / 1000)} s`;
  if (ms < 3_600_000) return `${DECIMAL.format(ms / 60_000)} min`;
  return `${DECIMAL.format(ms / 3_600_000)} h`;
}

/** Whole counts with thousands separators: '2,888,000'. */
export function formatCount(n: number): string {
  return COUNT.format(n);
}

/** A fitted backoff in one phrase: '100 ms ×2, cap 30 s' or '500 ms ×1, no cap seen'. */
export function formatFit(fit: BackoffFit): string {
  const cap = fit.capMs === null ? 'no cap seen' : `cap ${formatMs(fit.capMs)}`;
  return `${formatMs(fit.baseMs)} ×${fit.factor}, ${cap}`;
}

/** Intervals as a compact list for failure messages: '100, 200, 400 ms'. */
export function formatIntervals(intervalsMs: readonly number[], max = 40): string {
  if (intervalsMs.length === 0) return 'none';
  const shown = intervalsMs.slice(0, max).map((ms) => PLAIN.format(ms));
  const more = intervalsMs.length > max ? `, … (${intervalsMs.length - max} more)` : '';
  return `${shown.join(', ')}${more} ms`;
}

/** Attempt codes with runs collapsed: 'Unavailable ×3, OK'. */
export function formatCodes(codes: readonly string[]): string {
  if (codes.length === 0) return 'none';
  const runs: [string, number][] = [];
  for (const code of codes) {
    const last = runs.at(-1);
    if (last && last[0] === code) last[1]++;
    else runs.push([code, 1]);
  }
  return runs.map(([code, n]) => (n > 1 ? `${code} ×${n}` : code)).join(', ');
}
