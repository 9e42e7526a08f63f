import { createHash } from 'node:crypto';
import { chmod, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunResults } from '../harness/results/run-results.ts';
import { PROJECT_ROOT, readRunResults } from './e2e/cli-run.ts';

// cosi-chaos as a driver team gets it: `npm pack`, the tarball installed into an empty project, and everything run
// through that project's `npx cosi-chaos` (the CLI's esbuild bundle then lives under the project's node_modules,
// the mock driver's bundle is built from the installed sources): --version, doctor, COSI-86 shipped with the
// package, and `init`'s scaffolded suite against the mock driver and against a driver binary of this test's own.
//
// Offline: `npm ci` filled the npm cache with every dependency's tarball but not the registry's package documents a
// plain `npm install ./x.tgz` resolves version ranges with. The empty project gets a lock file made from this
// repository's (its production part: the same versions cosi-chaos is tested with), so `npm install --offline`
// takes every dependency from the cache and the tarball from disk.

interface PackResult {
  filename: string;
  size: number;
  unpackedSize: number;
  entryCount: number;
  files: { path: string }[];
}

interface LockEntry {
  dev?: boolean;
  devOptional?: boolean;
  optional?: boolean;
  [key: string]: unknown;
}

/** The empty project's lock file: the tarball, then every non-dev package of this repository's lock file. */
async function projectLock(tarball: string, tgzName: string): Promise<object> {
  const lock = JSON.parse(await readFile(join(PROJECT_ROOT, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, LockEntry>;
  };
  const pkg = JSON.parse(await readFile(join(PROJECT_ROOT, 'package.json'), 'utf8')) as Record<
    string,
    unknown
  >;
  const integrity = `sha512-${createHash('sha512')
    .update(await readFile(tarball))
    .digest('base64')}`;
  const packages: Record<string, object> = {
    '': { name: 'driver-repo', version: '1.0.0', dependencies: { 'cosi-chaos': `file:${tgzName}` } },
    'node_modules/cosi-chaos': {
      version: pkg.version,
      resolved: `file:${tgzName}`,
      integrity,
      license: pkg.license,
      dependencies: pkg.dependencies,
      bin: pkg.bin,
      engines: pkg.engines,
    },
  };
  for (const [path, entry] of Object.entries(lock.packages)) {
    if (path === '' || entry.dev) continue;
    // devOptional: optional for a production install (a platform's esbuild binary, a peer's extra).
    const { devOptional, ...rest } = entry;
    packages[path] = devOptional ? { ...rest, optional: true } : rest;
  }
  return { name: 'driver-repo', version: '1.0.0', lockfileVersion: 3, requires: true, packages };
}

const failed = (r: RunResults) =>
  r.scenarios
    .filter((s) => s.verdict !== 'pass')
    .map((s) => `${s.scenario}/${s.variant}: ${s.verdictReason}`);

describe('the packed package, installed into an empty project', () => {
  let work: string;
  let project: string;
  let pack: PackResult;
  const transcript: string[] = [];

  /** `npx cosi-chaos ...` in the project, as its user types it; kept for the transcript. */
  async function npx(args: string[]): Promise<{ exitCode: number; all: string }> {
    const r = await execa('npx', ['cosi-chaos', ...args], { cwd: project, all: true, reject: false });
    const all = String(r.all ?? '');
    transcript.push(
      `$ npx cosi-chaos ${args.join(' ')}   # exit ${r.exitCode}`,
      all.split('\n').slice(-12).join('\n'),
    );
    return { exitCode: r.exitCode ?? -1, all };
  }

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'cosi-chaos-pack-'));
    project = join(work, 'driver-repo');
    const packed = await execa('npm', ['pack', '--json', '--pack-destination', work], { cwd: PROJECT_ROOT });
    pack = (JSON.parse(packed.stdout) as PackResult[])[0] as PackResult;
    process.stdout.write(
      `npm pack: ${pack.filename}, ${(pack.size / 1024).toFixed(0)} KiB packed, ${(pack.unpackedSize / 1024).toFixed(0)} KiB unpacked, ${pack.entryCount} files\n`,
    );
    await execa('mkdir', ['-p', project]);
    await execa('npm', ['init', '-y'], { cwd: project });
    await execa('cp', [join(work, pack.filename), project]);
    await writeFile(
      join(project, 'package-lock.json'),
      JSON.stringify(await projectLock(join(project, pack.filename), pack.filename), null, 2),
    );
    const install = await execa(
      'npm',
      ['install', '--offline', '--no-audit', '--no-fund', `./${pack.filename}`],
      { cwd: project, all: true, reject: false },
    );
    transcript.push(
      `$ npm install --offline ./${pack.filename}   # exit ${install.exitCode}`,
      String(install.all),
    );
    if (install.exitCode !== 0) throw new Error(`npm install failed:\n${install.all}`);
  }, 10 * 60_000);

  afterAll(async () => {
    process.stdout.write(`--- transcript ---\n${transcript.join('\n')}\n`);
    await rm(work, { recursive: true, force: true });
  });

  it('holds no tests, fixtures, benches or test data, and everything a run reads', () => {
    const paths = pack.files.map((f) => f.path);
    const unwanted = paths.filter((p) =>
      /(\.test\.ts$|(^|\/)testdata\/|^test\/|^bench\/|fixture|^\.github\/|^scripts\/)/.test(p),
    );
    expect(unwanted).toEqual([]);
    for (const needed of [
      'bin/cosi-chaos.js',
      'bin/cli-bundle.js',
      'cli/main.ts',
      'mock-driver/main.ts',
      'proto/cosi.v1alpha1.proto',
      'schemas/scenario.schema.json',
      'schemas/results.schema.json',
      'scenarios/cosi-86.yaml',
      'patches/correct-fix.patch',
      'harness/witnesses/audit-policy.yaml',
      'templates/init/workflow.yml',
      'templates/init/scenarios/cosi-86.yaml',
    ])
      expect(paths).toContain(needed);
  });

  it('--version: the package version, then each pinned component on a line', async () => {
    const r = await npx(['--version']);
    expect(r.exitCode).toBe(0);
    const lines = r.all.trim().split('\n');
    expect(lines[0]).toBe(`cosi-chaos ${pack.filename.match(/-(\d+\.\d+\.\d+)\.tgz$/)?.[1]}`);
    expect(lines).toContainEqual(
      expect.stringMatching(/^etcd\s+v3\.5\.35\s+go\.etcd\.io\/etcd\/server\/v3@v3\.5\.35$/),
    );
    expect(lines).toContainEqual(expect.stringMatching(/^kube-apiserver\s+v1\.33\.13\s/));
    expect(lines).toContainEqual(expect.stringMatching(/^sidecar v1alpha1-cosi86\s+\S+6a5a12cb56ed\s/));
    // The driver of COSI-86 at both pinned commits.
    expect(lines).toContainEqual(
      expect.stringMatching(
        /^scality-cosi-driver@9bf1529\s+\S+-9bf152924e92\s+github\.com\/scality\/cosi-driver@9bf152924e92$/,
      ),
    );
    expect(lines).toContainEqual(expect.stringMatching(/^scality-cosi-driver@9a49a25\s+\S+-9a49a252f98b\s/));
  });

  it('doctor runs from inside node_modules and finds the built components', async () => {
    const r = await npx(['doctor']);
    expect(r.exitCode, r.all).toBe(0);
    expect(r.all).toMatch(/^etcd\s+\S+etcd-v3\.5\.35/m);
    // The patches are read from inside the package: built (named by the patch's hash) or not yet (its path).
    const patch = join(project, 'node_modules', 'cosi-chaos', 'patches', 'correct-fix.patch');
    const line = r.all.split('\n').find((l) => l.startsWith('matrix correct-fix'));
    expect(line).toMatch(/\(patch [0-9a-f]{12}\)$| \+ \S+$/);
    if (line?.includes('not built')) expect(line).toContain(patch);
  });

  it('names an unknown shipped scenario as bad input, with the ones there are', async () => {
    const r = await npx(['run', '--builtin', 'cosi-87']);
    expect(r.exitCode).toBe(2);
    expect(r.all).toMatch(/--builtin: no shipped scenario "cosi-87"; there are: all, .*cosi-86,/);
  });

  it(
    'runs COSI-86 shipped with the package (run --builtin cosi-86): the same verdicts as from a clone',
    async () => {
      const out = join(work, 'builtin');
      const r = await npx([
        'run',
        '--builtin',
        'cosi-86',
        '--sidecar',
        'v1alpha1-cosi86',
        '--sidecar',
        'correct-fix',
        '--out',
        out,
      ]);
      const results = await readRunResults<RunResults>(out, r);
      expect(failed(results), r.all).toEqual([]);
      expect(r.exitCode, r.all).toBe(0);
      const byVariant = Object.fromEntries(results.scenarios.map((s) => [s.variant, s]));
      expect(byVariant['v1alpha1-cosi86']?.outcome).toBe('unbounded');
      expect(byVariant['correct-fix']?.outcome).toBe('terminal');
      expect(byVariant['correct-fix']?.attempts.length).toBe(1);
    },
    30 * 60_000,
  );

  describe('init, then the scaffolded suite (the user’s own scenario files)', () => {
    let driver: string;

    beforeAll(async () => {
      // A driver binary of the test's own, started as a user's is (COSI_ENDPOINT=unix://SOCKET): the installed
      // mock driver behind a shell script, answering every call from its backend (no rules).
      driver = join(project, 'bin', 'tiny-driver');
      await execa('mkdir', ['-p', join(project, 'bin')]);
      await writeFile(
        driver,
        [
          '#!/bin/sh',
          '# The installed mock driver as a plain driver binary: no rules, every call answered by its backend.',
          'rules="$(mktemp)"',
          'echo \'rules: []\' > "$rules"',
          `exec ${JSON.stringify(process.execPath)} "$(dirname "$0")/../node_modules/cosi-chaos/bin/cosi-chaos.js" driver \\`,
          // biome-ignore lint/suspicious/noTemplateCurlyInString: shell parameter expansions, not a template
          '  --socket "${COSI_ENDPOINT#unix://}" --name "${X_COSI_DRIVER_NAME:-tiny.cosi-chaos.test}" \\',
          '  --rules "$rules" --admin 127.0.0.1:0',
          '',
        ].join('\n'),
      );
      await chmod(driver, 0o755);
      const first = await npx(['init', '--driver', './bin/tiny-driver']);
      expect(first.exitCode, first.all).toBe(0);
    });

    it('wrote the scenarios, a workflow and a README; a second init leaves every file and says so', async () => {
      const scenarios = (await readdir(join(project, 'cosi-chaos', 'scenarios'))).sort();
      expect(scenarios).toEqual(['bucket-not-empty.yaml', 'cosi-86.yaml', 'transient-then-ok.yaml']);
      const cosi86 = await readFile(join(project, 'cosi-chaos', 'scenarios', 'cosi-86.yaml'), 'utf8');
      expect(cosi86).toContain('driver: { binary: ../../bin/tiny-driver }');
      expect(cosi86).toMatch(/^# What it shows: /m);
      expect(cosi86).toMatch(/^# What to change: /m);
      const workflow = await readFile(join(project, '.github', 'workflows', 'cosi-chaos.yml'), 'utf8');
      // The project depends on cosi-chaos: its CI runs the locked version.
      expect(workflow).toContain('run: npx cosi-chaos run cosi-chaos/scenarios --out cosi-chaos-results');
      const again = await npx(['init', '--driver', './bin/tiny-driver']);
      expect(again.exitCode).toBe(0);
      expect(again.all).not.toMatch(/^wrote /m);
      expect(again.all.match(/^left {2}\S+ \(it exists; init never overwrites a file\)$/gm)).toHaveLength(5);
    });

    it(
      'passes against the driver binary, its creates answered by the driver behind the rules',
      async () => {
        const out = join(work, 'scaffold-binary');
        const r = await npx(['run', 'cosi-chaos/scenarios', '--out', out]);
        const results = await readRunResults<RunResults>(out, r);
        expect(failed(results), r.all).toEqual([]);
        expect(r.exitCode, r.all).toBe(0);
        expect(results.scenarios).toHaveLength(6);
        for (const s of results.scenarios.filter((s) => s.scenario === 'my-driver-transient-then-ok'))
          expect(s.realDriver?.answers, s.variant).toContainEqual(
            expect.objectContaining({ rpc: 'create', answeredBy: 'driver', code: 'OK' }),
          );
      },
      30 * 60_000,
    );

    it(
      "the workflow's conformance step, run as written: every MUST case passes against the driver binary",
      async () => {
        const workflow = await readFile(join(project, '.github', 'workflows', 'cosi-chaos.yml'), 'utf8');
        const command = /- name: COSI conformance\n.*\n {8}run: (.+)\n/.exec(workflow)?.[1];
        expect(command, workflow).toBe(
          'npx cosi-chaos conform --driver ./bin/tiny-driver --out cosi-chaos-results/conform',
        );
        const r = await execa('bash', ['-c', command as string], { cwd: project, all: true, reject: false });
        expect(r.exitCode, r.all).toBe(0);
        const md = await readFile(
          join(project, 'cosi-chaos-results', 'conform', 'conform-results.md'),
          'utf8',
        );
        expect(md).toMatch(/MUST/);
      },
      10 * 60_000,
    );

    it(
      'passes against the mock driver (run --driver mock)',
      async () => {
        const out = join(work, 'scaffold-mock');
        const r = await npx(['run', 'cosi-chaos/scenarios', '--driver', 'mock', '--out', out]);
        const results = await readRunResults<RunResults>(out, r);
        expect(failed(results), r.all).toEqual([]);
        expect(r.exitCode, r.all).toBe(0);
        expect(results.scenarios).toHaveLength(6);
        expect(results.scenarios.every((s) => s.realDriver === undefined)).toBe(true);
      },
      30 * 60_000,
    );
  });
});
