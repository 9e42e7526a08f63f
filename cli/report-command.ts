import { writeFile } from 'node:fs/promises';
import {
  compareResults,
  type ReportFormat,
  readResults,
  renderComparisonMarkdown,
  renderReport,
} from '../reports/index.ts';
import { UsageError } from './exit-codes.ts';

const FORMATS: ReportFormat[] = ['md', 'junit', 'html', 'json'];

/** `cosi-chaos report RESULTS.json --format md|junit|html|json [--output FILE]`. */
export async function reportCommand(
  file: string,
  flags: { format: string; output?: string },
  log: (s: string) => void,
): Promise<number> {
  if (!FORMATS.includes(flags.format as ReportFormat)) {
    throw new UsageError(`--format must be one of ${FORMATS.join(', ')}, not "${flags.format}"`);
  }
  const results = await readResults(file);
  const text = renderReport(results, flags.format as ReportFormat);
  if (flags.output) await writeFile(flags.output, text);
  else log(text.trimEnd());
  return 0;
}

/** `cosi-chaos report compare A.json B.json`: what changed between two runs. */
export async function compareCommand(a: string, b: string, log: (s: string) => void): Promise<number> {
  const comparison = compareResults(await readResults(a), await readResults(b));
  log(renderComparisonMarkdown(comparison).trimEnd());
  return 0;
}
