import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  ApiextensionsV1Api,
  CoreV1Api,
  type KubeConfig,
  RbacAuthorizationV1Api,
} from '@kubernetes/client-node';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildControllerImage,
  buildMockDriverImage,
  buildSidecarImage,
} from '../../harness/backends/release-images.ts';
import { nodeClusterUnavailable, SingleNodeCluster } from '../../harness/node-cluster/index.ts';
import type { RunResults, ScenarioResult } from '../../harness/results/run-results.ts';
import { RUN_VARIANTS } from '../../harness/variants/patched-variants.ts';
import { readRunResults, startCli } from './cli-run.ts';
import { kindOverNode } from './kind-over-node.ts';

// The existing-cluster lane for real: a kubelet-backed single-node cluster started here, the images built here from
// the pinned sources and imported into its containerd (no registry), then COSI-86 and a delete scenario on all six
// releases through `run --backend existing`, and the same two scenarios on `--backend local`. Same verdicts, attempt
// counts within the window's tolerance, and nothing of the run left in the cluster afterwards.

const unavailable = nodeClusterUnavailable();
const title = `cluster lane: --backend existing on a kubelet-backed node vs --backend local${
  unavailable ? ` (skipped: ${unavailable.message})` : ''
}`;
const SCENARIOS = ['scenarios/cosi-86.yaml', 'scenarios/bucket-not-empty.yaml'];
// A user's own image for one release: the built v0.1.0 sidecar under another name, passed with --sidecar-image.
const USER_IMAGE = 'registry.example.com/storage-team/objectstorage-sidecar:fixed-v0.1.0';

async function waitUntil(what: string, probe: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await probe()) return;
    await sleep(1000);
  }
  throw new Error(`${what}: not within ${timeoutMs / 1000} s`);
}

/** What of a run may be left in a cluster: namespaces, CRDs, ClusterRoles and bindings it created. */
async function leftovers(kc: KubeConfig): Promise<string[]> {
  const core = kc.makeApiClient(CoreV1Api);
  const rbac = kc.makeApiClient(RbacAuthorizationV1Api);
  const crds = kc.makeApiClient(ApiextensionsV1Api);
  const part = { labelSelector: 'app.kubernetes.io/part-of=cosi-chaos' };
  return [
    ...(await core.listNamespace(part)).items.map((n) => `namespace/${n.metadata?.name}`),
    ...(await crds.listCustomResourceDefinition()).items
      .filter((c) => c.spec.group === 'objectstorage.k8s.io')
      .map((c) => `crd/${c.metadata?.name}`),
    ...(await rbac.listClusterRole(part)).items.map((r) => `clusterrole/${r.metadata?.name}`),
    ...(await rbac.listClusterRoleBinding(part)).items.map((r) => `clusterrolebinding/${r.metadata?.name}`),
  ];
}

describe.skipIf(Boolean(unavailable))(title, () => {
  let cluster: SingleNodeCluster;
  let tmp: string;
  let existing: RunResults;
  let local: RunResults;
  let existingExit: number | undefined;
  let localExit: number | undefined;
  let existingLog = '';
  const imageTimes: string[] = [];

  beforeAll(async () => {
    tmp = await mkdtemp(join(tmpdir(), 'cosi-chaos-cluster-lane-'));
    cluster = await SingleNodeCluster.start({ progress: (l) => process.stderr.write(`node: ${l}\n`) });
    const progress = () => {};
    const archives: string[] = [];
    const driver = await buildMockDriverImage(progress);
    archives.push(driver.archivePath);
    imageTimes.push(`mock driver ${driver.buildSeconds.toFixed(1)} s`);
    for (const v of RUN_VARIANTS) {
      const [sidecar, controller] = [
        await buildSidecarImage(v, progress),
        await buildControllerImage(v, progress),
      ];
      archives.push(sidecar.archivePath, controller.archivePath);
      imageTimes.push(
        `${v.name}: sidecar ${sidecar.buildSeconds.toFixed(1)} s, controller ${controller.buildSeconds.toFixed(1)} s`,
      );
      if (v.name === 'v1alpha1-v0.1.0') {
        await cluster.importImage(sidecar.archivePath);
        await execa('ctr', [
          '--address',
          cluster.containerdSocket,
          '-n',
          'k8s.io',
          'images',
          'tag',
          sidecar.ref,
          USER_IMAGE,
        ]);
      }
    }
    for (const a of new Set(archives)) await cluster.importImage(a);
    process.stderr.write(`cluster lane: images built in ${imageTimes.join('; ')}\n`);

    const existingOut = join(tmp, 'existing');
    const localOut = join(tmp, 'local');
    // One after the other: the two lanes' windows must not share two cores with each other.
    const e = await startCli([
      'run',
      ...SCENARIOS,
      '--backend',
      'existing',
      '--kubeconfig',
      cluster.adminKubeconfigPath,
      '--sidecar-image',
      `v1alpha1-v0.1.0=${USER_IMAGE}`,
      '--out',
      existingOut,
    ]);
    existingExit = e.exitCode;
    existingLog = String(e.all);
    existing = await readRunResults<RunResults>(existingOut, e);
    const l = await startCli(['run', ...SCENARIOS, '--out', localOut]);
    localExit = l.exitCode;
    local = await readRunResults<RunResults>(localOut, l);
    // Both tables side by side in the test log, the evidence a reader of CI wants.
    const row = (s: ScenarioResult) => `${s.outcome} ${s.attempts.length} ${s.verdict}`;
    const lines = existing.scenarios.map((a) => {
      const b = local.scenarios.find((x) => x.scenario === a.scenario && x.variant === a.variant);
      return `  ${a.scenario} x ${a.variant}: existing ${row(a)} | local ${b ? row(b) : 'missing'}`;
    });
    process.stderr.write(`cluster lane: outcome, attempts, verdict per lane\n${lines.join('\n')}\n`);
  }, 60 * 60_000);

  afterAll(async () => {
    await cluster?.stop();
    if (tmp && existingExit === 0 && localExit === 0) await rm(tmp, { recursive: true, force: true });
    else if (tmp) console.warn(`cluster-lane e2e: results and logs kept in ${tmp}`);
  });

  const result = (r: RunResults, scenario: string, variant: string): ScenarioResult => {
    const found = r.scenarios.find((s) => s.scenario === scenario && s.variant === variant);
    if (!found) throw new Error(`no result for ${scenario} on ${variant}:\n${existingLog}`);
    return found;
  };

  it('both lanes exit 0 and say which backend they ran on', () => {
    expect({ existing: existingExit, local: localExit }).toEqual({ existing: 0, local: 0 });
    expect(existing.backend).toBe('existing');
    expect(local.backend).toBe('local');
  });

  const pairs = ['cosi-86', 'bucket-not-empty'].flatMap((s) => RUN_VARIANTS.map((v) => [s, v.name] as const));
  it.each(pairs)('%s on %s: same outcome and verdict on both lanes, attempts within tolerance', (s, v) => {
    const a = result(existing, s, v);
    const b = result(local, s, v);
    expect({ outcome: a.outcome, verdict: a.verdict }).toEqual({ outcome: b.outcome, verdict: b.verdict });
    // Unbounded retries in a 60 s window: one exponential step either way (the sidecars' backoff doubles).
    const n = (r: ScenarioResult) => r.attempts.length;
    if (b.outcome === 'unbounded') {
      expect(n(a)).toBeGreaterThanOrEqual(Math.floor(n(b) / 2));
      expect(n(a)).toBeLessThanOrEqual(n(b) * 2 + 1);
    } else expect(n(a)).toBe(n(b));
  });

  it('results name the images the pods ran and the digests the node resolved, the user image too', () => {
    const user = existing.components.find((c) => c.name === 'objectstorage-sidecar image (v1alpha1-v0-1-0)');
    expect(user?.path).toBe(USER_IMAGE);
    expect(user?.version).toMatch(/sha256:[0-9a-f]{64}/);
    const built = existing.components.filter((c) => c.source.includes('built here'));
    expect(built.length).toBeGreaterThanOrEqual(5);
  });

  it('the kind lane, kind itself replaced by this node (kind nodes need --privileged): its commands, loaded archives, a pass', async () => {
    const fake = await kindOverNode(join(tmp, 'kind'), {
      kubeconfig: cluster.adminKubeconfigPath,
      containerdSocket: cluster.containerdSocket,
    });
    const out = join(tmp, 'kind-run');
    const run = await startCli(
      [
        'run',
        'scenarios/cosi-86.yaml',
        '--sidecar',
        'v1alpha1-v0.2.2',
        '--backend',
        'kind',
        '--cluster-name',
        'cosi-chaos-e2e',
        '--out',
        out,
      ],
      { PATH: `${fake.binDir}:${process.env.PATH ?? ''}` },
    );
    const results = await readRunResults<RunResults>(out, run);
    expect(results.backend).toBe('kind');
    expect(results.scenarios.map((r) => [r.variant, r.verdict])).toEqual([['v1alpha1-v0.2.2', 'pass']]);
    expect(run.exitCode).toBe(0);
    const calls = (await readFile(fake.callsLog, 'utf8')).trim().split('\n');
    expect(calls.filter((c) => c.startsWith('kind create') || c.startsWith('kind delete'))).toEqual([
      expect.stringMatching(/^kind create cluster --name cosi-chaos-e2e --wait 120s --kubeconfig \S+$/),
      'kind delete cluster --name cosi-chaos-e2e',
    ]);
    // The mock driver, the release's controller and its sidecar: the archives built here, nothing pulled.
    const loads = calls.filter((c) => c.startsWith('kind load image-archive'));
    expect(loads).toHaveLength(3);
    for (const l of loads) expect(l).toMatch(/\.tar --name cosi-chaos-e2e$/);
  });

  it('everything the run created in the cluster is gone afterwards', async () => {
    const kc = cluster.adminKubeConfig();
    // Namespaces finish terminating once the controller manager emptied them.
    await waitUntil(
      "the run's namespaces and cluster objects deleted",
      async () => (await leftovers(kc)).length === 0,
      120_000,
    ).catch(() => undefined);
    expect(await leftovers(kc)).toEqual([]);
  });
});
