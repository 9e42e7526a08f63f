import type { ScenarioResult } from '../harness/results/run-results.ts';
import { formatMs } from './format-units.ts';
import { variantLabel } from './result-key.ts';

/**
 * Attempts on a shared time axis as plain text, one row per variant: a retry loop shows as a comb running to
 * the right edge. A column holding several attempts shows their count (2-9, '#' for more); '>' marks a loop
 * still retrying when the window closed. Plain text because an issue body renders it anywhere (see
 * issue-report.ts for why the SVG goes into a file beside it).
 */
export function textTimeline(results: readonly ScenarioResult[], columns = 60): string {
  const spanMs = Math.max(
    1,
    ...results.map((r) => r.windowMs),
    ...results.flatMap((r) => r.attempts.map((a) => a.offsetMs)),
  );
  const labels = results.map(variantLabel);
  const width = Math.max(...labels.map((l) => l.length), 4);
  const rows = results.map((r, i) => {
    const counts = new Array<number>(columns).fill(0);
    for (const a of r.attempts) {
      const col = Math.min(columns - 1, Math.max(0, Math.floor((a.offsetMs / spanMs) * columns)));
      counts[col] = (counts[col] ?? 0) + 1;
    }
    const comb = counts.map((n) => (n === 0 ? '.' : n === 1 ? 'x' : n <= 9 ? String(n) : '#')).join('');
    const count = `${r.attempts.length}${r.stillRetryingAtEnd ? '+' : ''}`;
    return `${(labels[i] as string).padEnd(width)} |${comb}|${r.stillRetryingAtEnd ? '>' : ' '} ${count} ${r.outcome}`;
  });
  const end = formatMs(spanMs);
  const axis = `${''.padEnd(width)} 0${end.padStart(columns + 1)}`;
  return [...rows, axis].join('\n');
}
