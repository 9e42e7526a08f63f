import type { StringMatcherSpec } from './rule-types.ts';

export type StringMatcher = (value: string | undefined) => boolean;

// Thrown while compiling; the rule-file loader turns it into a RuleFileError with file, line and path.
export class MatcherSpecError extends Error {
  constructor(
    message: string,
    // Key inside the matcher the problem is at, appended to the JSON path.
    readonly key: string,
  ) {
    super(message);
    this.name = 'MatcherSpecError';
  }
}

// `*` is any run of characters, `?` exactly one; everything else is literal. Bucket names have no `/`, so no `**`.
export function globToRegExp(glob: string): RegExp {
  let source = '';
  for (const char of glob) {
    if (char === '*') source += '.*';
    else if (char === '?') source += '.';
    else source += char.replace(/[\\^$.|+()[\]{}]/g, '\\$&');
  }
  return new RegExp(`^${source}$`, 's');
}

// An absent value (e.g. no bucket name on getInfo) never matches a matcher.
export function compileStringMatcher(spec: StringMatcherSpec): StringMatcher {
  const conditions: ((value: string) => boolean)[] = [];
  const normalized = typeof spec === 'string' ? { exact: spec } : spec;
  const { exact, equals, prefix, suffix, glob, regex, minLength, maxLength } = normalized;
  if (exact !== undefined) conditions.push((value) => value === exact);
  if (equals !== undefined) conditions.push((value) => value === equals);
  if (prefix !== undefined) conditions.push((value) => value.startsWith(prefix));
  if (suffix !== undefined) conditions.push((value) => value.endsWith(suffix));
  if (glob !== undefined) {
    const pattern = globToRegExp(glob);
    conditions.push((value) => pattern.test(value));
  }
  if (regex !== undefined) {
    let pattern: RegExp;
    try {
      pattern = new RegExp(regex);
    } catch (error) {
      throw new MatcherSpecError(
        `invalid regex ${JSON.stringify(regex)}: ${(error as Error).message}; write a JavaScript regular expression (it is unanchored, add ^ and $ to match the whole value)`,
        'regex',
      );
    }
    conditions.push((value) => pattern.test(value));
  }
  if (minLength !== undefined && maxLength !== undefined && minLength > maxLength) {
    throw new MatcherSpecError(
      `minLength ${minLength} is greater than maxLength ${maxLength}, so nothing could match; swap or fix them`,
      'minLength',
    );
  }
  if (minLength !== undefined) conditions.push((value) => value.length >= minLength);
  if (maxLength !== undefined) conditions.push((value) => value.length <= maxLength);
  return (value) => {
    if (value === undefined) return false;
    for (const condition of conditions) if (!condition(value)) return false;
    return true;
  };
}
