import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidScenariosError } from './invalid-scenarios-error.ts';
import { loadScenarios, parseScenarios } from './scenario-loader.ts';

const root = join(import.meta.dirname, '..', '..');
const cosi86 = readFileSync(join(root, 'scenarios', 'cosi-86.yaml'), 'utf8');
const conflict = readFileSync(join(root, 'scenarios', 'status-write-conflict.yaml'), 'utf8');

/** 1-based line of the nth line of `text` that contains `fragment`. */
function lineOf(text: string, fragment: string, nth = 1): number {
  let seen = 0;
  const index = text.split('\n').findIndex((l) => l.includes(fragment) && ++seen === nth);
  if (index < 0) throw new Error(`no line ${nth} with "${fragment}"`);
  return index + 1;
}

/** Replaces `from` in text, failing when it is not there (a test edit that silently does nothing checks nothing). */
function edit(text: string, from: string, to: string): string {
  if (!text.includes(from)) throw new Error(`"${from}" is not in the scenario`);
  return text.replace(from, to);
}

function problemsOf(text: string): { line: number | undefined; path: string; problem: string }[] {
  try {
    parseScenarios(text, 'x.yaml');
  } catch (e) {
    if (!(e instanceof InvalidScenariosError)) throw e;
    return e.problems.map(({ line, path, problem }) => ({ line, path, problem }));
  }
  throw new Error('expected an InvalidScenariosError');
}

// Six problems of different kinds in one file: two schema violations, a rule the mock driver would refuse, and
// three the schema cannot see.
const six = [
  (t: string) => edit(t, '  rpc: create\n', '  rpc: create\n  rcp: create\n'),
  (t: string) => edit(t, 'window: 60s', 'window: 1h'),
  (t: string) => edit(t, 'error: { code: InvalidArgument,', 'error: { code: Unavailabel,'),
  (t: string) => edit(t, '        minAttempts: 5\n', '        minAttempts: 5\n        maxAttempts: 3\n'),
  (t: string) => edit(t, 'sidecar: v1alpha1-v0.2.0', 'sidecar: v1alpha1-v0.1.0'),
  (t: string) => edit(t, 'sidecar: v1alpha1-v0.2.1', 'sidecar: v1alpha1-v0.2.3'),
].reduce((text, change) => change(text), cosi86);

const expectedSix = [
  { line: lineOf(six, 'rcp: create'), path: 'spec.rcp', problem: /^unknown field "rcp"$/ },
  { line: lineOf(six, 'window: 1h'), path: 'spec.window', problem: /^"1h" is not a duration/ },
  {
    line: lineOf(six, 'code: Unavailabel'),
    path: 'spec.rules.0.action.error.code',
    problem: /^unknown gRPC code "Unavailabel"; use one of: .*Unavailable/,
  },
  {
    line: lineOf(six, 'minAttempts: 5'),
    path: 'spec.variants.0.expect.minAttempts',
    problem: /^is greater than maxAttempts \(3\)$/,
  },
  {
    line: lineOf(six, 'sidecar: v1alpha1-v0.1.0', 2),
    path: 'spec.variants.2.sidecar',
    problem: /^variant "v1alpha1-v0.1.0" is listed twice$/,
  },
  {
    line: lineOf(six, 'sidecar: v1alpha1-v0.2.3'),
    path: 'spec.variants.3.sidecar',
    problem:
      /^unknown sidecar "v1alpha1-v0.2.3"; use one of v1alpha1-cosi86, .*v1alpha2-main, seed-patch, correct-fix, tiered-fix/,
  },
];

describe('every problem of a scenario file, in one run', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cosi-chaos-problems-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reports all six problems of a file, each at its line and path', () => {
    const problems = problemsOf(six);
    expect(problems).toHaveLength(expectedSix.length);
    problems.forEach((p, i) => {
      const want = expectedSix[i] as (typeof expectedSix)[number];
      expect({ line: p.line, path: p.path }).toEqual({ line: want.line, path: want.path });
      expect(p.problem).toMatch(want.problem);
    });
  });

  it('the CLI prints all six as file:line: path: problem, exits 2 and starts nothing', async () => {
    const file = join(dir, 'six-problems.yaml');
    const out = join(dir, 'out');
    await writeFile(file, six);
    const res = await execa(
      process.execPath,
      [join(root, 'bin', 'cosi-chaos.js'), 'run', file, '--out', out],
      {
        reject: false,
      },
    );
    expect(res.exitCode).toBe(2);
    const lines = res.stderr.trim().split('\n');
    expect(lines[0]).toBe(`error: 6 problems in ${file}:`);
    expect(lines.slice(1)).toHaveLength(6);
    lines.slice(1).forEach((l, i) => {
      const want = expectedSix[i] as (typeof expectedSix)[number];
      const prefix = `${file}:${want.line}: ${want.path}: `;
      expect(l.startsWith(prefix), `${l}\ndoes not start with ${prefix}`).toBe(true);
      expect(l.slice(prefix.length)).toMatch(want.problem);
    });
    // Nothing started: the results folder a run makes first is not there.
    expect(existsSync(out)).toBe(false);
  }, 120_000);

  it('checks rules as the mock driver would: each bad rule, then names the list shares', () => {
    const twoBad = edit(
      edit(cosi86, '        rpc: create\n        bucketName:', '        rpc: created\n        bucketName:'),
      'match:\n            rpc: create\n            parameters: { backend: { equals: s3 } }',
      'match:\n            rpc: create\n            call: { from: 5, upTo: 2 }',
    );
    expect(problemsOf(twoBad)).toEqual([
      {
        line: lineOf(twoBad, 'rpc: created'),
        path: 'spec.rules.0.match.rpc',
        problem: expect.stringMatching(/^unknown value "created"/),
      },
      {
        line: lineOf(twoBad, 'call: { from: 5'),
        path: 'spec.variants.4.rules.0.match.call.from',
        problem: expect.stringMatching(/^from 5 is after upTo 2/),
      },
    ]);
    const rule = '    - name: invalid-bucket-name\n      priority: 100\n';
    const twice = edit(
      cosi86,
      rule,
      `${rule}      match: { rpc: delete }\n      action: { error: { code: Internal } }\n${rule}`,
    );
    expect(problemsOf(twice)).toEqual([
      {
        line: lineOf(twice, '- name: invalid-bucket-name', 2),
        path: 'spec.rules.1.name',
        problem: expect.stringMatching(/^duplicate rule name "invalid-bucket-name"/),
      },
    ]);
  });

  it('reports a bad apiFaults section beside the other problems of the file', () => {
    const text = edit(
      edit(conflict, 'verb: [update, patch]', 'verb: [update, put]'),
      '  rpc: create\n',
      '  rpc: created\n',
    );
    const problems = problemsOf(text);
    expect(problems.map((p) => [p.line, p.path])).toEqual([
      [lineOf(text, 'rpc: created'), 'spec.rpc'],
      [lineOf(text, 'verb: [update, put]'), expect.stringMatching(/^spec\.apiFaults\.rules\.0\.match\.verb/)],
    ]);
  });

  it('reports the problems of every file given, an unreadable one too', async () => {
    const bad = join(dir, 'bad-rpc.yaml');
    const missing = join(dir, 'not-there.yaml');
    const text = edit(cosi86, '  rpc: create\n', '  rpc: created\n');
    await writeFile(bad, text);
    const error = await loadScenarios([bad, missing]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidScenariosError);
    const problems = (error as InvalidScenariosError).problems;
    expect(problems.map((p) => [p.file, p.line, p.path])).toEqual([
      [bad, lineOf(text, 'rpc: created'), 'spec.rpc'],
      [missing, undefined, ''],
    ]);
    expect(problems[1]?.problem).toMatch(/^cannot read: ENOENT/);
    expect((error as Error).message.split('\n')[0]).toBe('2 problems in 2 scenario files:');
  });
});
