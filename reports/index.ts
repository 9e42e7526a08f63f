// The reports area's public surface: the harness and CLI import from here, never from the files behind it.

export {
  attemptsMoved,
  type Comparison,
  compareResults,
  type ResultChange,
  type ResultPresence,
} from './compare.ts';
export { renderComparisonMarkdown } from './comparison-markdown.ts';
export { type ComponentProvenance, componentProvenance } from './component-provenance.ts';
export { renderDriverMapMarkdown } from './driver-map-markdown.ts';
export { renderHtml } from './html-report.ts';
export {
  type IssueReport,
  type IssueReportContext,
  issueSubject,
  issueTitle,
  renderIssueReport,
  witnessAgreement,
} from './issue-report.ts';
export { renderJunit } from './junit-report.ts';
export { renderMarkdown } from './markdown-report.ts';
export {
  comparePr,
  type PrCellPair,
  type PrComparison,
  PrComparisonError,
  type PrVariantChoice,
  pickVariants,
} from './pr-comparison.ts';
export { prVerdictLines, renderPrComparisonMarkdown } from './pr-comparison-markdown.ts';
export {
  createProgressReporter,
  type ProgressReporter,
  type ProgressReporterOptions,
  type ProgressStream,
} from './progress-reporter.ts';
export { type ProjectionOptions, projectAttempts, UPSTREAM_V1ALPHA1_CAP_MS } from './projection.ts';
export { REPORT_EXTENSIONS, type ReportFormat, renderReport } from './render-report.ts';
export {
  formatResultsJson,
  RESULTS_SCHEMA_PATH,
  RESULTS_SCHEMA_VERSION,
  ResultsFileError,
  type ResultsIssue,
  readResults,
  validateResults,
  writeResults,
} from './results-file.ts';
export { fitBackoff, MIN_FIT_POINTS } from './retry-fit.ts';
export { runTimingLine } from './run-timing-line.ts';
export {
  type ExcerptOptions,
  excerptAround,
  type LogWindow,
  logLineTime,
  type SidecarLogExcerpt,
  sidecarLogExcerpt,
} from './sidecar-log-excerpt.ts';
export { renderSweepJson, renderSweepMarkdown, renderSweepText } from './sweep-table.ts';
export { textTimeline } from './text-timeline.ts';
export { timelineSvgDocument } from './timeline-svg-file.ts';
