import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ApiextensionsV1Api, CustomObjectsApi, KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunResults } from '../../harness/results/run-results.ts';
import type { StackState } from '../../harness/stack/stack-state.ts';
import { readRunResults, startCli } from './cli-run.ts';
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

  const attached = async (variant: string) => {
    const out = await mkdtemp(join(tmpdir(), 'cosi-chaos-attached-'));
    try {
      const run = await startCli([
        'run',
        '--attach',
        dir,
        'scenarios/cosi-86.yaml',
        '--sidecar',
        variant,
        '--out',
        out,
      ]);
      return { run, results: await readRunResults<RunResults>(out, run) };
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  };

  it(
    'runs COSI-86 attached with the same verdict, and removes its objects',
    async () => {
      const { run, results } = await attached('v1alpha1-cosi86');
      expect(run.exitCode, String(run.all)).toBe(0);
      const [r] = results.scenarios;
      expect(r?.scenario).toBe('cosi-86');
      expect(r?.outcome).toBe('unbounded');
      expect(r?.verdict).toBe('pass');
      const plane = state.planes.find((p) => p.era === 'v1alpha1') as StackState['planes'][number];
      const kc = new KubeConfig();
      kc.loadFromFile(plane.kubeconfig);
      const claims = (await kc.makeApiClient(CustomObjectsApi).listClusterCustomObject({
        group: 'objectstorage.k8s.io',
        version: 'v1alpha1',
        plural: 'bucketclaims',
      })) as { items: unknown[] };
      expect(claims.items).toEqual([]);
    },
    10 * 60_000,
  );

  it(
    "says a second attached COSI-86 could not check its refused Event: the sidecar's broadcaster is backlogged",
    async () => {
      // The first run's loop left ~10 refused Events in the shared sidecar's queue (12 tries, 10 s apart, each).
      const { run, results } = await attached('v1alpha1-cosi86');
      expect(run.exitCode, String(run.all)).toBe(0);
      const [r] = results.scenarios;
      expect(r?.verdict).toBe('pass');
      expect(r?.unchecked?.[0]).toMatch(
        /^refused FailedCreateBucket Event: the sidecar's Event broadcaster was busy/,
      );
      expect(String(run.all)).toContain('NOT CHECKED: refused FailedCreateBucket Event');
      expect(r?.phases?.verdict).toBeLessThan(30_000); // decided on the count, not after the window
    },
    10 * 60_000,
  );

  it(
    'keeps two attached runs of the same scenario apart',
    async () => {
      const [a, b] = await Promise.all([attached('v1alpha2-main'), attached('v1alpha2-main')]);
      for (const x of [a, b]) {
        expect(x.run.exitCode, String(x.run.all)).toBe(0);
        expect(x.results.scenarios[0]?.attempts.length).toBe(1);
      }
      const bucketOf = (x: typeof a) => x.results.scenarios[0]?.attempts[0]?.bucketName;
      expect(bucketOf(a)).toBeDefined();
      expect(bucketOf(a)).not.toBe(bucketOf(b));
    },
    10 * 60_000,
  );

  it(
    'watch prints a line per attempt with the outcome now when not on a terminal',
    async () => {
      const w = startCli(['watch', dir]);
      let seen = '';
      w.all?.on('data', (c: Buffer) => {
        seen += c.toString();
      });
      const deadline = Date.now() + 120_000;
      while (
        !/v1alpha2-main create \S+ \[cosi-86\.r\w+\] #1 InvalidArgument/.test(seen) &&
        Date.now() < deadline
      )
        await sleep(200);
      w.kill('SIGINT');
      await w;
      expect(seen).toMatch(/v1alpha1-cosi86 create \S+ \[cosi-86\.r\w+\] #6 InvalidArgument \+\d/);
      expect(seen).toMatch(/v1alpha2-main create \S+ \[cosi-86\.r\w+\] #1 InvalidArgument/);
      expect(seen).toContain('outcome now:');
    },
    5 * 60_000,
  );

  it('leaves no process behind when it is SIGKILLed', async () => {
    expect(processesMentioning(dir).length).toBeGreaterThanOrEqual(6);
    up.kill('SIGKILL');
    await up;
    const deadline = Date.now() + 10_000;
    while (processesMentioning(dir).length && Date.now() < deadline) await sleep(200);
    expect(processesMentioning(dir)).toEqual([]);
  });
});
