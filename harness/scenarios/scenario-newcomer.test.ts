import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InvalidScenariosError } from './invalid-scenarios-error.ts';
import { parseScenarios } from './scenario-loader.ts';

// What a newcomer hit writing a first scenario: a happy path without rules refused, and a bad regex shown only
// one round after the schema problems were fixed.

const root = join(import.meta.dirname, '..', '..');
const transient = readFileSync(join(root, 'scenarios', 'transient-unavailable.yaml'), 'utf8');
const storm = readFileSync(join(root, 'scenarios', 'api-429-storm.yaml'), 'utf8');

function edit(text: string, from: string | RegExp, to: string): string {
  const next = text.replace(from, to);
  if (next === text) throw new Error(`"${from}" is not in the scenario`);
  return next;
}

function problemsOf(text: string): { path: string; problem: string }[] {
  try {
    parseScenarios(text, 'x.yaml');
  } catch (e) {
    if (!(e instanceof InvalidScenariosError)) throw e;
    return e.problems.map(({ path, problem }) => ({ path, problem }));
  }
  throw new Error('expected an InvalidScenariosError');
}

// The rules block of transient-unavailable.yaml, from `  rules:` to `  variants:`.
const RULES = /\n {2}rules:\n[\s\S]*?(?=\n {2}variants:)/;

describe('scenario without rules', () => {
  it('loads, with no rules for the mock driver (a happy path)', () => {
    const [scenario] = parseScenarios(edit(transient, RULES, ''), 'happy.yaml');
    expect(scenario?.name).toBe('transient-unavailable');
    expect(scenario?.rules).toEqual([]);
  });
});

describe('an invalid regex', () => {
  it('is reported together with the schema problems, also inside a rule the schema refused', () => {
    const text = edit(
      edit(
        edit(transient, 'window: 60s', 'window: 1x'),
        'match: { rpc: create }',
        'match: { rpc: create, bucketName: { regex: "([" } }\n      colour: red',
      ),
      '  rules:\n',
      '  rules:\n    - name: second\n      match: { parameters: { tier: { regex: "((" } } }\n      action: { ok: {} }\n',
    );
    const problems = problemsOf(text);
    expect(problems.map((p) => p.path).sort()).toEqual([
      'spec.rules.0.match.parameters.tier.regex',
      'spec.rules.1.colour',
      'spec.rules.1.match.bucketName.regex',
      'spec.window',
    ]);
    for (const p of problems.filter((p) => p.path.endsWith('regex')))
      expect(p.problem).toMatch(/^invalid regex "\(\(|\(\[": .*write a JavaScript regular expression/);
  });

  it('in a rule the schema accepts, once (the driver loader names it too)', () => {
    const text = edit(
      transient,
      'match: { rpc: create }',
      'match: { rpc: create, bucketName: { regex: "([" } }',
    );
    expect(problemsOf(text)).toEqual([
      {
        path: 'spec.rules.0.match.bucketName.regex',
        problem: expect.stringMatching(/^invalid regex "\(\[":/),
      },
    ]);
  });

  it('in apiFaults, with a schema problem of the same section', () => {
    const text = edit(
      storm,
      'match: { verb: [create, update, patch] }',
      'match: { verb: [create, update, patch], path: { regex: "a[" } }\n        colour: red',
    );
    const paths = problemsOf(text).map((p) => p.path);
    expect(paths).toContain('spec.apiFaults.rules.0.match.path.regex');
    expect(paths.some((p) => p.startsWith('spec.apiFaults.rules.0') && !p.endsWith('regex'))).toBe(true);
  });
});
