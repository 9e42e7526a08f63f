import { compileStringMatcher, MatcherSpecError } from '../../mock-driver/index.ts';

type Path = readonly (string | number)[];

/** One `regex:` of a scenario that is not a JavaScript regular expression: where, and the driver's own words. */
export interface RegexProblem {
  path: (string | number)[];
  problem: string;
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Every invalid `regex:` string under the scenario's matchers (spec.rules, each variant's rules, spec.apiFaults),
 * whatever else is wrong with the document. The rule and API-fault loaders compile matchers only once their
 * schema passes, so without this a bad regex showed up only after every schema problem was fixed: one more round.
 */
export function invalidRegexes(spec: unknown): RegexProblem[] {
  if (!isObject(spec)) return [];
  const found: RegexProblem[] = [];
  const roots: [unknown, Path][] = [
    [spec.rules, ['spec', 'rules']],
    [spec.apiFaults, ['spec', 'apiFaults']],
  ];
  if (Array.isArray(spec.variants))
    spec.variants.forEach((v, i) => {
      if (isObject(v)) roots.push([v.rules, ['spec', 'variants', i, 'rules']]);
    });
  for (const [value, path] of roots) walk(value, path, found);
  return found;
}

// Matchers sit at different depths (match.bucketName, match.parameters.KEY, apiFaults' match.path ...): any
// string under a `regex` key of an object is one, in both rule languages.
function walk(value: unknown, path: Path, found: RegexProblem[]): void {
  if (Array.isArray(value)) {
    for (const [i, item] of value.entries()) walk(item, [...path, i], found);
    return;
  }
  if (!isObject(value)) return;
  for (const [key, child] of Object.entries(value)) {
    if (key === 'regex' && typeof child === 'string') {
      const problem = regexProblem(child);
      if (problem) found.push({ path: [...path, key], problem });
    } else walk(child, [...path, key], found);
  }
}

// The mock driver's own compiler, so the message is the one its loader gives once the schema passes.
function regexProblem(regex: string): string | undefined {
  try {
    compileStringMatcher({ regex });
    return undefined;
  } catch (error) {
    if (error instanceof MatcherSpecError) return error.message;
    throw error;
  }
}
