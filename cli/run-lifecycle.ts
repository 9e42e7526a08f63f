import { mkdir, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { type RunResults, runSuite, type SuiteOptions } from '../harness/index.ts';
import { REPORT_EXTENSIONS, renderReport, writeResults } from '../reports/index.ts';
import { enrichResults } from './enrich-results.ts';
import { EXIT } from './exit-codes.ts';

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
 */
async function writeRunOutputs(
  outDir: string,
  raw: RunResults,
): Promise<{ results: RunResults; resultsFile: string }> {
  const results = enrichResults(raw);
  const resultsFile = join(outDir, 'results.json');
  await writeResults(resultsFile, results);
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
 * results and every report before the caller decides the exit code.
 */
export async function executeSuite(
  log: (s: string) => void,
  opts: Omit<SuiteOptions, 'signal' | 'toolVersion'>,
): Promise<SuiteOutcome> {
  await mkdir(opts.outDir, { recursive: true });
  const started = Date.now();
  const run = await withInterrupt(log, (signal) => runSuite({ ...opts, signal, toolVersion: TOOL_VERSION }));
  const { results, resultsFile } = await writeRunOutputs(opts.outDir, run.value);
  return { results, resultsFile, interrupted: run.interrupted, seconds: (Date.now() - started) / 1000 };
}
