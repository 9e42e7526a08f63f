import { chmod, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadScenarios } from '../harness/index.ts';

// `cosi-chaos init` through the real CLI in an empty folder: what it writes, that the scenarios load through the
// real loader with each kind of driver, and that it never overwrites a file. (The scaffolded suite is run against
// the mock driver and a driver binary in test/package-install.test.ts, from the packed package.)

const CLI = join(import.meta.dirname, '..', 'bin', 'cosi-chaos.js');
let repo: string;

const init = (args: string[]) =>
  execa(process.execPath, [CLI, 'init', ...args], { cwd: repo, all: true, reject: false });

beforeEach(async () => {
  repo = await mkdtemp(join(tmpdir(), 'cosi-chaos-init-'));
});
afterEach(async () => {
  await rm(repo, { recursive: true, force: true });
});

describe('cosi-chaos init', () => {
  it('writes three commented scenarios, a workflow and a README; the scenarios load with the mock driver', async () => {
    const r = await init([]);
    expect(r.exitCode, r.all).toBe(0);
    expect(r.all.split('\n').filter((l) => l.startsWith('wrote '))).toEqual([
      'wrote cosi-chaos/scenarios/bucket-not-empty.yaml',
      'wrote cosi-chaos/scenarios/cosi-86.yaml',
      'wrote cosi-chaos/scenarios/transient-then-ok.yaml',
      'wrote .github/workflows/cosi-chaos.yml',
      'wrote cosi-chaos/README.md',
    ]);
    const dir = join(repo, 'cosi-chaos', 'scenarios');
    const files = (await readdir(dir)).map((f) => join(dir, f));
    const { scenarios } = await loadScenarios(files);
    expect(scenarios.map((s) => `${s.name}:${s.variants.map((v) => v.sidecar).join(',')}`).sort()).toEqual([
      'my-driver-bucket-not-empty:v1alpha1-cosi86,correct-fix',
      'my-driver-cosi-86:v1alpha1-cosi86,correct-fix',
      'my-driver-transient-then-ok:v1alpha1-cosi86,correct-fix',
    ]);
    // The mock driver: no spec.driver kept on the scenario.
    expect(scenarios.every((s) => s.driver === undefined)).toBe(true);
    for (const f of files) {
      const text = await readFile(f, 'utf8');
      expect(text, f).toMatch(/^# What it shows: /m);
      expect(text, f).toMatch(/^# What to change: /m);
    }
    const workflow = await readFile(join(repo, '.github', 'workflows', 'cosi-chaos.yml'), 'utf8');
    expect(workflow).toMatch(
      /run: npx --yes cosi-chaos@\d+\.\d+\.\d+ run cosi-chaos\/scenarios --out cosi-chaos-results/,
    );
    expect(await readFile(join(repo, 'cosi-chaos', 'README.md'), 'utf8')).toContain(
      'Driver: the mock driver',
    );
    // The reference driver needs no conformance step of the user's.
    expect(workflow).not.toContain('conform');
  });

  it('--driver SOCKET and --dir: the scenarios name the running driver', async () => {
    const r = await init(['--driver', 'unix:///run/cosi/driver.sock', '--dir', 'ci/chaos']);
    expect(r.exitCode, r.all).toBe(0);
    const dir = join(repo, 'ci', 'chaos', 'scenarios');
    const { scenarios } = await loadScenarios((await readdir(dir)).map((f) => join(dir, f)));
    for (const s of scenarios)
      expect(s.driver).toEqual({ kind: 'socket', address: 'unix:///run/cosi/driver.sock' });
    const workflow = await readFile(join(repo, '.github', 'workflows', 'cosi-chaos.yml'), 'utf8');
    expect(workflow).toContain('run ci/chaos/scenarios');
    expect(workflow).toContain(
      'conform --driver unix:///run/cosi/driver.sock --out cosi-chaos-results/conform',
    );
  });

  it('--driver BINARY: relative to the scenario files, and a binary that is not there is bad input', async () => {
    expect((await init(['--driver', './bin/driver'])).exitCode).toBe(2);
    await mkdir(join(repo, 'bin'));
    await writeFile(join(repo, 'bin', 'driver'), '#!/bin/sh\n');
    await chmod(join(repo, 'bin', 'driver'), 0o755);
    const r = await init(['--driver', './bin/driver']);
    expect(r.exitCode, r.all).toBe(0);
    const text = await readFile(join(repo, 'cosi-chaos', 'scenarios', 'cosi-86.yaml'), 'utf8');
    expect(text).toContain('driver: { binary: ../../bin/driver }');
    const { scenarios } = await loadScenarios([join(repo, 'cosi-chaos', 'scenarios', 'cosi-86.yaml')]);
    expect(scenarios[0]?.driver).toMatchObject({ kind: 'binary', binary: join(repo, 'bin', 'driver') });
    // The workflow checks the driver's codes too, and its report holds both halves.
    const workflow = await readFile(join(repo, '.github', 'workflows', 'cosi-chaos.yml'), 'utf8');
    expect(workflow).toMatch(
      /- name: COSI conformance\n {8}if: \$\{\{ !cancelled\(\) \}\}\n {8}run: npx --yes cosi-chaos@\S+ conform --driver \.\/bin\/driver --out cosi-chaos-results\/conform\n/,
    );
    expect(workflow).toContain(
      'cat cosi-chaos-results/results.md cosi-chaos-results/conform/conform-results.md >> "$GITHUB_STEP_SUMMARY"',
    );
    expect(await readFile(join(repo, 'cosi-chaos', 'README.md'), 'utf8')).toContain(
      'npx cosi-chaos conform --driver ./bin/driver',
    );
  });

  it('never overwrites a file, and names every file it left', async () => {
    await mkdir(join(repo, '.github', 'workflows'), { recursive: true });
    await writeFile(join(repo, '.github', 'workflows', 'cosi-chaos.yml'), 'mine\n');
    const r = await init([]);
    expect(r.exitCode, r.all).toBe(0);
    expect(r.all).toContain(
      'left  .github/workflows/cosi-chaos.yml (it exists; init never overwrites a file)',
    );
    expect(await readFile(join(repo, '.github', 'workflows', 'cosi-chaos.yml'), 'utf8')).toBe('mine\n');
    await writeFile(join(repo, 'cosi-chaos', 'scenarios', 'cosi-86.yaml'), 'edited\n');
    const again = await init([]);
    expect(again.all.match(/^left /gm)).toHaveLength(5);
    expect(await readFile(join(repo, 'cosi-chaos', 'scenarios', 'cosi-86.yaml'), 'utf8')).toBe('edited\n');
  });
});
