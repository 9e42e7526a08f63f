import type { ScenarioResult } from '../harness/results/run-results.ts';
import { timelineSvg } from './html/timeline-svg.ts';

// The HTML report styles its SVG from the page's stylesheet; a file on its own must carry the few rules it uses.
const STYLE = [
  'text { font: 12px -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; fill: #1f2328; }',
  '.tick { stroke: #e6e9ed; } .tick-label { fill: #656d76; }',
  '.stripe { fill: #f6f8fa; } .window { stroke: #afb8c1; stroke-width: 1; }',
  '.still-retrying { fill: #d62728; } .row-count { fill: #656d76; }',
].join(' ');

/**
 * The attempt timeline as a standalone SVG document (xmlns, fixed size, its own style), to be written beside
 * an issue body and uploaded with it: the same drawing as the HTML report's, from reports/html/timeline-svg.ts.
 */
export function timelineSvgDocument(results: readonly ScenarioResult[]): string {
  const inline = timelineSvg(results);
  const height = /viewBox="0 0 \d+ (\d+)"/.exec(inline)?.[1] ?? '200';
  const document = inline.replace(
    /^<svg class="timeline" ([^>]*?) width="100%"/,
    `<svg xmlns="http://www.w3.org/2000/svg" class="timeline" $1 width="1000" height="${height}"`,
  );
  return `<?xml version="1.0" encoding="UTF-8"?>\n${document.replace(/>/, `>\n<style>${STYLE}</style>`)}\n`;
}
