import type { RunResults } from '../harness/results/run-results.ts';
import { renderHtml } from './html-report.ts';
import { renderJunit } from './junit-report.ts';
import { renderMarkdown } from './markdown-report.ts';
import { formatResultsJson } from './results-file.ts';

/** Report formats renderReport knows; 'json' is the results file itself. */
export type ReportFormat = 'md' | 'junit' | 'html' | 'json';

/** Conventional file extension per format, for CLIs that write `<out>/results.<ext>`. */
export const REPORT_EXTENSIONS: Record<ReportFormat, string> = {
  md: 'md',
  junit: 'junit.xml',
  html: 'html',
  json: 'json',
};

/** One entry point for every format; 'json' validates against the schema and throws ResultsFileError if invalid. */
export function renderReport(results: RunResults, format: ReportFormat): string {
  switch (format) {
    case 'md':
      return renderMarkdown(results);
    case 'junit':
      return renderJunit(results);
    case 'html':
      return renderHtml(results);
    case 'json':
      return formatResultsJson(results);
    default: {
      // Reached only from untyped callers (a CLI flag passed through unchecked).
      const bad: never = format;
      throw new TypeError(`unknown report format '${String(bad)}': use md, junit, html or json`);
    }
  }
}
