import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CoreV1Api } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ETCD, KUBE_APISERVER } from '../binaries/component-catalog.ts';
import { provisionBinary } from '../runner/start/binary-provisioner.ts';
import { LocalControlPlane } from './local-control-plane.ts';

let binaries: { etcdBinary: string; apiServerBinary: string };
let dir: string;

beforeAll(async () => {
  const [etcd, api] = await Promise.all([provisionBinary(ETCD), provisionBinary(KUBE_APISERVER)]);
  binaries = { etcdBinary: etcd.path, apiServerBinary: api.path };
  dir = await mkdtemp(join(tmpdir(), 'cosi-chaos-cp-test-'));
});

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('LocalControlPlane on the real etcd and kube-apiserver', () => {
  it("keeps a caller's folder of logs after stop, without etcd's data (a 64 MB WAL per plane)", async () => {
    const workDir = join(dir, 'plane');
    await mkdir(workDir);
    const cp = await LocalControlPlane.start({ ...binaries, workDir });
    const core = cp.adminKubeConfig().makeApiClient(CoreV1Api);
    await core.createNamespace({ body: { metadata: { name: 'kept-logs' } } });
    expect(existsSync(join(workDir, 'etcd-data', 'member', 'wal'))).toBe(true);

    await cp.stop();

    const left = await readdir(workDir);
    expect(left).toEqual(expect.arrayContaining(['etcd.log', 'kube-apiserver.log', 'admin.kubeconfig']));
    expect(left).not.toContain('etcd-data');
  });

  it('removes a temp folder of its own entirely', async () => {
    const cp = await LocalControlPlane.start(binaries);
    const workDir = cp.workDir;
    expect(existsSync(workDir)).toBe(true);
    await cp.stop();
    expect(existsSync(workDir)).toBe(false);
  });
});
