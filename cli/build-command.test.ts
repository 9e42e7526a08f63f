import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cachedBinaryPath } from '../harness/binaries/cache-dir.ts';
import { patchKey } from '../harness/binaries/patched-build.ts';
import { RUN_VARIANTS, SCALITY_REVISIONS } from '../harness/index.ts';
import { type BuildTarget, buildCommand, buildTargets } from './build-command.ts';
import { EXIT, UsageError } from './exit-codes.ts';

const saved = { ...process.env };
let cache = '';
beforeEach(async () => {
  cache = await mkdtemp(join(tmpdir(), 'cosi-chaos-build-cmd-'));
  process.env.COSI_CHAOS_CACHE = cache;
});
afterEach(async () => {
  for (const k of ['COSI_CHAOS_CACHE', 'GOPROXY', 'GOMODCACHE', 'GOFLAGS']) {
    if (saved[k] === undefined) delete process.env[k];
    else process.env[k] = saved[k];
  }
  await rm(cache, { recursive: true, force: true });
});

// A binary already in the cache, where the build would put it (patched builds under their patch's key).
async function cached(t: BuildTarget): Promise<void> {
  const version = t.patchFile
    ? `${t.recipe.version}-${await patchKey(t.recipe, t.patchFile)}`
    : t.recipe.version;
  const path = cachedBinaryPath(t.recipe.name, version);
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, '#!/bin/sh\n');
  await chmod(path, 0o755);
}

describe('cosi-chaos build', () => {
  it('lists each binary once, the control plane first and the node cluster last', () => {
    const all = buildTargets(true);
    const keys = all.map((t) => `${t.recipe.name}@${t.recipe.version}+${t.patchFile ?? ''}`);
    expect(new Set(keys).size).toBe(keys.length);
    expect(all.slice(0, 2).map((t) => t.recipe.name)).toEqual(['etcd', 'kube-apiserver']);
    expect(all.slice(-4).map((t) => t.recipe.name)).toEqual([
      'kubelet',
      'kube-controller-manager',
      'kube-scheduler',
      'kube-proxy',
    ]);
    for (const v of RUN_VARIANTS)
      expect(
        all.some((t) => t.recipe === v.recipe && t.patchFile === v.patchFile),
        v.name,
      ).toBe(true);
    for (const r of SCALITY_REVISIONS) expect(all.some((t) => t.recipe === r.recipe)).toBe(true);
    // Without --all: a run's control plane and releases only.
    const run = buildTargets(false);
    expect(run.length).toBeLessThan(all.length);
    expect(run.some((t) => t.recipe.name === 'kubelet' || t.recipe.name === 'versitygw')).toBe(false);
  });

  it('--jobs must be a whole number of builds, 1 or more', async () => {
    await expect(buildCommand({ jobs: '0' }, () => {})).rejects.toThrow(UsageError);
    await expect(buildCommand({ jobs: 'two' }, () => {})).rejects.toThrow(/--jobs two/);
  });

  it('finds what the cache holds and builds nothing', async () => {
    const targets = buildTargets(true);
    for (const t of targets) await cached(t);
    const lines: string[] = [];
    const code = await buildCommand({ all: true, jobs: '2' }, (l) => lines.push(l));
    expect(code, lines.join('\n')).toBe(EXIT.ok);
    expect(lines.at(-1)).toMatch(new RegExp(`^0 built, ${targets.length} found, 0 failed in \\d+ s$`));
  });

  it('a build that cannot run fails with the go command’s reason, exit 3, and the rest are still found', async () => {
    const targets = buildTargets(false);
    for (const t of targets.filter((x) => x.recipe.name !== 'etcd' && !x.patchFile)) await cached(t);
    // An offline machine with an empty module cache: go cannot fetch etcd's module nor the patches' base.
    process.env.GOPROXY = 'off';
    process.env.GOMODCACHE = join(cache, 'empty-modcache');
    const lines: string[] = [];
    expect(await buildCommand({}, (l) => lines.push(l))).toBe(EXIT.infrastructure);
    expect(lines.find((l) => l.startsWith('FAILED etcd'))).toMatch(/GOPROXY=off|module lookup disabled/);
    const patched = targets.filter((t) => t.patchFile).length;
    expect(lines.filter((l) => l.startsWith('FAILED')).length).toBe(1 + patched);
    expect(lines.at(-1)).toMatch(
      new RegExp(`^0 built, ${targets.length - 1 - patched} found, ${1 + patched} failed`),
    );
  });
});
