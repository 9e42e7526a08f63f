import { describe, expect, it } from 'vitest';
import * as reports from './index.ts';
import { type ReportFormat, renderReport } from './render-report.ts';
import { ResultsFileError } from './results-file.ts';
import { loadFixture } from './testdata/fixture.ts';

describe('renderReport', () => {
  it('dispatches every format to its one writer', async () => {
    const results = await loadFixture();
    expect(renderReport(results, 'md')).toBe(reports.renderMarkdown(results));
    expect(renderReport(results, 'junit')).toBe(reports.renderJunit(results));
    expect(renderReport(results, 'html')).toBe(reports.renderHtml(results));
    expect(JSON.parse(renderReport(results, 'json'))).toEqual(results);
  });

  it('validates the json format and names the bad path', async () => {
    const results = await loadFixture();
    (results as { windowMs: unknown }).windowMs = -1;
    expect(() => renderReport(results, 'json')).toThrow(ResultsFileError);
    expect(() => renderReport(results, 'json')).toThrow(/\/windowMs must be >= 0/);
  });

  it('names the accepted formats when given an unknown one', async () => {
    const results = await loadFixture();
    expect(() => renderReport(results, 'pdf' as ReportFormat)).toThrow(
      /unknown report format 'pdf': use md, junit, html or json/,
    );
  });

  it('exports the API the harness and CLI use from index.ts', () => {
    for (const name of [
      'writeResults',
      'readResults',
      'renderMarkdown',
      'renderJunit',
      'renderHtml',
      'fitBackoff',
      'projectAttempts',
      'compareResults',
      'renderComparisonMarkdown',
      'renderReport',
      'createProgressReporter',
    ]) {
      expect(typeof (reports as Record<string, unknown>)[name], name).toBe('function');
    }
  });
});
