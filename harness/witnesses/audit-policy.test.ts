import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { CoordinationV1Api, CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ETCD, KUBE_APISERVER } from '../binaries/component-catalog.ts';
import { LocalControlPlane } from '../control-plane/local-control-plane.ts';
import { requestServiceAccountToken } from '../cosi/service-account-token.ts';
import { provisionBinary } from '../runner/start/binary-provisioner.ts';
import { type AuditSummary, summarizeAuditLog } from './audit-log-witness.ts';
import { AUDIT_POLICY_FILE } from './audit-policy.ts';

// The real kube-apiserver with the witnesses' policy: what it writes, what it leaves out, and the codes.
let cp: LocalControlPlane;
let dir: string;
let logFile: string;

beforeAll(async () => {
  const [etcd, api] = await Promise.all([provisionBinary(ETCD), provisionBinary(KUBE_APISERVER)]);
  dir = await mkdtemp(join(tmpdir(), 'cosi-chaos-audit-'));
  logFile = join(dir, 'audit.jsonl');
  cp = await LocalControlPlane.start({
    etcdBinary: etcd.path,
    apiServerBinary: api.path,
    audit: { policyFile: AUDIT_POLICY_FILE, logFile },
  });
});

afterAll(async () => {
  await cp?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const ADMIN = 'cosi-chaos-admin';

// The ResponseComplete line is written as the handler returns, just after the response: allow it a moment.
async function summaryWhen(done: (s: AuditSummary) => boolean): Promise<AuditSummary> {
  let s = summarizeAuditLog('');
  for (let i = 0; i < 50; i++) {
    s = summarizeAuditLog(await readFile(logFile, 'utf8').catch(() => ''));
    if (done(s)) break;
    await sleep(100);
  }
  return s;
}

describe('audit policy on a real kube-apiserver', () => {
  it('logs Event writes with body and code, refused ones too, and Lease writes; not reads or other resources', async () => {
    const admin = cp.adminKubeConfig();
    const core = admin.makeApiClient(CoreV1Api);
    await core.createNamespace({ body: { metadata: { name: 'w' } } });
    await core.createNamespacedServiceAccount({ namespace: 'w', body: { metadata: { name: 'nobody' } } });
    const nobody = new KubeConfig();
    nobody.loadFromString(
      cp.kubeconfigFor('nobody', await requestServiceAccountToken(admin, 'w', 'nobody'), 'w'),
    );

    const event = {
      // An Event about a cluster-scoped object lives in default.
      metadata: { name: 'b1.18ecb8', namespace: 'default' },
      involvedObject: { kind: 'Bucket', name: 'b1' },
      reason: 'FailedCreateBucket',
      message: 'Invalid bucket name',
      type: 'Warning',
      count: 1,
    };
    await core.createNamespacedEvent({ namespace: 'default', body: event });
    await core.patchNamespacedEvent({
      namespace: 'default',
      name: 'b1.18ecb8',
      body: [{ op: 'replace', path: '/count', value: 2 }],
    });
    const refused = await nobody
      .makeApiClient(CoreV1Api)
      .createNamespacedEvent({
        namespace: 'default',
        body: { ...event, metadata: { name: 'b1.2', namespace: 'default' } },
      })
      .then(
        () => 'created',
        (e: { code?: number }) => e.code,
      );
    expect(refused).toBe(403);
    await core.listNamespacedEvent({ namespace: 'default' });
    await core.createNamespacedConfigMap({ namespace: 'w', body: { metadata: { name: 'not-audited' } } });
    await admin.makeApiClient(CoordinationV1Api).createNamespacedLease({
      namespace: 'w',
      body: { metadata: { name: 'l' }, spec: { holderIdentity: 'me' } },
    });

    const s = await summaryWhen((x) => x.leases.some((l) => l.name === 'l'));
    const nobodyUser = 'system:serviceaccount:w:nobody';
    expect(s.events.filter((e) => e.involvedObject.endsWith('/b1') || e.user === nobodyUser)).toEqual([
      {
        user: ADMIN,
        involvedObject: 'Bucket/b1',
        reasons: ['FailedCreateBucket'],
        creates: { 201: 1 },
        patches: { 200: 1 },
        lastCount: 2,
      },
      // Refused by RBAC before the body is read: not even the Event's name is known, only user and code.
      {
        user: nobodyUser,
        involvedObject: '',
        reasons: [],
        creates: { 403: 1 },
        patches: {},
        lastCount: 0,
      },
    ]);
    expect(s.leases).toContainEqual({ user: ADMIN, namespace: 'w', name: 'l', writes: { 201: 1 } });
    const text = await readFile(logFile, 'utf8');
    expect(text).not.toContain('not-audited');
    expect(text).not.toContain('"verb":"list"');
    expect(text).not.toContain('"stage":"RequestReceived"');
    expect(s.unreadableLines).toBe(0);
  });
});
