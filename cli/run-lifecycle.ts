import { mkdir, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { type RunResults, runSuite, type ShardRecord, type SuiteOptions } from '../harness/index.ts';
import { REPORT_EXTENSIONS, ResultsFileError, renderReport, writeResults } from '../reports/index.ts';
import { enrichResults } from './enrich-results.ts';
import { EXIT, InvalidResultsError } from './exit-codes.ts';

/** This tool's version, as package.json says: recorded in every results file. */
export const TOOL_VERSION = (createRequire(import.meta.url)('../package.json') as { version: string })
  .version;

/**
 * Runs `fn` with Ctrl-C / SIGTERM turned into an abort: the first stops everything cleanly, the second exits at
 * once. Returns the result and whether the run was interrupted.
 */
async function withInterrupt<T>(
  log: (s: string) => void,
  fn: (signal: AbortSignal) => Promise<T>,
): Promise<{ value: T; interrupted: boolean }> {
  const abort = new AbortController();
  const onSignal = () => {
    if (abort.signal.aborted) process.exit(EXIT.interrupted);
    log('interrupted: stopping everything (Ctrl-C again to force)');
    abort.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    return { value: await fn(abort.signal), interrupted: abort.signal.aborted };
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/**
 * Adds the fitted backoff and projections, then writes results.json (validated) and every report generated from
 * it. The report is written before the exit code is decided.
 *
 * Results that fail their own schema are a bug of this tool, not bad input, and minutes of measurement: they are
 * written all the same, to results.invalid.json with the violations beside them (and every report that can still
 * be rendered), and the run ends with InvalidResultsError (exit 3).
 */
export async function writeRunOutputs(
  outDir: string,
  raw: RunResults,
): Promise<{ results: RunResults; resultsFile: string }> {
  const results = enrichResults(raw);
  const resultsFile = join(outDir, 'results.json');
  try {
    await writeResults(resultsFile, results);
  } catch (e) {
    if (!(e instanceof ResultsFileError) || e.problem !== 'schema') throw e;
    const invalidFile = join(outDir, 'results.invalid.json');
    await writeFile(
      invalidFile,
      `${JSON.stringify({ violations: e.issues, ...results }, null, 2)}\n`,
      'utf8',
    );
    const unrendered: string[] = [];
    for (const format of ['md', 'junit', 'html'] as const) {
      try {
        await writeFile(
          join(outDir, `results.invalid.${REPORT_EXTENSIONS[format]}`),
          renderReport(results, format),
        );
      } catch {
        unrendered.push(format);
      }
    }
    throw new InvalidResultsError(invalidFile, e.issues, unrendered);
  }
  for (const format of ['md', 'junit', 'html'] as const) {
    await writeFile(join(outDir, `results.${REPORT_EXTENSIONS[format]}`), renderReport(results, format));
  }
  return { results, resultsFile };
}

/** What a finished (or interrupted) suite left: validated results on disk and how long it took. */
export interface SuiteOutcome {
  results: RunResults;
  resultsFile: string;
  interrupted: boolean;
  seconds: number;
}

/**
 * The common life of `run` and `matrix`: creates the out dir, runs the suite with Ctrl-C handling, and writes the
 * results and every report before the caller decides the exit code. `shard`: the run is that part of a sharded
 * matrix or sweep, recorded in the results (with `interrupted` when it was).
 */
export async function executeSuite(
  log: (s: string) => void,
  {
    shard,
    restoreNames,
    ...opts
  }: Omit<SuiteOptions, 'signal' | 'toolVersion'> & {
    shard?: ShardRecord;
    /** Attached runs: the results under the scenarios' own names (the run renamed them for isolation). */
    restoreNames?: (r: RunResults) => RunResults;
  },
): Promise<SuiteOutcome> {
  await mkdir(opts.outDir, { recursive: true });
  const started = Date.now();
  const run = await withInterrupt(log, (signal) => runSuite({ ...opts, signal, toolVersion: TOOL_VERSION }));
  const value = restoreNames ? restoreNames(run.value) : run.value;
  const raw: RunResults = shard
    ? { ...value, shard: { ...shard, ...(run.interrupted ? { interrupted: true } : {}) } }
    : value;
  const { results, resultsFile } = await writeRunOutputs(opts.outDir, raw);
  return { results, resultsFile, interrupted: run.interrupted, seconds: (Date.now() - started) / 1000 };
}
