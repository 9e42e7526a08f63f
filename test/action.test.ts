import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACTIONLINT, provisionBinary } from '../harness/index.ts';
import { type ActionRun, runCompositeAction } from './action-runner.ts';
import { PROJECT_ROOT } from './e2e/cli-run.ts';

// The composite action at the repository root (action.yml), as a driver team's workflow runs it: its steps run
// here as a runner runs them (test/action-runner.ts) from a copy of this repository, as the runner downloads the
// action's repository; the COSI-86 shipped scenario against the mock driver with `conform`, a user's scenario
// whose expectation fails (the gate: exit 1), and a path that is not there (bad input: exit 2). actionlint, pinned
// in the component catalog and built from the Go module proxy like every component, checks the workflows that use
// the action (through `uses: ./` it reads action.yml's inputs) and the workflow `cosi-chaos init` writes.

const ACTION = join(PROJECT_ROOT, 'action.yml');
let work: string;
let actionPath: string;
let actionlint: string;

/** The runner's environment: this one, npm offline (`npm ci` filled its cache with every package the lock names). */
const runnerEnv = (): Record<string, string> => ({
  ...(Object.fromEntries(Object.entries(process.env).filter(([, v]) => v !== undefined)) as Record<
    string,
    string
  >),
  npm_config_offline: 'true',
});

function printRun(title: string, run: ActionRun): void {
  const lines = [`--- ${title} ---`];
  for (const s of run.steps) {
    lines.push(
      `[${s.kind}${s.exitCode !== undefined ? ` exit ${s.exitCode}` : ''}] ${s.name}${s.with ? ` ${JSON.stringify(s.with)}` : ''}`,
    );
    if (s.output)
      lines.push(
        ...s.output
          .trim()
          .split('\n')
          .slice(-8)
          .map((l) => `    ${l}`),
      );
  }
  lines.push(`outputs: ${JSON.stringify(run.outputs)}`, `summary: ${run.summary.length} characters`);
  process.stdout.write(`${lines.join('\n')}\n`);
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'cosi-chaos-action-'));
  // The action's repository as the runner gets it: the tracked (and new, not ignored) files, no node_modules.
  actionPath = join(work, 'action');
  const files = (await execa('git', ['ls-files', '-co', '--exclude-standard'], { cwd: PROJECT_ROOT })).stdout
    .split('\n')
    .filter((f) => f && existsSync(join(PROJECT_ROOT, f)));
  for (const f of files) {
    await mkdir(dirname(join(actionPath, f)), { recursive: true });
    await copyFile(join(PROJECT_ROOT, f), join(actionPath, f));
  }
  actionlint = (await provisionBinary(ACTIONLINT)).path;
}, 30 * 60_000);

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe('actionlint', () => {
  it('passes the workflows of this repository, the action read through `uses: ./`', async () => {
    const r = await execa(actionlint, ['-color=false'], { cwd: PROJECT_ROOT, all: true, reject: false });
    process.stdout.write(
      `actionlint ${ACTIONLINT.version} on .github/workflows: exit ${r.exitCode}\n${r.all}\n`,
    );
    expect(r.exitCode, r.all).toBe(0);
    const uses = await readFile(join(PROJECT_ROOT, '.github', 'workflows', 'cosi-chaos-action.yml'), 'utf8');
    expect(uses).toMatch(/uses: \.\/\n/);
  });

  it('reads action.yml: an input the action does not have fails', async () => {
    const repo = join(work, 'lint-repo');
    await mkdir(join(repo, '.github', 'workflows'), { recursive: true });
    await copyFile(ACTION, join(repo, 'action.yml'));
    await writeFile(
      join(repo, '.github', 'workflows', 'x.yml'),
      'on: push\njobs:\n  x:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n      - uses: ./\n        with:\n          sidecar: v1alpha1-cosi86\n',
    );
    // actionlint finds the project (and `./`) by its .git.
    await execa('git', ['init', '-q'], { cwd: repo });
    const r = await execa(actionlint, ['-color=false'], { cwd: repo, all: true, reject: false });
    expect(r.exitCode, r.all).toBe(1);
    expect(r.all).toContain('input "sidecar" is not defined in action "cosi-chaos"');
  });

  it('passes the workflow `cosi-chaos init` writes (mock driver, and a driver binary)', async () => {
    for (const [dir, args] of [
      ['init-mock', []],
      ['init-binary', ['--driver', './bin/driver']],
    ] as const) {
      const repo = join(work, dir);
      await mkdir(join(repo, 'bin'), { recursive: true });
      await writeFile(join(repo, 'bin', 'driver'), '#!/bin/sh\n', { mode: 0o755 });
      const init = await execa(
        process.execPath,
        [join(PROJECT_ROOT, 'bin', 'cosi-chaos.js'), 'init', ...args],
        {
          cwd: repo,
          all: true,
        },
      );
      expect(init.all).toContain('wrote .github/workflows/cosi-chaos.yml');
      const r = await execa(actionlint, ['-color=false', '.github/workflows/cosi-chaos.yml'], {
        cwd: repo,
        all: true,
        reject: false,
      });
      process.stdout.write(`actionlint on the workflow init wrote (${dir}): exit ${r.exitCode}\n${r.all}\n`);
      expect(r.exitCode, r.all).toBe(0);
    }
  });
});

describe("the action's steps, run as a runner runs them", () => {
  it(
    'COSI-86 shipped with cosi-chaos against the mock driver, and conform: report in the summary, gate 0',
    async () => {
      const workspace = join(work, 'ws-pass');
      await mkdir(workspace, { recursive: true });
      const run = await runCompositeAction({
        actionFile: join(actionPath, 'action.yml'),
        actionPath,
        workspace,
        env: runnerEnv(),
        inputs: {
          scenarios: '',
          builtin: 'cosi-86',
          driver: 'mock',
          sidecars: 'v1alpha1-cosi86,correct-fix',
          conform: 'true',
          out: 'results',
        },
      });
      printRun('COSI-86 + conform, mock driver', run);
      expect(run.failedStep, run.steps.map((s) => s.output).join('\n')).toBeUndefined();
      const step = (name: string) => run.steps.find((s) => s.name === name);
      expect(step('Install cosi-chaos')?.outputs['cache-key']).toMatch(/^cosi-chaos-Linux-[0-9a-f]{16}$/);
      const cache = run.steps.find((s) => s.name === 'actions/cache@v4');
      expect(cache?.with?.key).toBe(step('Install cosi-chaos')?.outputs['cache-key']);
      expect(cache?.with?.path?.split('\n')).toEqual(
        expect.arrayContaining(['~/.cache/cosi-chaos', '~/.cache/go-build', '~/go/pkg/mod']),
      );
      expect(step('Run the scenarios')?.output).toContain(
        'cosi-chaos run --out results --backend local --builtin cosi-86 --driver mock --sidecar v1alpha1-cosi86 --sidecar correct-fix',
      );
      expect(step('Run the scenarios')?.outputs['run-exit-code']).toBe('0');
      expect(step('Conformance')?.outputs['conform-exit-code']).toBe('0');
      expect(run.summary).toContain('# cosi-chaos results');
      expect(run.summary).toMatch(/\| cosi-86 \| correct-fix \| create \| 1 \|/);
      expect(run.summary).toContain('# COSI conformance: cosi-chaos mock driver');
      expect(run.steps.find((s) => s.name === 'actions/upload-artifact@v4')?.with).toMatchObject({
        name: 'cosi-chaos-results',
        path: 'results',
      });
      expect(existsSync(join(workspace, 'results', 'results.json'))).toBe(true);
      expect(step('Gate')?.exitCode).toBe(0);
      expect(run.outputs).toEqual({ 'exit-code': '0', results: 'results' });
    },
    30 * 60_000,
  );

  it(
    "a user's scenario whose expectation fails: the report still in the summary, the Gate step fails with 1",
    async () => {
      const workspace = join(work, 'ws-fail');
      await mkdir(join(workspace, 'chaos'), { recursive: true });
      // transient-unavailable, expecting 3 attempts where every release makes 4: a failed expectation.
      const text = (await readFile(join(PROJECT_ROOT, 'scenarios', 'transient-unavailable.yaml'), 'utf8'))
        .replace('name: transient-unavailable', 'name: wrong-expectation')
        .replace(/expect: \{ outcome: bounded, attempts: 4 \}/g, 'expect: { outcome: bounded, attempts: 3 }');
      await writeFile(join(workspace, 'chaos', 'wrong.yaml'), text);
      const run = await runCompositeAction({
        actionFile: join(actionPath, 'action.yml'),
        actionPath,
        workspace,
        env: runnerEnv(),
        inputs: { scenarios: 'chaos', sidecars: 'v1alpha1-cosi86', out: 'out' },
      });
      printRun('failed expectation', run);
      expect(run.steps.find((s) => s.name === 'Conformance')?.kind).toBe('skipped');
      expect(run.summary).toContain('❌ fail');
      expect(run.failedStep).toBe('Gate');
      const gate = run.steps.find((s) => s.name === 'Gate');
      expect(gate?.exitCode).toBe(1);
      expect(gate?.output).toContain('::error::cosi-chaos: an expectation did not hold');
      expect(run.outputs['exit-code']).toBe('1');
    },
    30 * 60_000,
  );

  it(
    'a scenario path that is not there: bad input, nothing run, the Gate step fails with 2',
    async () => {
      const workspace = join(work, 'ws-bad');
      await mkdir(workspace, { recursive: true });
      const run = await runCompositeAction({
        actionFile: join(actionPath, 'action.yml'),
        actionPath,
        workspace,
        env: runnerEnv(),
        inputs: {},
      });
      printRun('no scenarios folder', run);
      expect(run.steps.find((s) => s.name === 'Run the scenarios')?.output).toContain(
        'cosi-chaos/scenarios: (document): no such file or directory',
      );
      expect(run.summary).toContain('cosi-chaos wrote no report in cosi-chaos-results');
      expect(run.failedStep).toBe('Gate');
      expect(run.steps.find((s) => s.name === 'Gate')?.exitCode).toBe(2);
    },
    10 * 60_000,
  );
});
