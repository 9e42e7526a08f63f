import type { MatrixCell, Rpc, RunResults, ScenarioResult } from '../harness/results/run-results.ts';
import type { WitnessTable } from '../harness/results/witness-results.ts';
import { componentProvenance } from './component-provenance.ts';
import { driverAndSidecarHalves } from './driver-and-sidecar-halves.ts';
import { formatCount, formatFit, formatIntervals, formatMs } from './format-units.ts';
import { mdCell } from './markdown-text.ts';
import type { SidecarLogExcerpt } from './sidecar-log-excerpt.ts';
import { textTimeline } from './text-timeline.ts';

/** The COSI driver RPC a journal RPC name stands for, as upstream code and logs name it. */
const DRIVER_RPC: Record<Rpc, string> = {
  getInfo: 'DriverGetInfo',
  create: 'DriverCreateBucket',
  getExisting: 'DriverGetExistingBucket',
  delete: 'DriverDeleteBucket',
  grant: 'DriverGrantBucketAccess',
  revoke: 'DriverRevokeBucketAccess',
};

/** What the CLI read beside the results: the scenario file, the sidecar logs, the timeline file it wrote. */
export interface IssueReportContext {
  /** The scenario file as the reproduce commands name it, and its text (or why it could not be read). */
  scenarioFile?: { path: string; text?: string; missing?: string };
  /** Per variant: the sidecar log excerpt, or why there is none. */
  logs?: ReadonlyMap<string, SidecarLogExcerpt>;
  /** File name of the standalone timeline SVG written beside the body, when there is one. */
  timelineFile?: string;
  /** Where the report is rendered ('linux/x64, Node v20'): results do not record the run's OS/arch. */
  renderedOn?: string;
}

/** An issue body and the title it suggests. */
export interface IssueReport {
  title: string;
  scenario: string;
  /** The results the body is about: every variant of that scenario. */
  results: ScenarioResult[];
  markdown: string;
}

/**
 * The results one issue is about: those of `scenario`, or of the first scenario with a loop still retrying
 * (the bug), or of the first scenario. Undefined when the results hold no such scenario.
 */
export function issueSubject(results: RunResults, scenario?: string): ScenarioResult[] | undefined {
  const name =
    scenario ??
    results.scenarios.find((r) => r.outcome === 'unbounded')?.scenario ??
    results.scenarios[0]?.scenario;
  const subject = results.scenarios.filter((r) => r.scenario === name);
  return subject.length > 0 ? subject : undefined;
}

/** The error code the driver answered most often in these results (the one the issue is about). */
function dominantCode(results: readonly ScenarioResult[]): string | undefined {
  const counts = new Map<string, number>();
  for (const a of results.flatMap((r) => r.attempts)) {
    if (a.code !== 'OK') counts.set(a.code, (counts.get(a.code) ?? 0) + 1);
  }
  return [...counts].sort((a, b) => b[1] - a[1])[0]?.[0];
}

/** 'v1alpha1 sidecar retries InvalidArgument from DriverCreateBucket for ever', from what was measured. */
export function issueTitle(results: readonly ScenarioResult[]): string {
  const first = results[0];
  if (!first) return 'cosi-chaos: no results';
  const code = dominantCode(results) ?? 'an error';
  const rpc = DRIVER_RPC[first.rpc];
  const eras = (list: readonly ScenarioResult[]) => [...new Set(list.map((r) => r.era))].join('/');
  const unbounded = results.filter((r) => r.outcome === 'unbounded');
  if (unbounded.length > 0) return `${eras(unbounded)} sidecar retries ${code} from ${rpc} for ever`;
  const bounded = results.filter((r) => r.outcome === 'bounded');
  if (bounded.length > 0) {
    const most = Math.max(...bounded.map((r) => r.attempts.length));
    return `${eras(bounded)} sidecar retries ${code} from ${rpc} (up to ${most} attempts)`;
  }
  const crashed = results.filter((r) => r.outcome === 'crashed');
  if (crashed.length > 0) return `${eras(crashed)} sidecar crashes on ${code} from ${rpc}`;
  return `${code} from ${rpc}: no sidecar retries it (nothing to report)`;
}

function table(header: string[], rows: string[][]): string[] {
  return [
    `| ${header.map(mdCell).join(' | ')} |`,
    `|${header.map(() => '---').join('|')}|`,
    ...rows.map((row) => `| ${row.map(mdCell).join(' | ')} |`),
  ];
}

/** A fenced block whose fence is longer than any backtick run inside it. */
function fenced(lang: string, text: string): string[] {
  const longest = Math.max(2, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = '`'.repeat(longest + 1);
  return [`${fence}${lang}`, text.trimEnd(), fence];
}

function details(summary: string, body: string[]): string[] {
  return ['<details>', `<summary>${escapeHtml(summary)}</summary>`, '', ...body, '', '</details>', ''];
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function attemptsText(r: ScenarioResult): string {
  return `${r.attempts.length}${r.stillRetryingAtEnd ? '+' : ''}`;
}

/** `status.error` messages of the objects read at the end of the window (v1alpha2 records the error there). */
function statusErrors(r: ScenarioResult): string {
  const found = r.objects.flatMap((o) => {
    const error = o.status.error;
    if (error === undefined || error === null) return [];
    const message =
      typeof error === 'object' && typeof (error as { message?: unknown }).message === 'string'
        ? (error as { message: string }).message
        : JSON.stringify(error);
    return [`${o.kind}: ${message}`];
  });
  return found.length > 0 ? found.join('; ') : 'none';
}

function eventsLanded(r: ScenarioResult): string {
  if (r.events.length === 0) return 'none';
  return r.events.map((e) => `${e.reason} count ${e.count}`).join('; ');
}

function eventsRefused(r: ScenarioResult): string {
  if (r.eventsRefused === undefined) return 'not recorded';
  if (r.eventsRefused.length === 0) return 'none';
  return r.eventsRefused.map((e) => `${e.reason} (${e.times}×: ${e.refusal})`).join('; ');
}

/**
 * The witness table of a result, where the results carry one: issue 11's WitnessTable
 * (harness/results/witness-results.ts), expected under `witnesses` once the runner records it. Checked at run time
 * (verdict and rows present) because results written before then, or by another cosi-chaos, lack it.
 */
export function witnessTableOf(r: ScenarioResult): WitnessTable | undefined {
  const w = (r as ScenarioResult & { witnesses?: unknown }).witnesses;
  if (!w || typeof w !== 'object') return undefined;
  const t = w as Partial<WitnessTable>;
  return typeof t.verdict === 'string' && Array.isArray(t.rows) ? (w as WitnessTable) : undefined;
}

/** Witness agreement in one cell: 'agree (3/3 witnesses)', or 'not recorded' when the results carry none. */
export function witnessAgreement(r: ScenarioResult): string {
  const t = witnessTableOf(r);
  if (!t) {
    return (r as ScenarioResult & { witnesses?: unknown }).witnesses === undefined
      ? 'not recorded'
      : 'recorded in an unknown form (see the results file)';
  }
  const agree = t.rows.filter((row) => row.fidelity === 'agree').length;
  return `${t.verdict} (${agree}/${t.rows.length} witnesses agree)`;
}

function witnessDetails(subject: ScenarioResult[]): string[] {
  return subject.flatMap((r) => {
    const t = witnessTableOf(r);
    if (!t || t.rows.length === 0) return [];
    return details(`Witnesses of ${r.variant}: ${t.verdict}`, [
      `${t.verdictReason} The driver answered ${t.driverAttempts} call(s), ${t.driverFailedAttempts} with an error.`,
      '',
      ...table(
        ['Witness', 'What was counted', 'Expected', 'Count', 'Agrees', 'Why'],
        t.rows.map((row) => [
          row.witness,
          row.measure,
          String(row.expected),
          String(row.count),
          row.fidelity,
          row.reason,
        ]),
      ),
    ]);
  });
}

/** When a loop was last seen still retrying: as the window closed, or when its pair was decided early. */
function stillRetryingWhen(r: ScenarioResult): string {
  return r.decision?.early
    ? `when the run decided it early, ${formatMs(r.decision.atMs)} after the trigger`
    : 'when the window closed';
}

function observed(r: ScenarioResult): string {
  if (r.outcome === 'unavailable') return `unavailable: ${r.verdictReason}`;
  const still = r.stillRetryingAtEnd ? `, still retrying ${stillRetryingWhen(r)}` : '';
  return `${r.outcome}${still}`;
}

// An early decision observed less than the window; the command asks for the run's window.
function windowOf(r: ScenarioResult, results: RunResults): number {
  return r.decision?.early ? results.windowMs : r.windowMs;
}

/** The flags that select one result's variant. */
function sidecarFlags(r: ScenarioResult, results: RunResults): string {
  // A user binary runs as the variant 'custom': the command needs its path, which only the components record.
  const binary = results.components.find((c) => c.name === `sidecar ${r.variant}`)?.path;
  return r.variant === 'custom' && binary ? `--sidecar ${binary} --era ${r.era}` : `--sidecar ${r.variant}`;
}

/**
 * The command that measures the subject again over its whole window, and where it writes: `run` of the scenario
 * file for `only` that variant (undefined: every variant of the scenario), or `matrix` for a generated cell.
 */
function fullRunCommand(
  subject: ScenarioResult[],
  results: RunResults,
  context: IssueReportContext,
  only?: ScenarioResult,
): { command: string; out: string } {
  const r = only ?? first(subject);
  const window = `--window ${Math.round(windowOf(r, results) / 1000)}s`;
  // --full: an issue needs the whole window (fitted backoff, projection), not a verdict decided in seconds.
  if (r.cell) {
    const variants = subject.map((x) => x.variant).join(',');
    return {
      command: `npx cosi-chaos matrix --only ${variants} --codes ${r.cell.code} --rpcs ${r.cell.rpc} ${window} --full --out results/matrix`,
      out: 'results/matrix',
    };
  }
  const path = context.scenarioFile?.path ?? r.file;
  const sidecar = only ? ` ${sidecarFlags(only, results)}` : '';
  return {
    command: `npx cosi-chaos run ${path}${sidecar} ${window} --full --out results/${r.scenario}`,
    out: `results/${r.scenario}`,
  };
}

function whatHappens(subject: ScenarioResult[], code: string, rpc: string): string[] {
  const lines = subject.map((r) => {
    const extra =
      r.outcome === 'terminal' || r.outcome === 'bounded'
        ? ` and stopped${statusErrors(r) === 'none' ? '' : `, recording status.error (${statusErrors(r)})`}`
        : r.stillRetryingAtEnd
          ? ` and was still retrying ${stillRetryingWhen(r)}`
          : '';
    const n = `${attemptsText(r)} attempt${attemptsText(r) === '1' ? '' : 's'}`;
    return `- \`${r.variant}\` (${r.era}): ${r.outcome}, ${n} in ${formatMs(r.windowMs)}${extra}.`;
  });
  const first = subject[0];
  const message = first?.attempts.find((a) => a.code === code)?.message;
  return [
    first?.description ?? '',
    '',
    `The driver answers \`${rpc}\` with \`${code}\`${message ? ` ("${message}")` : ''}. What each sidecar did:`,
    '',
    ...lines,
    '',
  ];
}

function impact(subject: ScenarioResult[], results: RunResults, context: IssueReportContext): string[] {
  const projected = subject.filter((r) => r.projection);
  const unprojected = subject.filter((r) => r.stillRetryingAtEnd && !r.projection);
  const early = unprojected.filter((r) => r.decision?.early);
  const unfitted = unprojected.filter((r) => !r.decision?.early && !r.backoff);
  // Results written by another cosi-chaos, or merged: a fitted loop the results project nothing for.
  const unrecorded = unprojected.filter((r) => !r.decision?.early && r.backoff);
  const out = projected.length > 0 ? projection(projected) : [];
  if (early.length > 0) out.push(...earlyNotProjected(subject, early, results, context));
  const was = (list: readonly ScenarioResult[]) => (list.length === 1 ? 'was' : 'were');
  if (unfitted.length > 0) {
    out.push(
      `${variantList(unfitted)} ${was(unfitted)} still retrying when the window closed, ` +
        'with too few attempts to fit a backoff: nothing to project (a longer --window gives more).',
      '',
    );
  }
  if (unrecorded.length > 0) {
    out.push(
      `${variantList(unrecorded)} ${was(unrecorded)} still retrying when the window closed; these results ` +
        'carry no projection for it.',
      '',
    );
  }
  if (out.length === 0)
    out.push('No loop was still retrying at the end of the window: nothing to project.', '');
  return out;
}

function variantList(list: readonly ScenarioResult[]): string {
  return list.map((r) => `\`${r.variant}\``).join(', ');
}

// A run decided early (the default) stops watching a pair once its verdict is certain, seconds into a loop whose
// backoff has not reached its cap: a day projected from that would be wrong, so the report says how to measure it.
function earlyNotProjected(
  subject: ScenarioResult[],
  early: readonly ScenarioResult[],
  results: RunResults,
  context: IssueReportContext,
): string[] {
  const after = early
    .map((r) => `\`${r.variant}\` after ${formatMs(r.decision?.atMs ?? r.windowMs)}`)
    .join(', ');
  const window = formatMs(windowOf(first(early), results));
  const rerun = fullRunCommand(subject, results, context, early.length === 1 ? early[0] : undefined);
  return [
    `This run was decided early: it stopped watching each loop once its verdict was certain (${after}), not at the ` +
      `end of the ${window} window. The ${early.length === 1 ? 'loop was' : 'loops were'} still retrying then, ` +
      'but a projection needs the backoff over the whole window, so none is made. To get it, run the window out ' +
      'with `--full` and render this report from those results:',
    '',
    ...fenced(
      'sh',
      [rerun.command, `npx cosi-chaos report ${rerun.out}/results.json --format issue`].join('\n'),
    ),
    '',
  ];
}

function projection(projected: readonly ScenarioResult[]): string[] {
  const assumptions = [...new Set(projected.flatMap((r) => r.projection?.assumptions ?? []))];
  return [
    'If the error persists, each failing object keeps costing driver calls (and a backend request each):',
    '',
    ...table(
      ['Variant', 'Fitted backoff', 'Attempts per object per day', 'Attempts per day, 1,000 objects'],
      projected.map((r) => [
        r.variant,
        r.backoff ? formatFit(r.backoff) : '—',
        formatCount(r.projection?.attemptsPerObjectPerDay ?? 0),
        formatCount(r.projection?.attemptsPerDayPer1000Objects ?? 0),
      ]),
    ),
    '',
    'Assumptions of the projection:',
    '',
    ...assumptions.map((a) => `- ${a}`),
    '',
  ];
}

function expectedVsObserved(subject: ScenarioResult[]): string[] {
  const out = table(
    [
      'Variant',
      'Expected',
      'Observed',
      'Attempts',
      'Intervals',
      'Fitted backoff',
      'Events landed',
      'Events refused',
      'status.error',
      'Witnesses',
      'Verdict',
    ],
    subject.map((r) => [
      r.variant,
      r.expectation,
      observed(r),
      attemptsText(r),
      formatIntervals(r.intervalsMs, 8),
      r.backoff ? formatFit(r.backoff) : '—',
      eventsLanded(r),
      eventsRefused(r),
      statusErrors(r),
      witnessAgreement(r),
      r.verdict,
    ]),
  );
  out.push('', ...witnessDetails(subject));
  for (const r of subject.filter((x) => x.attempts.length > 0)) {
    out.push(
      ...details(`Attempts of ${r.variant} (${attemptsText(r)})`, [
        ...table(
          ['#', 'Wall time', 'Offset', 'Interval', 'Code', 'Message'],
          r.attempts.map((a, i) => [
            String(i + 1),
            a.wallTime,
            formatMs(a.offsetMs),
            // From wall times, not offsets: an offset is clamped at 0 for an attempt before the trigger was recorded.
            i === 0
              ? '—'
              : formatMs(Date.parse(a.wallTime) - Date.parse(r.attempts[i - 1]?.wallTime ?? a.wallTime)),
            a.code,
            a.message ?? '',
          ]),
        ),
      ]),
    );
  }
  const deviations = subject.filter((r) => r.deviation);
  for (const r of deviations) out.push(`Harness deviation for \`${r.variant}\`: ${r.deviation}`, '');
  return out;
}

const SETUP =
  'The first run builds the pinned etcd, kube-apiserver, sidecar and controller from their Go modules into ' +
  '`~/.cache/cosi-chaos/bin` (about 15 minutes on 2 cores, once); `npx cosi-chaos doctor` says what is there.';

/** A matrix cell has no scenario file: `cosi-chaos matrix` generates it, so the command re-runs that one cell. */
function reproduceCell(subject: ScenarioResult[], results: RunResults, cell: MatrixCell): string[] {
  const { command, out } = fullRunCommand(subject, results, {});
  return [
    `In a checkout of cosi-chaos ${results.tool.version} (Node >= 20, Go, Linux). ${SETUP}`,
    '',
    ...fenced('sh', ['npm ci', command].join('\n')),
    '',
    'What to look at:',
    '',
    `- the grid it prints: the ${cell.rpc} × ${cell.code} cells, pattern \`${cell.pattern}\` (${cell.pattern === 'always' ? 'the code on every call' : 'the code 3 times, then OK'});`,
    `- \`${out}/results.md\` (and \`.html\`); each variant's declared policy is \`patches/policies/<variant>.yaml\`;`,
    `- the driver's journal and the sidecar's log of each variant under \`${out}/logs/<variant>_${cell.rpc}/\`.`,
    '',
    'Matrix cells have no scenario file: the command above generates the cell (a mock-driver rule answering ' +
      `${cell.code} to ${cell.rpc}) and checks each variant against its declared policy.`,
    '',
  ];
}

function reproduce(subject: ScenarioResult[], results: RunResults, context: IssueReportContext): string[] {
  const first = subject[0] as ScenarioResult;
  if (first.cell) return reproduceCell(subject, results, first.cell);
  const pinned = subject.find((r) => r.outcome === 'unbounded') ?? first;
  const file = context.scenarioFile;
  const path = file?.path ?? first.file;
  const out = [
    `In a checkout of cosi-chaos ${results.tool.version} (Node >= 20, Go, Linux). ${SETUP}`,
    '',
    ...fenced('sh', ['npm ci', fullRunCommand(subject, results, context, pinned).command].join('\n')),
    '',
    `Every variant of the scenario side by side: \`npx cosi-chaos run ${path} --out results/${first.scenario}\`.`,
    '',
    'What to look at:',
    '',
    `- the summary table it prints: \`${pinned.variant}\` ${pinned.outcome}, attempts and intervals;`,
    `- \`results/${first.scenario}/results.md\` (and \`.html\`, with the timeline);`,
    `- the driver's journal, one line per call: \`results/${first.scenario}/logs/${pinned.variant}/driver-${pinned.variant}.journal.jsonl\`;`,
    `- the sidecar's own log: \`results/${first.scenario}/logs/${pinned.variant}/sidecar-${pinned.variant}.log\`.`,
    '',
  ];
  if (file?.text !== undefined) {
    out.push(...details(`${path} (the scenario, complete)`, fenced('yaml', file.text)));
  } else {
    out.push(`The scenario file ${path} could not be inlined: ${file?.missing ?? 'not read'}.`, '');
  }
  return out;
}

function environment(subject: ScenarioResult[], results: RunResults, context: IssueReportContext): string[] {
  const rows = results.components.map((c) => {
    const p = componentProvenance(c);
    return [p.name, p.version, p.module ?? '—', p.commit ?? (p.tag ? `tag ${p.tag}` : '—'), p.source];
  });
  const namespaces = [...new Set(subject.map((r) => r.sidecarNamespace).filter((n) => n !== undefined))];
  return [
    ...table(['Component', 'Version', 'Module', 'Commit', 'Source'], rows),
    '',
    `- cosi-chaos ${results.tool.version}, backend \`${results.backend}\`, run ${results.startedAt} → ${results.finishedAt}, ` +
      `${observation(subject, results)}.`,
    `- Sidecar namespace (POD_NAMESPACE): ${namespaces.length > 0 ? namespaces.map((n) => `\`${n}\``).join(', ') : 'not recorded'}.`,
    "- CRDs: the release's own, installed from the module of its controller (the results do not record their version separately).",
    `- OS/arch of the run: not recorded in the results${context.renderedOn ? `; this report was rendered on ${context.renderedOn}` : ''}.`,
    '',
  ];
}

/** The window, or for a run decided early, the window it would have had and how long each pair was watched. */
function observation(subject: ScenarioResult[], results: RunResults): string {
  const early = subject.filter((r) => r.decision?.early);
  if (early.length === 0) return `window ${formatMs(first(subject).windowMs)}`;
  const watched = early.map((r) => r.windowMs);
  const span =
    Math.min(...watched) === Math.max(...watched)
      ? formatMs(Math.min(...watched))
      : `${formatMs(Math.min(...watched))} to ${formatMs(Math.max(...watched))}`;
  return (
    `window ${formatMs(windowOf(first(early), results))}, decided early: ${early.length === subject.length ? 'every pair' : `${early.length} of ${subject.length} pairs`} ` +
    `watched ${span} (\`--full\` waits the window out)`
  );
}

function first(list: readonly ScenarioResult[]): ScenarioResult {
  return list[0] as ScenarioResult;
}

function sidecarLogs(subject: ScenarioResult[], context: IssueReportContext): string[] {
  if (!context.logs) return ['No run folder was given: the sidecar logs are not quoted.', ''];
  const out: string[] = [];
  for (const r of subject) {
    const excerpt = context.logs.get(r.variant);
    if (!excerpt?.found) {
      out.push(`- \`${r.variant}\`: no excerpt, ${excerpt?.reason ?? 'not looked up'}.`);
      continue;
    }
    const body = excerpt.windows.flatMap((w) => [
      `${w.label} (${w.at}):`,
      '',
      ...fenced('text', w.lines.join('\n')),
      '',
    ]);
    out.push(...details(`${r.variant}: ${excerpt.file}`, body));
  }
  return [...out, ''];
}

// GitHub removes inline <svg> from issue and comment bodies, and data: image URLs do not render either; a
// plain-text comb renders everywhere, and the SVG goes into a file beside the body for the reporter to upload
// (GitHub takes .svg attachments).
function timeline(subject: ScenarioResult[], context: IssueReportContext): string[] {
  // A run decided early stopped watching each pair seconds in: the axis spans what was watched, not the window.
  const legend = subject.some((r) => r.decision?.early)
    ? 'Attempts over the time watched (x one attempt, 2-9 several in one column, > still retrying when the run stopped watching):'
    : 'Attempts over the window (x one attempt, 2-9 several in one column, > still retrying at the end):';
  const out = [legend, '', ...fenced('text', textTimeline(subject)), ''];
  if (context.timelineFile) {
    out.push(
      `The same as an image: \`${context.timelineFile}\`, written beside this file. Drag it into the issue to upload it; ` +
        'the link below works once it is uploaded (GitHub does not render SVG pasted inline).',
      '',
      `![attempt timeline](${context.timelineFile})`,
      '',
    );
  }
  return out;
}

/**
 * A GitHub issue body for one scenario of a run (what happens, impact, expected vs observed, how to reproduce,
 * environment, the sidecar's own log, timeline), from the results and what the CLI read beside them. Only
 * GitHub-safe Markdown: headings, tables, fenced code, <details>. Undefined scenario: see issueSubject.
 */
/** A titled section, or nothing when it has no lines. */
function section(title: string, lines: string[]): string[] {
  return lines.length ? [title, '', ...lines] : [];
}

export function renderIssueReport(
  results: RunResults,
  context: IssueReportContext = {},
  scenario?: string,
): IssueReport | undefined {
  const subject = issueSubject(results, scenario);
  if (!subject) return undefined;
  const title = issueTitle(subject);
  const code = dominantCode(subject) ?? 'an error';
  const rpc = DRIVER_RPC[first(subject).rpc];
  const markdown = [
    `**Suggested title:** ${title}`,
    '',
    '## What happens',
    '',
    ...whatHappens(subject, code, rpc),
    ...section('## The driver half and the sidecar half', driverAndSidecarHalves(subject, results)),
    '## Impact',
    '',
    ...impact(subject, results, context),
    '## Expected and observed',
    '',
    ...expectedVsObserved(subject),
    '## Reproduce',
    '',
    ...reproduce(subject, results, context),
    '## Environment',
    '',
    ...environment(subject, results, context),
    '## Sidecar log around the first and the last attempt',
    '',
    ...sidecarLogs(subject, context),
    '## Timeline',
    '',
    ...timeline(subject, context),
    `<sub>Generated by cosi-chaos ${results.tool.version} from the results of ${results.startedAt}.</sub>`,
    '',
  ].join('\n');
  return { title, scenario: first(subject).scenario, results: subject, markdown };
}
