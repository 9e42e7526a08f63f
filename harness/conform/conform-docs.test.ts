import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { renderCaseReference } from './case-reference.ts';
import { CONFORM_CASE_IDS } from './conform-cases.ts';

// docs/conformance.md carries the case reference between two markers: it must be what the cases and their
// citations generate now, so a case or sentence changed in code cannot leave the page behind.
const PAGE = new URL('../../docs/conformance.md', import.meta.url);
const START = '<!-- case-reference: generated, do not edit by hand -->\n';
const END = '<!-- end of case-reference -->';

describe('docs/conformance.md', () => {
  const page = readFileSync(PAGE, 'utf8');

  it('holds the generated case reference, unchanged', () => {
    const section = page.slice(page.indexOf(START) + START.length, page.indexOf(END));
    expect(page.indexOf(START)).toBeGreaterThan(0);
    expect(section.trim()).toBe(renderCaseReference().trim());
  });

  it('says why each case matters', () => {
    const why = page.slice(page.indexOf('## Why these cases'), page.indexOf(START));
    for (const id of CONFORM_CASE_IDS) expect(why, id).toContain(`\`${id}\``);
  });
});
