import { parseRules, RuleFileError } from '../../mock-driver/index.ts';
import type { ReportProblem } from './scenario-error.ts';

/**
 * Reports the problems of one mock-driver rule list of a scenario (spec.rules or a variant's rules, at `base`),
 * in the mock driver's own words: checked here, a bad gRPC code fails the load instead of the driver's start
 * after the control plane is up. Each rule is checked on its own, so every bad rule is named (the driver's
 * loader stops at the first); the list as a whole (duplicate names) once every rule is valid.
 */
export function checkScenarioRules(
  rules: readonly unknown[],
  base: (string | number)[],
  report: ReportProblem,
): void {
  let everyRuleValid = true;
  rules.forEach((rule, index) => {
    const problem = ruleFileProblem([rule]);
    if (!problem) return;
    everyRuleValid = false;
    // The problem's path starts with rules[0]: the rule's own place in the list replaces it.
    report([...base, index, ...problem.path.slice(2)], problem.reason);
  });
  if (!everyRuleValid) return;
  const problem = ruleFileProblem(rules);
  if (problem) report([...base, ...problem.path.slice(1)], problem.reason);
}

function ruleFileProblem(
  rules: readonly unknown[],
): { path: (string | number)[]; reason: string } | undefined {
  try {
    parseRules(JSON.stringify({ rules }), 'scenario rules');
    return undefined;
  } catch (error) {
    if (error instanceof RuleFileError) return { path: segmentsOf(error.path), reason: error.reason };
    throw error;
  }
}

// The driver's paths read rules[2].match.parameters["cosi-chaos.io/scenario"]; back to segments.
function segmentsOf(path: string): (string | number)[] {
  const segments: (string | number)[] = [];
  for (const m of path.matchAll(/\.?([A-Za-z_]\w*)|\[(\d+)\]|\[("(?:[^"\\]|\\.)*")\]/g)) {
    if (m[1] !== undefined) segments.push(m[1]);
    else if (m[2] !== undefined) segments.push(Number(m[2]));
    else segments.push(JSON.parse(m[3] as string) as string);
  }
  return segments;
}
