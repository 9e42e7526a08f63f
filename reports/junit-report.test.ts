import { XMLParser } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { LOAD_ERRORS_CLASSNAME, renderJunit } from './junit-report.ts';
import { loadFixture } from './testdata/fixture.ts';
import { expectGolden } from './testdata/golden.ts';

interface Case {
  classname: string;
  name: string;
  failure?: { message: string; type: string; '#text'?: string };
  error?: { message: string };
  skipped?: unknown;
}
interface Suite {
  name: string;
  tests: number;
  failures: number;
  errors: number;
  skipped: number;
  testcase: Case[];
}

function parse(xml: string): {
  testsuites: { tests: number; failures: number; errors: number; skipped: number; testsuite: Suite[] };
} {
  const parser = new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: '',
    parseAttributeValue: true,
    isArray: (name) => name === 'testsuite' || name === 'testcase',
  });
  return parser.parse(xml);
}

describe('renderJunit', () => {
  it('matches the golden report for the fixture run', async () => {
    expectGolden('run-results.junit.xml', renderJunit(await loadFixture()));
  });

  it('parses back with one test case per scenario x variant (x cell) and the right counts', async () => {
    const results = await loadFixture();
    const { testsuites } = parse(renderJunit(results));
    const cases = testsuites.testsuite.flatMap((s) => s.testcase);
    const scenarioCases = cases.filter((c) => c.classname !== LOAD_ERRORS_CLASSNAME);

    expect(scenarioCases).toHaveLength(results.scenarios.length);
    expect(testsuites.tests).toBe(results.scenarios.length + results.loadErrors.length);
    expect(testsuites.failures).toBe(results.scenarios.filter((r) => r.verdict === 'fail').length);
    expect(testsuites.skipped).toBe(results.scenarios.filter((r) => r.verdict === 'skipped').length);
    expect(testsuites.errors).toBe(results.loadErrors.length);
    expect(cases.filter((c) => c.failure)).toHaveLength(testsuites.failures);
    expect(cases.filter((c) => c.skipped !== undefined)).toHaveLength(testsuites.skipped);
    for (const suite of testsuites.testsuite) {
      expect(suite.tests).toBe(suite.testcase.length);
    }
  });

  it('names cases classname = scenario, name = variant[/cell], and puts counts and intervals in the failure', async () => {
    const { testsuites } = parse(renderJunit(await loadFixture()));
    const cases = testsuites.testsuite.flatMap((s) => s.testcase);
    const cosi86 = cases.find(
      (c) => c.classname === 'cosi-86-invalid-argument' && c.name === 'upstream-v1alpha1',
    );
    expect(cosi86?.failure?.message).toBe(
      '11 create attempt(s) in 1.5 min (unbounded, still retrying at the end); ' +
        'intervals 100, 200, 400, 800, 1600, 3200, 6400, 12800, 25600, 30000 ms; ' +
        'expected: InvalidArgument is terminal: exactly 1 DriverCreateBucket call',
    );
    expect(cosi86?.failure?.['#text']).toContain('projected: 2888 attempts/object/day');
    expect(cases.find((c) => c.name === 'v1alpha1-patched')?.skipped).toBeDefined();
    const cell = cases.find((c) => c.name === 'upstream-v1alpha2/revoke/PermissionDenied/always');
    expect(cell?.classname).toBe('error-code-matrix');
    expect(cell?.failure?.type).toBe('bounded');
    const loadError = cases.find((c) => c.classname === LOAD_ERRORS_CLASSNAME);
    expect(loadError?.name).toBe('scenarios/revoke-typo.yaml');
    expect(loadError?.error?.message).toMatch(/unknown key 'rpcs'/);
  });

  it('escapes markup in names and messages', async () => {
    const results = await loadFixture();
    const first = results.scenarios[0];
    if (!first) throw new Error('fixture has no scenarios');
    first.variant = 'a<b>&"c"';
    first.expectation = ']]> <not-a-tag/>';
    first.verdictReason = 'ends a CDATA section: ]]> then <b>';
    const { testsuites } = parse(renderJunit(results));
    const tc = testsuites.testsuite[0]?.testcase[0];
    expect(tc?.name).toBe('a<b>&"c"');
    expect(tc?.failure?.message).toContain(']]> <not-a-tag/>');
    expect(tc?.failure?.['#text']).toContain('ends a CDATA section: ]]> then <b>');
  });
});
