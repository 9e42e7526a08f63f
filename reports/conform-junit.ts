import junitModule, { type Builder } from 'junit-report-builder';
import type { ConformResults } from '../harness/conform/conform-results.ts';

// The package's typings declare an ES default export, but its CJS entry assigns module.exports directly.
const junitShape = junitModule as unknown as Builder | { default: Builder };
const junit: Builder = 'default' in junitShape ? junitShape.default : junitShape;

/**
 * conform-results.junit.xml: one suite per era, one test case per rule. A MUST that did not pass is a failure
 * (what fails the exit code fails the CI tab too); a SHOULD that did not pass is reported in system-out and not
 * failed; skipped cases are skipped with the reason. Deterministic: times come from the results.
 */
export function renderConformJunit(results: ConformResults): string {
  const report = junit.newBuilder().name(`cosi-chaos conform ${results.target.driver}`);
  for (const era of results.target.eras) {
    const suite = report
      .testSuite()
      .name(`conform ${era}`)
      .timestamp(results.startedAt)
      .property('driver', results.target.driver)
      .property('address', results.target.address);
    for (const r of results.cases.filter((c) => c.era === era)) {
      const test = suite
        .testCase()
        .className(`cosi-chaos.conform.${era}`)
        .name(`${r.id} (${r.level})`)
        .time(r.durationMs / 1000);
      const spec = `${r.spec.file} (${r.spec.section}): ${r.spec.text}`;
      const out = `expected: ${r.expected}\nanswered: ${r.answer}\nspec: ${spec}`;
      if (r.outcome === 'skip') test.skipped().standardOutput(`skipped: ${r.answer}`);
      else if (r.outcome === 'pass') test.standardOutput(out);
      else if (r.level === 'MUST')
        test
          .failure(`${r.outcome === 'error' ? 'not checked' : 'MUST not met'}: ${r.answer}`)
          .standardOutput(out);
      else test.standardOutput(`SHOULD not met (not failed): ${r.answer}\n${out}`);
    }
  }
  return report.build();
}
