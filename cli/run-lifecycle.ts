import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { RunResults } from '../harness/index.ts';
import { REPORT_EXTENSIONS, renderReport, writeResults } from '../reports/index.ts';
import { enrichResults } from './enrich-results.ts';
import { EXIT } from './exit-codes.ts';

/**
 * Runs `fn` with Ctrl-C / SIGTERM turned into an abort: the first stops everything cleanly, the second exits at
 * once. Returns the result and whether the run was interrupted.
 */
export async function withInterrupt<T>(
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
export async function writeRunOutputs(
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
