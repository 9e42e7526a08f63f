import type { MatrixCell, Outcome } from '../harness/results/run-results.ts';
import type { SweepEntry, SweepRow, VersionSweep } from '../harness/results/sweep-results.ts';
import { formatMs } from './format-units.ts';
import { mdCell } from './markdown-text.ts';

const LETTER: Record<Exclude<Outcome, 'unavailable'>, string> = {
  terminal: 'T',
  bounded: 'B',
  unbounded: 'U',
  'never-called': 'N',
  crashed: 'X',
};

const LEGEND =
  'T terminal, B bounded, U unbounded (still retrying), N never called, X crashed; number = attempts in the ' +
  'window; - unavailable here, ? not triggered (setup failed), blank = no result';

function entryText(e: SweepEntry): string {
  if (e.status === 'measured') return `${LETTER[e.outcome]}${e.attempts}`;
  return e.status === 'unavailable' ? '-' : e.status === 'not-triggered' ? '?' : '';
}

function cellLabel(r: SweepRow, patterns: number): string {
  return `${r.rpc}/${r.code}${patterns > 1 ? `/${r.pattern}` : ''}`;
}

/** First-terminal text: the release, then what qualifies it. */
function firstTerminalText(r: SweepRow): string {
  const notes: string[] = [];
  if (r.regressedIn.length) notes.push(`called again in ${r.regressedIn.join(', ')}`);
  if (r.unmeasuredBefore.length)
    notes.push(
      `${r.firstTerminal === 'never' ? 'not measured' : 'or earlier, not measured'}: ${r.unmeasuredBefore.join(', ')}`,
    );
  return notes.length ? `${r.firstTerminal} (${notes.join('; ')})` : r.firstTerminal;
}

function patternText(patterns: MatrixCell['pattern'][]): string {
  return patterns
    .map((p) =>
      p === 'always' ? "'always' (the code on every call)" : "'then-ok' (the code 3 times, then OK)",
    )
    .join(' and ');
}

/** Why entries are missing: unavailable releases once each, other gaps per cell. */
function unmeasuredNotes(t: VersionSweep): string[] {
  const notes: string[] = [];
  const unavailable = new Map<string, { reason: string; cells: number }>();
  for (const r of t.rows) {
    for (const e of r.entries) {
      if (e.status === 'measured') continue;
      if (e.status === 'unavailable') {
        const u = unavailable.get(e.variant) ?? { reason: e.reason, cells: 0 };
        u.cells++;
        unavailable.set(e.variant, u);
      } else {
        notes.push(
          `${cellLabel(r, t.patterns.length)} on ${e.variant}: ${e.status === 'absent' ? 'no result' : 'not triggered'}: ${e.reason}`,
        );
      }
    }
  }
  return [
    ...[...unavailable].map(([v, u]) => `${v}: unavailable (${u.cells} cell(s)): ${u.reason}`),
    ...notes,
  ];
}

/** Never-called entries whose release declares the RPC never made, once per release and RPC, with the evidence. */
function declaredNotes(t: VersionSweep): string[] {
  const seen = new Map<string, string>();
  for (const r of t.rows)
    for (const e of r.entries)
      if (e.status === 'measured' && e.declaredNeverCalled)
        seen.set(`${e.variant} ${r.rpc}`, e.declaredNeverCalled);
  return [...seen].map(([k, why]) => `${k}: ${why}`);
}

function header(t: VersionSweep): string[] {
  return ['RPC', 'Code', ...(t.patterns.length > 1 ? ['Pattern'] : []), ...t.variants, 'First terminal'];
}

function rowCells(t: VersionSweep, r: SweepRow): string[] {
  return [
    r.rpc,
    r.code,
    ...(t.patterns.length > 1 ? [r.pattern] : []),
    ...r.entries.map(entryText),
    firstTerminalText(r),
  ];
}

function summary(t: VersionSweep): string {
  const measured = t.rows.flatMap((r) => r.entries).filter((e) => e.status === 'measured').length;
  const total = t.rows.reduce((n, r) => n + r.entries.length, 0);
  return `${measured}/${total} cell x release pairs measured${t.complete ? '' : ' (incomplete)'}`;
}

/**
 * The sweep as GitHub-flavoured Markdown (sweep.md): one row per rpc x code, one column per release (oldest
 * first), then the first release in which the cell is terminal. Deterministic.
 */
export function renderSweepMarkdown(t: VersionSweep): string {
  const cols = header(t);
  const notes = unmeasuredNotes(t);
  const declared = declaredNotes(t);
  return [
    '# cosi-chaos version sweep',
    '',
    `First release (oldest first) in which each cell is terminal: exactly one attempt and no other within the ` +
      `${formatMs(t.windowMs)} window. Pattern ${patternText(t.patterns)}. ${summary(t)}.`,
    '',
    `| ${cols.map(mdCell).join(' | ')} |`,
    `|${cols.map(() => '---').join('|')}|`,
    ...t.rows.map((r) => `| ${rowCells(t, r).map(mdCell).join(' | ')} |`),
    '',
    `${LEGEND}.`,
    '',
    ...(declared.length
      ? ["## Never called by the release's code", '', ...declared.map((n) => `- ${mdCell(n)}`), '']
      : []),
    ...(notes.length ? ['## Not measured', '', ...notes.map((n) => `- ${mdCell(n)}`), ''] : []),
  ].join('\n');
}

/** The sweep as the plain-text table the CLI prints: columns padded, legend and gaps below. */
export function renderSweepText(t: VersionSweep): string {
  const rows = [header(t).map((h) => h.toUpperCase()), ...t.rows.map((r) => rowCells(t, r))];
  const widths = (rows[0] ?? []).map((_, i) => Math.max(...rows.map((row) => (row[i] ?? '').length)));
  const notes = unmeasuredNotes(t);
  const declared = declaredNotes(t);
  return [
    `version sweep, window ${formatMs(t.windowMs)}, pattern ${t.patterns.join(' + ')}: ${summary(t)}`,
    '',
    ...rows.map((row) =>
      row
        .map((c, i) => c.padEnd(widths[i] ?? 0))
        .join('  ')
        .trimEnd(),
    ),
    '',
    LEGEND,
    ...(declared.length ? ['', "never called by the release's code:", ...declared.map((n) => `  ${n}`)] : []),
    ...(notes.length ? ['', 'not measured:', ...notes.map((n) => `  ${n}`)] : []),
  ].join('\n');
}

/** The sweep as JSON (sweep.json): the report model as is, 2-space indented. */
export function renderSweepJson(t: VersionSweep): string {
  return `${JSON.stringify(t, null, 2)}\n`;
}
