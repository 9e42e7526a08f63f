import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ApiException,
  CoreV1Api,
  CustomObjectsApi,
  KubeConfig,
  RbacAuthorizationV1Api,
  Watch,
} from '@kubernetes/client-node';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ETCD, KUBE_APISERVER, V1ALPHA1_CRDS } from '../binaries/component-catalog.ts';
import { LocalControlPlane } from '../control-plane/local-control-plane.ts';
import { crdManifests, installCrds } from '../cosi/crd-installer.ts';
import { requestServiceAccountToken } from '../cosi/service-account-token.ts';
import type { ApiJournalEntry } from '../results/api-journal-results.ts';
import { provisionBinary } from '../runner/start/binary-provisioner.ts';
import { ApiFaultProxy } from './api-fault-proxy.ts';
import { parseApiFaultsYaml } from './api-faults-loader.ts';

// The proxy in front of a real kube-apiserver (RBAC on), driven by real clients: @kubernetes/client-node and
// kubectl (client-go, what the sidecars are built on) with a ServiceAccount token from the TokenRequest API.

const NS = 'api-faults';
const GROUP = 'objectstorage.k8s.io';
let cp: LocalControlPlane;
let tmp: string;
let writerToken: string;
let nobodyToken: string;
const proxies: ApiFaultProxy[] = [];

beforeAll(async () => {
  const [etcd, api] = await Promise.all([provisionBinary(ETCD), provisionBinary(KUBE_APISERVER)]);
  cp = await LocalControlPlane.start({ etcdBinary: etcd.path, apiServerBinary: api.path });
  const admin = cp.adminKubeConfig();
  await installCrds(admin, await crdManifests(V1ALPHA1_CRDS));
  const core = admin.makeApiClient(CoreV1Api);
  await core.createNamespace({ body: { metadata: { name: NS } } });
  for (const name of ['writer', 'nobody'])
    await core.createNamespacedServiceAccount({ namespace: NS, body: { metadata: { name } } });
  const rbac = admin.makeApiClient(RbacAuthorizationV1Api);
  await rbac.createNamespacedRole({
    namespace: NS,
    body: {
      metadata: { name: 'writer' },
      rules: [
        { apiGroups: [''], resources: ['configmaps'], verbs: ['*'] },
        { apiGroups: [GROUP], resources: ['bucketclaims', 'bucketclaims/status'], verbs: ['*'] },
      ],
    },
  });
  await rbac.createNamespacedRoleBinding({
    namespace: NS,
    body: {
      metadata: { name: 'writer' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'writer' },
      subjects: [{ kind: 'ServiceAccount', name: 'writer', namespace: NS }],
    },
  });
  writerToken = await requestServiceAccountToken(admin, NS, 'writer');
  nobodyToken = await requestServiceAccountToken(admin, NS, 'nobody');
  for (const name of ['cm-429', 'cm-reset', 'cm-hang', 'cm-delay', 'cm-plain', 'cm-code'])
    await core.createNamespacedConfigMap({ namespace: NS, body: { metadata: { name }, data: { k: name } } });
  tmp = await mkdtemp(join(tmpdir(), 'cosi-chaos-api-faults-'));
  // The first run on a fresh machine builds etcd and kube-apiserver here (minutes on two cores).
}, 30 * 60_000);

afterAll(async () => {
  for (const proxy of proxies) await proxy.stop();
  await cp?.stop();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

async function startProxy(faultsYaml: string, journalFile?: string): Promise<ApiFaultProxy> {
  const proxy = await ApiFaultProxy.start({
    upstreamUrl: cp.serverUrl,
    upstreamCaPem: cp.apiServer.caPem,
    faults: parseApiFaultsYaml(faultsYaml, 'test-faults.yaml'),
    ...(journalFile ? { journalFile } : {}),
  });
  proxies.push(proxy);
  return proxy;
}

function clientConfig(proxy: ApiFaultProxy, token = writerToken): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromString(proxy.kubeconfig('writer', token, NS));
  return kc;
}

async function kubeconfigFile(proxy: ApiFaultProxy, name: string, token = writerToken): Promise<string> {
  const file = join(tmp, `${name}.kubeconfig`);
  await writeFile(file, proxy.kubeconfig('writer', token, NS), { mode: 0o600 });
  return file;
}

async function apiError(call: Promise<unknown>): Promise<ApiException<string>> {
  try {
    await call;
  } catch (error) {
    if (error instanceof ApiException) return error as ApiException<string>;
    throw error;
  }
  throw new Error('expected the call to fail with an HTTP status');
}

/** Entries for one object name, in arrival order. */
function entriesFor(proxy: ApiFaultProxy, name: string): ApiJournalEntry[] {
  return proxy.journal().filter((e) => e.name === name);
}

describe('ApiFaultProxy against a real kube-apiserver', () => {
  it('fails a status update with 409 Conflict three times, then lets the fourth through', async () => {
    const journalFile = join(tmp, 'conflict.jsonl');
    const proxy = await startProxy(
      `apiFaults:
  rules:
    - name: status-conflict
      match: { verb: update, group: ${GROUP}, resource: bucketclaims, subresource: status, name: { glob: "claim-*" }, call: { upTo: 3 } }
      action: { status: { code: 409 } }
`,
      journalFile,
    );
    const objects = clientConfig(proxy).makeApiClient(CustomObjectsApi);
    const target = {
      group: GROUP,
      version: 'v1alpha1',
      namespace: NS,
      plural: 'bucketclaims',
      name: 'claim-1',
    };
    await objects.createNamespacedCustomObject({
      ...target,
      body: {
        apiVersion: `${GROUP}/v1alpha1`,
        kind: 'BucketClaim',
        metadata: { name: 'claim-1' },
        spec: { bucketClassName: 'any', protocols: ['S3'] },
      },
    });
    const codes: number[] = [];
    const reasons: string[] = [];
    for (let attempt = 1; attempt <= 5; attempt++) {
      const current = (await objects.getNamespacedCustomObject(target)) as Record<string, unknown>;
      try {
        await objects.replaceNamespacedCustomObjectStatus({
          ...target,
          body: { ...current, status: { bucketReady: true, bucketName: `bucket-${attempt}` } },
        });
        codes.push(200);
        break;
      } catch (error) {
        if (!(error instanceof ApiException)) throw error;
        codes.push(error.code);
        reasons.push((JSON.parse(error.body as string) as { reason: string }).reason);
      }
    }
    expect(codes).toEqual([409, 409, 409, 200]);
    expect(reasons).toEqual(['Conflict', 'Conflict', 'Conflict']);

    // The write that passed reached the real API server.
    const stored = (await cp
      .adminKubeConfig()
      .makeApiClient(CustomObjectsApi)
      .getNamespacedCustomObject(target)) as { status?: { bucketName?: string } };
    expect(stored.status?.bucketName).toBe('bucket-4');

    const writes = entriesFor(proxy, 'claim-1').filter((e) => e.subresource === 'status');
    expect(writes.map((e) => [e.verb, e.callNumber, e.status, e.outcome, e.fault?.rule])).toEqual([
      ['update', 1, 409, 'injected-status', 'status-conflict'],
      ['update', 2, 409, 'injected-status', 'status-conflict'],
      ['update', 3, 409, 'injected-status', 'status-conflict'],
      ['update', 4, 200, 'forwarded', undefined],
    ]);
    expect(writes[0]).toMatchObject({
      method: 'PUT',
      apiGroup: GROUP,
      apiVersion: 'v1alpha1',
      resource: 'bucketclaims',
      namespace: NS,
      user: `system:serviceaccount:${NS}:writer`,
      fault: { kind: 'status' },
    });
    // Reads and the create went through untouched and are journaled too.
    expect(entriesFor(proxy, 'claim-1').filter((e) => e.verb === 'get')).toHaveLength(4);
    await proxy.stop();
    const lines = (await readFile(journalFile, 'utf8')).trim().split('\n');
    expect(lines.map((l) => (JSON.parse(l) as ApiJournalEntry).seq).sort((a, b) => a - b)).toEqual(
      proxy.journal().map((e) => e.seq),
    );
  });

  it('answers 429 TooManyRequests with Retry-After; client-go (kubectl) waits it out and retries', async () => {
    const proxy = await startProxy(`apiFaults:
  rules:
    - name: throttle
      match: { verb: get, resource: configmaps, name: cm-429, call: { upTo: 2 } }
      action: { status: { code: 429, retryAfterSeconds: 1 } }
`);
    // client-node does not retry: it sees the 429 itself.
    const core = clientConfig(proxy).makeApiClient(CoreV1Api);
    const error = await apiError(core.readNamespacedConfigMap({ namespace: NS, name: 'cm-429' }));
    expect(error.code).toBe(429);
    expect(error.headers['retry-after']).toBe('1');
    expect(JSON.parse(error.body)).toMatchObject({
      kind: 'Status',
      status: 'Failure',
      reason: 'TooManyRequests',
      code: 429,
      details: { name: 'cm-429', kind: 'configmaps', retryAfterSeconds: 1 },
    });
    // kubectl gets call 2 (429 again), waits the Retry-After second, and call 3 passes.
    const out = await execa('kubectl', [
      '--kubeconfig',
      await kubeconfigFile(proxy, 'throttle'),
      'get',
      'configmap',
      'cm-429',
      '-o',
      'jsonpath={.data.k}',
    ]);
    expect(out.stdout).toBe('cm-429');
    const gets = entriesFor(proxy, 'cm-429');
    expect(gets.map((e) => [e.callNumber, e.status, e.fault?.rule])).toEqual([
      [1, 429, 'throttle'],
      [2, 429, 'throttle'],
      [3, 200, undefined],
    ]);
    expect(gets[1]?.userAgent).toMatch(/^kubectl\//);
    // client-go honoured Retry-After: 1 before asking again.
    expect((gets[2]?.monoMs ?? 0) - (gets[1]?.monoMs ?? 0)).toBeGreaterThanOrEqual(900);
  });

  it.each([
    [500, 'InternalError'],
    [503, 'ServiceUnavailable'],
    [403, 'Forbidden'],
  ])('answers %i with a Status whose reason is %s', async (code, reason) => {
    const proxy = await startProxy(`apiFaults:
  rules:
    - name: injected-${code}
      match: { verb: get, resource: configmaps, name: cm-code }
      action: { status: { code: ${code} } }
`);
    const core = clientConfig(proxy).makeApiClient(CoreV1Api);
    const error = await apiError(core.readNamespacedConfigMap({ namespace: NS, name: 'cm-code' }));
    expect(error.code).toBe(code);
    expect(JSON.parse(error.body)).toMatchObject({ kind: 'Status', reason, code });
    expect(entriesFor(proxy, 'cm-code')).toMatchObject([
      { status: code, fault: { rule: `injected-${code}` } },
    ]);
  });

  it('resets the connection: client-node sees a network error, client-go retries the GET', async () => {
    const proxy = await startProxy(`apiFaults:
  rules:
    - name: cut
      match: { verb: get, resource: configmaps, name: cm-reset }
      action: { flap: { actions: [ { reset: {} }, { forward: {} } ] } }
`);
    const core = clientConfig(proxy).makeApiClient(CoreV1Api);
    const failure = await core.readNamespacedConfigMap({ namespace: NS, name: 'cm-reset' }).then(
      () => undefined,
      (error: unknown) => error as Error & { code?: unknown },
    );
    expect(failure).toBeDefined();
    expect(failure).not.toBeInstanceOf(ApiException);
    // A TCP RST, not an orderly close (which node-fetch reports as "socket hang up").
    expect(String(failure?.message)).toMatch(/ECONNRESET/);
    expect((await core.readNamespacedConfigMap({ namespace: NS, name: 'cm-reset' })).data?.k).toBe(
      'cm-reset',
    );
    // client-go treats a reset GET as retryable: kubectl's first try is reset, its immediate retry passes.
    const kubectl = await execa('kubectl', [
      '--kubeconfig',
      await kubeconfigFile(proxy, 'reset'),
      'get',
      'configmap',
      'cm-reset',
      '-o',
      'name',
    ]);
    expect(kubectl.stdout).toBe('configmap/cm-reset');
    const gets = entriesFor(proxy, 'cm-reset');
    expect(gets.map((e) => [e.callNumber, e.status, e.outcome, e.userAgent?.split('/')[0]])).toEqual([
      [1, null, 'reset', 'node-fetch'],
      [2, 200, 'forwarded', 'node-fetch'],
      [3, null, 'reset', 'kubectl'],
      [4, 200, 'forwarded', 'kubectl'],
    ]);
  });

  it('cuts a watch after N events: client-node and kubectl both see the stream end', async () => {
    const core = cp.adminKubeConfig().makeApiClient(CoreV1Api);
    const ns = 'watch-cut';
    await core.createNamespace({ body: { metadata: { name: ns } } });
    for (let i = 1; i <= 5; i++)
      await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: `w-${i}` } } });
    const proxy = await startProxy(`apiFaults:
  rules:
    - name: cut-after-3
      match: { verb: watch, resource: configmaps, namespace: ${ns} }
      action: { cutWatch: { afterEvents: 3 } }
`);
    // Admin token: RBAC is not what this test is about (the writer's Role is in another namespace).
    const kc = new KubeConfig();
    kc.loadFromString(proxy.kubeconfig('admin', cp.adminToken));
    const seen: string[] = [];
    const ended = await new Promise<unknown>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('the watch did not end within 20 s')), 20_000);
      void new Watch(kc).watch(
        `/api/v1/namespaces/${ns}/configmaps`,
        {},
        (type, object: { metadata?: { name?: string } }) => seen.push(`${type} ${object.metadata?.name}`),
        (error: unknown) => {
          clearTimeout(timer);
          resolve(error);
        },
      );
    });
    expect(ended).toBeNull();
    expect(seen).toEqual(['ADDED w-1', 'ADDED w-2', 'ADDED w-3']);

    // kubectl's raw watch (client-go REST client) prints each event as a line and exits 0 when the stream ends.
    const raw = await execa(
      'kubectl',
      [
        '--kubeconfig',
        await kubeconfigFile(proxy, 'watch', cp.adminToken),
        'get',
        '--raw',
        `/api/v1/namespaces/${ns}/configmaps?watch=true`,
      ],
      { timeout: 20_000 },
    );
    const events = raw.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string });
    expect(events.map((e) => e.type)).toEqual(['ADDED', 'ADDED', 'ADDED']);
    await waitFor(() => proxy.journal().filter((e) => e.verb === 'watch').length === 2);

    const watches = proxy.journal().filter((e) => e.verb === 'watch');
    expect(watches.map((e) => [e.status, e.outcome, e.watchEvents, e.fault?.kind])).toEqual([
      [200, 'watch-cut', 3, 'cut-watch'],
      [200, 'watch-cut', 3, 'cut-watch'],
    ]);
  });

  it('cuts a protobuf watch stream on a frame boundary', async () => {
    const core = cp.adminKubeConfig().makeApiClient(CoreV1Api);
    const ns = 'watch-cut-protobuf';
    await core.createNamespace({ body: { metadata: { name: ns } } });
    for (let i = 1; i <= 4; i++)
      await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: `p-${i}` } } });
    const proxy = await startProxy(`apiFaults:
  rules:
    - name: cut-after-2
      match: { verb: watch, resource: configmaps, namespace: ${ns} }
      action: { cutWatch: { afterEvents: 2 } }
`);
    const { contentType, body } = await rawGet(proxy, `/api/v1/namespaces/${ns}/configmaps?watch=true`, {
      accept: 'application/vnd.kubernetes.protobuf;stream=watch',
      authorization: `Bearer ${cp.adminToken}`,
    });
    expect(contentType).toMatch(/protobuf/);
    // Length-prefixed frames, whole ones only, and nothing after the 2nd.
    const frames: Buffer[] = [];
    for (let at = 0; at < body.length; ) {
      const length = body.readUInt32BE(at);
      frames.push(body.subarray(at + 4, at + 4 + length));
      at += 4 + length;
    }
    expect(frames).toHaveLength(2);
    // Each frame is one versioned WatchEvent message: field 1 (tag 0x0a) is the event type.
    for (const frame of frames) {
      expect(frame[0]).toBe(0x0a);
      expect(frame.subarray(2, 2 + (frame[1] ?? 0)).toString()).toBe('ADDED');
    }
    await waitFor(() => proxy.journal().some((e) => e.verb === 'watch'));
    expect(proxy.journal().filter((e) => e.verb === 'watch')).toMatchObject([
      { outcome: 'watch-cut', watchEvents: 2 },
    ]);
  });

  it('cuts a quiet watch after N seconds', async () => {
    const proxy = await startProxy(`apiFaults:
  rules:
    - name: cut-after-1s
      match: { verb: watch, resource: configmaps, namespace: ${NS} }
      action: { cutWatch: { afterSeconds: 1 } }
`);
    const core = clientConfig(proxy).makeApiClient(CoreV1Api);
    const list = await core.listNamespacedConfigMap({ namespace: NS });
    const ended = await new Promise<unknown>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('the watch did not end within 20 s')), 20_000);
      void new Watch(clientConfig(proxy)).watch(
        `/api/v1/namespaces/${NS}/configmaps`,
        { resourceVersion: list.metadata?.resourceVersion },
        () => undefined,
        (error: unknown) => {
          clearTimeout(timer);
          resolve(error);
        },
      );
    });
    expect(ended).toBeNull();
    await waitFor(() => proxy.journal().some((e) => e.verb === 'watch'));
    const [watch] = proxy.journal().filter((e) => e.verb === 'watch');
    expect(watch).toMatchObject({ outcome: 'watch-cut', watchEvents: 0, fault: { rule: 'cut-after-1s' } });
    expect(watch?.latencyMs).toBeGreaterThanOrEqual(1000);
  });

  it('hangs a request until the client gives up, and delays another before forwarding it', async () => {
    const proxy = await startProxy(`apiFaults:
  rules:
    - name: black-hole
      match: { verb: get, resource: configmaps, name: cm-hang }
      action: { hang: {} }
    - name: slow
      match: { verb: get, resource: configmaps, name: cm-delay }
      action: { delay: { ms: 300 } }
`);
    const kubeconfig = await kubeconfigFile(proxy, 'hang');
    const hung = await execa(
      'kubectl',
      ['--kubeconfig', kubeconfig, '--request-timeout=1s', 'get', 'configmap', 'cm-hang'],
      { reject: false },
    );
    expect(hung.exitCode).not.toBe(0);
    expect(hung.stderr).toMatch(/Client\.Timeout|context deadline exceeded|timeout/i);
    const delayed = await execa('kubectl', [
      '--kubeconfig',
      kubeconfig,
      'get',
      'configmap',
      'cm-delay',
      '-o',
      'name',
    ]);
    expect(delayed.stdout).toBe('configmap/cm-delay');
    // The client's give-up reaches the proxy as a closed connection, journaled as hung.
    await waitFor(() => entriesFor(proxy, 'cm-hang').length > 0);
    const [hang] = entriesFor(proxy, 'cm-hang');
    expect(hang).toMatchObject({
      status: null,
      outcome: 'hung',
      fault: { rule: 'black-hole', kind: 'hang' },
    });
    expect(hang?.latencyMs).toBeGreaterThanOrEqual(900);
    const [delay] = entriesFor(proxy, 'cm-delay');
    expect(delay).toMatchObject({
      status: 200,
      outcome: 'forwarded',
      fault: { kind: 'delay', delayMs: 300 },
    });
    expect(delay?.latencyMs).toBeGreaterThanOrEqual(300);
  });

  it('answers 502 with a Status when the API server is unreachable, and journals open watches on stop', async () => {
    // An API server that is not there: a port of the proxy's own that it has already let go.
    const gone = await ApiFaultProxy.start({ upstreamUrl: cp.serverUrl, upstreamCaPem: cp.apiServer.caPem });
    await gone.stop();
    const proxy = await ApiFaultProxy.start({ upstreamUrl: gone.url, upstreamCaPem: cp.apiServer.caPem });
    proxies.push(proxy);
    const error = await apiError(
      clientConfig(proxy)
        .makeApiClient(CoreV1Api)
        .readNamespacedConfigMap({ namespace: NS, name: 'cm-plain' }),
    );
    expect(error.code).toBe(502);
    expect(JSON.parse(error.body)).toMatchObject({ kind: 'Status', reason: 'ServiceUnavailable' });
    expect(proxy.journal()).toMatchObject([{ status: 502, outcome: 'upstream-error', name: 'cm-plain' }]);

    // A watch open through a working proxy when it stops: the client sees the end, the journal says why.
    const live = await startProxy('apiFaults:\n  rules: []\n');
    let received = 0;
    const ended = new Promise<unknown>((resolve) => {
      void new Watch(clientConfig(live)).watch(
        `/api/v1/namespaces/${NS}/configmaps`,
        {},
        () => {
          received++;
        },
        resolve,
      );
    });
    // One ADDED event per ConfigMap made in beforeAll.
    await waitFor(() => received === 6);
    expect(live.openRequests()).toBe(1);
    await Promise.all([live.stop(), live.stop()]);
    await ended;
    expect(live.journal()).toMatchObject([
      { verb: 'watch', status: 200, outcome: 'proxy-stopped', watchEvents: 6 },
    ]);
  });

  it('refuses bad options before listening, naming the option', async () => {
    await expect(
      ApiFaultProxy.start({
        upstreamUrl: cp.serverUrl.replace('https:', 'http:'),
        upstreamCaPem: cp.apiServer.caPem,
      }),
    ).rejects.toThrow(/upstreamUrl must be the API server's https:\/\/ URL/);
    await expect(ApiFaultProxy.start({ upstreamUrl: cp.serverUrl, upstreamCaPem: '' })).rejects.toThrow(
      /upstreamCaPem must be the PEM CA bundle/,
    );
  });

  it('passes tokens through unchanged: RBAC is still the real API server’s', async () => {
    const proxy = await startProxy('apiFaults:\n  rules: []\n');
    const denied = await apiError(
      clientConfig(proxy, nobodyToken)
        .makeApiClient(CoreV1Api)
        .readNamespacedConfigMap({ namespace: NS, name: 'cm-plain' }),
    );
    expect(denied.code).toBe(403);
    const status = JSON.parse(denied.body) as { reason: string; message: string };
    expect(status.reason).toBe('Forbidden');
    expect(status.message).toContain(`system:serviceaccount:${NS}:nobody`);
    const allowed = await clientConfig(proxy)
      .makeApiClient(CoreV1Api)
      .readNamespacedConfigMap({ namespace: NS, name: 'cm-plain' });
    expect(allowed.data?.k).toBe('cm-plain');
    expect(entriesFor(proxy, 'cm-plain').map((e) => [e.user, e.status, e.outcome, e.fault])).toEqual([
      [`system:serviceaccount:${NS}:nobody`, 403, 'forwarded', undefined],
      [`system:serviceaccount:${NS}:writer`, 200, 'forwarded', undefined],
    ]);
  });
});

async function waitFor(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** A plain HTTPS GET through the proxy (trusting its CA), the whole body once the server ends it. */
async function rawGet(
  proxy: ApiFaultProxy,
  path: string,
  headers: Record<string, string>,
): Promise<{ contentType: string | undefined; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(`${proxy.url}${path}`, { ca: proxy.caPem, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ contentType: res.headers['content-type'], body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.setTimeout(20_000, () => req.destroy(new Error('no end of the stream within 20 s')));
    req.on('error', reject);
    req.end();
  });
}
