import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { arch, platform } from 'node:os';
import { basename, dirname, extname, isAbsolute, join, relative, resolve } from 'node:path';
import {
  assignShards,
  BUILTIN_VARIANTS,
  inReleaseOrder,
  mergeShards,
  type RunResults,
  ShardMergeError,
} from '../harness/index.ts';
import {
  comparePr,
  compareResults,
  issueSubject,
  PrComparisonError,
  type ReportFormat,
  readResults,
  renderComparisonMarkdown,
  renderIssueReport,
  renderPrComparisonMarkdown,
  renderReport,
  renderSweepText,
  type SidecarLogExcerpt,
  sidecarLogExcerpt,
  timelineSvgDocument,
} from '../reports/index.ts';
import { EXIT, UsageError } from './exit-codes.ts';
import { matrixExitCode } from './matrix-command.ts';
import { renderMatrixTable } from './matrix-table.ts';
import { writeRunOutputs } from './run-lifecycle.ts';
import { writeSweepOutputs } from './sweep-command.ts';

const FORMATS = ['md', 'junit', 'html', 'json', 'issue'] as const;
const COMPARE_FORMATS = ['md', 'pr'] as const;

export interface ReportFlags {
  format: string;
  output?: string;
  /** issue: which scenario of the results the issue is about (default: the first one still retrying). */
  scenario?: string;
  /** issue: the run's logs folder (default: logs/ beside the results file). */
  logs?: string;
}

export interface CompareFlags {
  format: string;
  output?: string;
  baseVariant?: string;
  patchedVariant?: string;
}

async function emit(text: string, output: string | undefined, log: (s: string) => void): Promise<void> {
  if (output) await writeFile(output, text.endsWith('\n') ? text : `${text}\n`);
  else log(text.trimEnd());
}

/** The scenario file as a reproduce command names it: relative to here when it is below here. */
async function scenarioFile(file: string): Promise<{ path: string; text?: string; missing?: string }> {
  const absolute = resolve(file);
  const rel = relative(process.cwd(), absolute);
  const path = rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : absolute;
  try {
    return { path, text: await readFile(absolute, 'utf8') };
  } catch (e) {
    return {
      path,
      missing: `not readable here (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`,
    };
  }
}

async function issueReport(file: string, results: RunResults, flags: ReportFlags, log: (s: string) => void) {
  const subject = issueSubject(results, flags.scenario);
  if (!subject) {
    const names = [...new Set(results.scenarios.map((r) => r.scenario))];
    throw new UsageError(
      `${file}: ${flags.scenario ? `no scenario "${flags.scenario}"` : 'no results'}; scenarios: ${names.join(', ') || '(none)'}`,
    );
  }
  const first = subject[0] as (typeof subject)[number];
  const logsDir = flags.logs ?? join(dirname(file), 'logs');
  const logs = new Map<string, SidecarLogExcerpt>();
  for (const r of subject) logs.set(r.variant, await sidecarLogExcerpt(logsDir, r));
  // The SVG goes into a file beside the body (GitHub strips inline SVG): only when there is a folder to write to.
  let timelineFile: string | undefined;
  if (flags.output) {
    timelineFile = `${basename(flags.output, extname(flags.output))}.timeline.svg`;
    await writeFile(join(dirname(flags.output), timelineFile), timelineSvgDocument(subject));
  }
  const report = renderIssueReport(
    results,
    {
      // Matrix cells are generated, not read from a file: nothing to inline.
      scenarioFile: first.cell ? undefined : await scenarioFile(first.file),
      logs,
      timelineFile,
      renderedOn: `${platform()}/${arch()}, Node ${process.version}`,
    },
    flags.scenario,
  );
  if (!report) throw new UsageError(`${file}: no results for the issue`);
  await emit(report.markdown, flags.output, log);
}

/** `cosi-chaos report RESULTS.json --format md|junit|html|json|issue [--output FILE]`. */
export async function reportCommand(
  file: string,
  flags: ReportFlags,
  log: (s: string) => void,
): Promise<number> {
  if (!(FORMATS as readonly string[]).includes(flags.format)) {
    throw new UsageError(`--format must be one of ${FORMATS.join(', ')}, not "${flags.format}"`);
  }
  const results = await readResults(file);
  if (flags.format === 'issue') {
    await issueReport(file, results, flags, log);
    return 0;
  }
  const text = renderReport(results, flags.format as ReportFormat);
  if (flags.output) await writeFile(flags.output, text);
  else log(text.trimEnd());
  return 0;
}

/**
 * `cosi-chaos report compare A.json B.json [--format md|pr]`: md, what changed between two runs; pr, the
 * patched variant of B against the upstream variant of A, cell by cell (A and B may be the same matrix file).
 */
export async function compareCommand(
  a: string,
  b: string,
  flags: CompareFlags,
  log: (s: string) => void,
): Promise<number> {
  if (!(COMPARE_FORMATS as readonly string[]).includes(flags.format)) {
    throw new UsageError(`--format must be one of ${COMPARE_FORMATS.join(', ')}, not "${flags.format}"`);
  }
  const before = await readResults(a);
  const after = await readResults(b);
  if (flags.format === 'md') {
    await emit(renderComparisonMarkdown(compareResults(before, after)), flags.output, log);
    return 0;
  }
  // Several bases (--base-variant upstream-v1alpha1,correct-fix): one section each, against the same patched variant.
  const bases = flags.baseVariant?.split(',').map((s) => s.trim()) ?? [undefined];
  try {
    const sections = bases.map((baseVariant) =>
      renderPrComparisonMarkdown(
        comparePr(before, after, { baseVariant, patchedVariant: flags.patchedVariant }),
      ),
    );
    await emit(sections.join('\n'), flags.output, log);
  } catch (e) {
    if (e instanceof PrComparisonError) throw new UsageError(`${a} vs ${b}: ${e.message}`);
    throw e;
  }
  return 0;
}

export interface MergeFlags {
  out: string;
}

/**
 * `cosi-chaos report merge A.json B.json ... [--out DIR]`: the results of every shard of one matrix or sweep run
 * (`--shard I/N`) joined into one run (harness/results/shard-merge.ts), written as that run writes them (results.json,
 * .md, .junit.xml, .html; a sweep also sweep.md and sweep.json), with the exit code that run would have had.
 * Shards of different runs, a shard twice or missing, a cell twice: exit 2, naming the shard or cell.
 */
export async function mergeCommand(
  files: string[],
  flags: MergeFlags,
  log: (s: string) => void,
): Promise<number> {
  const outDir = resolve(flags.out);
  const inputs: { file: string; results: RunResults }[] = [];
  for (const file of files) {
    const written = ['json', 'md', 'junit.xml', 'html'].map((ext) => join(outDir, `results.${ext}`));
    if (written.includes(resolve(file)))
      throw new UsageError(
        `--out ${flags.out} would overwrite the shard results ${file}: choose another --out`,
      );
    inputs.push({ file, results: await readResults(file) });
  }
  let merged: RunResults;
  try {
    merged = mergeShards(inputs, assignShards);
  } catch (e) {
    if (e instanceof ShardMergeError) throw new UsageError(`report merge: ${e.message}`);
    throw e;
  }
  await mkdir(outDir, { recursive: true });
  const { results, resultsFile } = await writeRunOutputs(outDir, merged);
  const [first] = inputs as [(typeof inputs)[number]];
  const done = `merged ${inputs.length} shards: ${resultsFile} (+ .md, .junit.xml, .html)`;
  if (first.results.shard?.command === 'sweep') {
    const names = new Set(results.scenarios.map((r) => r.variant));
    const sweep = await writeSweepOutputs(
      outDir,
      results,
      inReleaseOrder(BUILTIN_VARIANTS.filter((v) => names.has(v.name))),
    );
    log(renderSweepText(sweep));
    log(`\n${done}, ${join(outDir, 'sweep.md')} (+ .json)`);
    return sweep.complete ? EXIT.ok : EXIT.expectationFailed;
  }
  log(renderMatrixTable(results));
  log(`\n${done}`);
  return matrixExitCode(results, first.results.shard?.allowUnavailable === true);
}
