import junitModule, { type Builder } from 'junit-report-builder';
import type { RunResults, ScenarioResult } from '../harness/results/run-results.ts';
import { bucketLedgerProperties } from './bucket-ledger-properties.ts';
import { formatCodes, formatFit, formatIntervals, formatMs } from './format-units.ts';
import { groupBy, variantLabel } from './result-key.ts';

// The package's typings declare an ES default export, but its CJS entry assigns module.exports directly, so under
// Node the default import is the builder itself while TypeScript expects `.default`: accept both shapes.
const junitShape = junitModule as unknown as Builder | { default: Builder };
const junit: Builder = 'default' in junitShape ? junitShape.default : junitShape;

/** Class name of the test cases that stand for scenario files that failed to load. */
export const LOAD_ERRORS_CLASSNAME = 'cosi-chaos.load-errors';

function failureMessage(r: ScenarioResult): string {
  const still = r.stillRetryingAtEnd ? ', still retrying at the end' : '';
  return (
    `${r.attempts.length} ${r.rpc} attempt(s) in ${formatMs(r.windowMs)} (${r.outcome}${still}); ` +
    `intervals ${formatIntervals(r.intervalsMs, 12)}; expected: ${r.expectation}`
  );
}

function details(r: ScenarioResult): string {
  const lines = [
    `verdict: ${r.verdict}: ${r.verdictReason}`,
    ...(r.unchecked ?? []).map((u) => `not checked: ${u}`),
    `attempts: ${r.attempts.length} (${formatCodes(r.attempts.map((a) => a.code))})`,
    `intervals: ${formatIntervals(r.intervalsMs)}`,
  ];
  if (r.backoff)
    lines.push(`fitted backoff: ${formatFit(r.backoff)} (rms log error ${r.backoff.rmsLogError})`);
  if (r.projection) {
    lines.push(
      `projected: ${r.projection.attemptsPerObjectPerDay} attempts/object/day, ` +
        `${r.projection.attemptsPerDayPer1000Objects} per day for 1,000 objects`,
      `assuming: ${r.projection.assumptions.join('; ')}`,
    );
  }
  if (r.policy)
    lines.push(`policy: declared ${r.policy.declared}, conforms ${r.policy.conforms}: ${r.policy.evidence}`);
  if (r.sidecarRestarts > 0) lines.push(`sidecar restarts: ${r.sidecarRestarts}`);
  return lines.join('\n');
}

/**
 * The run as JUnit XML for CI test tabs: one suite per scenario, one test case per variant (name 'variant' or
 * 'variant/rpc/code/pattern' for matrix cells, classname the scenario). Failures carry the counts and
 * intervals; unavailable variants are skipped with the reason in system-out; load errors are errored cases.
 * Deterministic for a given input: timestamps come from the results, never the clock.
 */
export function renderJunit(results: RunResults): string {
  const report = junit.newBuilder().name(`cosi-chaos ${results.tool.version}`);
  for (const [scenario, group] of groupBy(results.scenarios, (r) => r.scenario)) {
    const suite = report
      .testSuite()
      .name(scenario)
      .timestamp(results.startedAt)
      .property('file', group[0]?.file ?? '')
      .property('backend', results.backend);
    for (const r of group) {
      const tc = suite
        .testCase()
        .className(scenario)
        .name(variantLabel(r))
        .file(r.file)
        .time(r.windowMs / 1000)
        .property('era', r.era)
        .property('outcome', r.outcome)
        .property('attempts', String(r.attempts.length));
      for (const [name, value] of bucketLedgerProperties(r)) tc.property(name, value);
      if (r.verdict === 'fail') tc.failure(failureMessage(r), r.outcome).stacktrace(details(r));
      else if (r.verdict === 'skipped') tc.skipped().standardOutput(`skipped: ${r.verdictReason}`);
      else tc.standardOutput(details(r));
    }
  }
  if (results.loadErrors.length > 0) {
    const suite = report.testSuite().name('scenario files').timestamp(results.startedAt);
    for (const e of results.loadErrors) {
      suite
        .testCase()
        .className(LOAD_ERRORS_CLASSNAME)
        .name(e.file)
        .file(e.file)
        .error(e.message, 'LoadError');
    }
  }
  return `${report.build()}\n`;
}
