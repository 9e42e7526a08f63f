import type { Outcome } from '../../harness/results/run-results.ts';

// Codes people meet most get fixed, distinguishable colours; any other code gets a stable colour from its name.
const CODE_COLOURS: Record<string, string> = {
  OK: '#2e9d5b',
  InvalidArgument: '#d62728',
  Unavailable: '#ff7f0e',
  PermissionDenied: '#9467bd',
  Internal: '#8c564b',
  DeadlineExceeded: '#e377c2',
  AlreadyExists: '#17becf',
  NotFound: '#7f7f7f',
  ResourceExhausted: '#bcbd22',
  FailedPrecondition: '#1f77b4',
};
const FALLBACK = ['#393b79', '#637939', '#8c6d31', '#843c39', '#7b4173', '#3182bd', '#e6550d', '#31a354'];

/** Fill colour of an attempt mark for a gRPC code name. */
export function codeColour(code: string): string {
  const fixed = CODE_COLOURS[code];
  if (fixed) return fixed;
  let hash = 0;
  for (const ch of code) hash = (hash * 31 + (ch.codePointAt(0) ?? 0)) >>> 0;
  return FALLBACK[hash % FALLBACK.length] as string;
}

/** Stroke colours for one chart's series (variants), by index. */
export function seriesColour(index: number): string {
  const series = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#17becf', '#8c564b', '#e377c2'];
  return series[index % series.length] as string;
}

// Hue per outcome: green stopped by itself, amber stopped after retries, red still retrying, greys for not run.
const OUTCOME_HUE: Record<Outcome, { hue: number; saturation: number } | null> = {
  terminal: { hue: 140, saturation: 45 },
  bounded: { hue: 40, saturation: 85 },
  unbounded: { hue: 0, saturation: 70 },
  crashed: { hue: 285, saturation: 45 },
  'never-called': null,
  unavailable: null,
};

/**
 * Heat-map cell colour: hue by outcome, darker with more attempts (log scale against the grid's maximum).
 * Returns the background and a text colour readable on it.
 */
export function heatColour(
  outcome: Outcome,
  attempts: number,
  maxAttempts: number,
): { bg: string; fg: string } {
  const base = OUTCOME_HUE[outcome];
  if (!base) return { bg: outcome === 'unavailable' ? '#f1f1f1' : '#d9d9d9', fg: '#333' };
  const share = maxAttempts <= 1 ? 0 : Math.log(Math.max(1, attempts)) / Math.log(maxAttempts);
  const lightness = Math.round(82 - 40 * share);
  return { bg: `hsl(${base.hue} ${base.saturation}% ${lightness}%)`, fg: lightness < 58 ? '#fff' : '#111' };
}
