import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { resolveBinary } from './binary-resolver.ts';
import { cachedBinaryPath } from './cache-dir.ts';

function exe(dir: string, name: string): string {
  mkdirSync(dir, { recursive: true });
  const p = join(dir, name);
  writeFileSync(p, '#!/bin/sh\n');
  chmodSync(p, 0o755);
  return p;
}

describe('resolveBinary', () => {
  const root = mkdtempSync(join(tmpdir(), 'resolver-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  const cache = join(root, 'cache');
  const assets = join(root, 'assets');
  const testAsset = exe(join(root, 'ta'), 'my-etcd');
  exe(assets, 'etcd');
  const configured = exe(join(root, 'cfg'), 'etcd');
  const cached = exe(join(cache, 'bin'), 'etcd-v3.5.35');

  const env = (extra: Record<string, string>) => ({ COSI_CHAOS_CACHE: cache, ...extra });

  it('prefers TEST_ASSET_<NAME> over everything', () => {
    const r = resolveBinary({
      name: 'etcd',
      version: 'v3.5.35',
      configuredPath: configured,
      env: env({ TEST_ASSET_ETCD: testAsset, KUBEBUILDER_ASSETS: assets }),
    });
    expect(r).toMatchObject({ path: testAsset, source: 'TEST_ASSET', detail: '$TEST_ASSET_ETCD' });
  });

  it('maps dashes in the name to underscores in the variable', () => {
    const p = exe(join(root, 'ta2'), 'kas');
    const r = resolveBinary({
      name: 'kube-apiserver',
      version: 'v1',
      env: env({ TEST_ASSET_KUBE_APISERVER: p }),
    });
    expect(r.source).toBe('TEST_ASSET');
  });

  it('then $KUBEBUILDER_ASSETS/<name>', () => {
    const r = resolveBinary({
      name: 'etcd',
      version: 'v3.5.35',
      configuredPath: configured,
      env: env({ KUBEBUILDER_ASSETS: assets }),
    });
    expect(r).toMatchObject({ path: join(assets, 'etcd'), source: 'KUBEBUILDER_ASSETS' });
  });

  it('then the configured path, then the build cache', () => {
    expect(
      resolveBinary({ name: 'etcd', version: 'v3.5.35', configuredPath: configured, env: env({}) }).source,
    ).toBe('configured');
    expect(resolveBinary({ name: 'etcd', version: 'v3.5.35', env: env({}) })).toMatchObject({
      path: cached,
      source: 'cache',
    });
  });

  it('skips a KUBEBUILDER_ASSETS dir without that binary, and non-executable files', () => {
    writeFileSync(join(assets, 'kube-apiserver'), 'not executable');
    const r = resolveBinary({
      name: 'kube-apiserver',
      version: 'v1.33.13',
      env: env({ KUBEBUILDER_ASSETS: assets }),
    });
    expect(r).toMatchObject({
      source: 'missing',
      path: cachedBinaryPath('kube-apiserver', 'v1.33.13', { COSI_CHAOS_CACHE: cache }),
    });
  });

  it('says where it would build a missing binary', () => {
    const r = resolveBinary({ name: 'etcd', version: 'v9.9.9', env: env({}) });
    expect(r.source).toBe('missing');
    expect(r.path).toBe(join(cache, 'bin', 'etcd-v9.9.9'));
  });
});
