import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ApiextensionsV1Api, CustomObjectsApi, KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StackState } from '../../harness/stack/stack-state.ts';
import { startCli } from './cli-run.ts';
import { processesMentioning } from './process-census.ts';

// One `up` for the file (one v1alpha1 and the v1alpha2 release: both eras' CRDs), used as a person and other tools
// use it, then SIGKILLed: nothing it started may outlive it.
describe('cosi-chaos up', () => {
  let dir: string;
  let up: ReturnType<typeof startCli>;
  let state: StackState;
  let output = '';

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cosi-chaos-up-'));
    up = startCli(['up', '--dir', dir, '--sidecar', 'v1alpha1-cosi86', '--sidecar', 'v1alpha2-main']);
    up.all?.on('data', (c: Buffer) => {
      output += c.toString();
    });
    let ended = false;
    void up.then(() => {
      ended = true;
    });
    const deadline = Date.now() + 30 * 60_000; // a cold machine builds the binaries first
    while (!output.includes('Ctrl-C stops everything') && !ended && Date.now() < deadline) await sleep(200);
    if (!output.includes('Ctrl-C stops everything')) throw new Error(`up did not come up:\n${output}`);
    state = JSON.parse(await readFile(join(dir, 'stack.json'), 'utf8')) as StackState;
  }, 31 * 60_000);

  afterAll(async () => {
    for (const p of processesMentioning(dir)) process.kill(p.pid, 'SIGKILL');
    await rm(dir, { recursive: true, force: true });
  });

  it('prints the kubeconfig, admin URLs, rules file, logs and classes of every variant', () => {
    expect(state.planes.map((p) => p.era).sort()).toEqual(['v1alpha1', 'v1alpha2']);
    for (const p of state.planes) {
      expect(output).toContain(`export KUBECONFIG=${p.kubeconfig}`);
      expect(output).toContain(`logs: ${p.logDir}`);
      for (const v of p.variants) {
        expect(output).toContain(`admin ${v.adminUrl}`);
        expect(output).toContain(`BucketClass ${v.bucketClass}, BucketAccessClass ${v.bucketAccessClass}`);
      }
    }
    expect(output).toContain(state.rulesFile);
  });

  it('serves every COSI CRD of each era through its kubeconfig', async () => {
    for (const p of state.planes) {
      const kc = new KubeConfig();
      kc.loadFromFile(p.kubeconfig);
      const crds = (await kc.makeApiClient(ApiextensionsV1Api).listCustomResourceDefinition()).items.filter(
        (c) => c.spec.group === 'objectstorage.k8s.io',
      );
      expect(crds.length).toBeGreaterThanOrEqual(p.era === 'v1alpha1' ? 5 : 4);
      const objects = kc.makeApiClient(CustomObjectsApi);
      for (const crd of crds) {
        const version = crd.spec.versions.find((v) => v.served)?.name as string;
        const list = (await objects.listClusterCustomObject({
          group: crd.spec.group,
          version,
          plural: crd.spec.names.plural,
        })) as { items: unknown[] };
        expect(Array.isArray(list.items), `${p.era} ${crd.spec.names.plural}`).toBe(true);
        if (crd.spec.names.plural === 'bucketclasses') expect(list.items.length).toBe(p.variants.length);
      }
    }
  });

  it('leaves no process behind when it is SIGKILLed', async () => {
    expect(processesMentioning(dir).length).toBeGreaterThanOrEqual(6);
    up.kill('SIGKILL');
    await up;
    const deadline = Date.now() + 10_000;
    while (processesMentioning(dir).length && Date.now() < deadline) await sleep(200);
    expect(processesMentioning(dir)).toEqual([]);
  });
});
