import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { CoordinationV1Api, CoreV1Api, CustomObjectsApi } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ETCD, KUBE_APISERVER, V1ALPHA1_CRDS } from '../../binaries/component-catalog.ts';
import { applyObjects } from '../../cosi/kube-apply.ts';
import { V1ALPHA1_OBJECTS } from '../../cosi/v1alpha1-objects.ts';
import { provisionBinary } from './binary-provisioner.ts';
import { ControlPlanePool, defaultPlanes, PLANES_ENV, type PoolablePlane } from './control-plane-pool.ts';
import { CosiPlane, type PlaneApi } from './cosi-plane.ts';

/** A stand-in plane for the pool's scheduling: keyed, and counting what the pool did to it. */
class CountingPlane implements PoolablePlane {
  resets = 0;
  stopped = false;
  failReset = false;
  constructor(
    readonly key: string,
    readonly seq: number,
  ) {}
  async reset(): Promise<void> {
    await sleep(5);
    if (this.failReset) throw new Error('reset refused');
    this.resets++;
  }
  async stop(): Promise<void> {
    this.stopped = true;
  }
}

const api = (version: string): PlaneApi => ({
  era: 'v1alpha1',
  crds: { module: 'example.com/crds', version, folder: 'crds' },
});
const A = api('v1');
const B = api('v2');

function countingPool(max: number, startMs = 5) {
  const planes: CountingPlane[] = [];
  let live = 0;
  let mostLive = 0;
  const resetFailed: CountingPlane[] = [];
  const pool = new ControlPlanePool<CountingPlane>({
    max,
    start: async (a, seq) => {
      live++;
      mostLive = Math.max(mostLive, live);
      await sleep(startMs);
      const p = new CountingPlane(`${a.era}|${a.crds.module}@${a.crds.version}`, seq);
      const stop = p.stop.bind(p);
      p.stop = async () => {
        live--;
        await stop();
      };
      planes.push(p);
      return p;
    },
    onResetFailed: (p) => resetFailed.push(p),
  });
  return { pool, planes, resetFailed, mostLive: () => mostLive };
}

describe('ControlPlanePool: which plane a stack gets', () => {
  it('lends a released plane of the same API again, reset, instead of starting one', async () => {
    const { pool, planes } = countingPool(1);
    const first = await pool.acquire(A);
    expect(first.reused).toBe(false);
    await first.release();
    const second = await pool.acquire(A);
    expect(second.reused).toBe(true);
    expect(second.plane).toBe(first.plane);
    expect(second.plane.resets).toBe(1);
    expect(second.since).toBeGreaterThanOrEqual(first.since);
    expect(pool.started).toBe(1);
    expect(pool.reused).toBe(1);
    await second.release();
    await pool.stop();
    expect(planes.every((p) => p.stopped)).toBe(true);
  });

  it('waits for a release when every plane is lent, then hands the freed plane to the waiter', async () => {
    const { pool } = countingPool(1);
    const held = await pool.acquire(A);
    let got = false;
    const waiting = pool.acquire(A).then((l) => {
      got = true;
      return l;
    });
    await sleep(30);
    expect(got).toBe(false);
    await held.release();
    const next = await waiting;
    expect(next.plane).toBe(held.plane);
    await next.release();
    await pool.stop();
  });

  it('stops an idle plane of another API to make room when the pool is full', async () => {
    const { pool, planes } = countingPool(1);
    const a = await pool.acquire(A);
    await a.release();
    const b = await pool.acquire(B);
    expect(b.reused).toBe(false);
    expect(planes.map((p) => [p.key.endsWith('@v1'), p.stopped])).toEqual([
      [true, true],
      [false, false],
    ]);
    await b.release();
    await pool.stop();
  });

  it('never keeps more than max planes alive, whatever the mix of APIs', async () => {
    const { pool, mostLive } = countingPool(3, 2);
    const work = Array.from({ length: 24 }, async (_, i) => {
      const lease = await pool.acquire(i % 3 === 0 ? A : B);
      await sleep(1 + (i % 4));
      await lease.release();
    });
    await Promise.all(work);
    await pool.stop();
    expect(mostLive()).toBeLessThanOrEqual(3);
    expect(pool.started + pool.reused).toBe(24);
    expect(pool.reused).toBeGreaterThan(0);
  });

  it('stops a plane whose reset failed instead of lending it, and says so', async () => {
    const { pool, planes, resetFailed } = countingPool(1);
    const first = await pool.acquire(A);
    first.plane.failReset = true;
    await first.release();
    expect(resetFailed).toEqual([first.plane]);
    expect(first.plane.stopped).toBe(true);
    const second = await pool.acquire(A);
    expect(second.reused).toBe(false);
    expect(planes).toHaveLength(2);
    await second.release();
    await pool.stop();
  });

  it('refuses waiters and stops every plane, a start in flight included, when stopped', async () => {
    const { pool, planes } = countingPool(1, 50);
    const starting = pool.acquire(A);
    starting.catch(() => {});
    await sleep(5);
    await pool.stop();
    await expect(starting).rejects.toThrow(/stopping/);
    expect(planes.every((p) => p.stopped)).toBe(true);
    await expect(pool.acquire(A)).rejects.toThrow(/stopping/);
  });

  it('once refused, stops a plane given back instead of resetting it for nobody, and lends no more', async () => {
    const { pool } = countingPool(2);
    const lease = await pool.acquire(A);
    pool.refuse();
    await lease.release();
    expect(lease.plane.resets).toBe(0);
    expect(lease.plane.stopped).toBe(true);
    await expect(pool.acquire(A)).rejects.toThrow(/stopping/);
    await pool.stop();
  });

  it('sizes itself from $COSI_CHAOS_PLANES, else from memory, never below 2', () => {
    expect(defaultPlanes({ [PLANES_ENV]: '5' })).toBe(5);
    expect(defaultPlanes({ [PLANES_ENV]: 'many' })).toBeGreaterThanOrEqual(2);
    expect(defaultPlanes({})).toBeGreaterThanOrEqual(2);
    expect(defaultPlanes({})).toBeLessThanOrEqual(16);
    expect(() => new ControlPlanePool({ max: 0, start: async () => ({}) as CosiPlane })).toThrow(
      /at least one/,
    );
  });
});

// The reset on the real etcd and kube-apiserver: what a stack leaves is gone, what the next applies over stays.
describe('CosiPlane.reset on a real kube-apiserver', () => {
  let dir: string;
  let plane: CosiPlane;

  beforeAll(async () => {
    const [etcd, apiServer] = await Promise.all([provisionBinary(ETCD), provisionBinary(KUBE_APISERVER)]);
    dir = await mkdtemp(join(tmpdir(), 'cosi-chaos-plane-'));
    plane = await CosiPlane.start({
      api: { era: 'v1alpha1', crds: V1ALPHA1_CRDS },
      etcdBinary: etcd.path,
      kubeApiServerBinary: apiServer.path,
      dir: join(dir, 'plane'),
    });
  }, 180_000);

  afterAll(async () => {
    await plane?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('removes COSI objects held by finalizers, Events and sidecar Leases; keeps namespaces', async () => {
    const kc = plane.adminKubeConfig();
    const o = V1ALPHA1_OBJECTS;
    const ns = 'scenario-ns';
    await applyObjects(kc, [{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } }]);
    const held = { finalizers: ['cosi.objectstorage.k8s.io/test-protection'] };
    const cls = o.bucketClass({ name: 'cls', driverName: 'd', deletionPolicy: 'Delete', parameters: {} });
    const claim = o.bucketClaim({ name: 'claim', namespace: ns, className: 'cls', protocols: ['S3'] });
    await applyObjects(kc, [
      { ...cls, metadata: { ...cls.metadata, ...held } },
      { ...claim, metadata: { ...claim.metadata, ...held } },
    ]);
    const custom = kc.makeApiClient(CustomObjectsApi);
    // Deleted while held: the state a stopped sidecar leaves a claim in.
    await custom.deleteNamespacedCustomObject({
      group: 'objectstorage.k8s.io',
      version: 'v1alpha1',
      namespace: ns,
      plural: 'bucketclaims',
      name: 'claim',
    });
    const core = kc.makeApiClient(CoreV1Api);
    await core.createNamespacedEvent({
      namespace: ns,
      body: {
        metadata: { name: 'claim.1' },
        involvedObject: { kind: 'BucketClaim', name: 'claim', namespace: ns },
        reason: 'FailedCreateBucket',
        message: 'from the stack before',
      },
    });
    const leases = kc.makeApiClient(CoordinationV1Api);
    await leases.createNamespacedLease({
      namespace: ns,
      body: { metadata: { name: 'driver-leader' }, spec: { holderIdentity: 'gone-sidecar' } },
    });

    await plane.reset();

    const list = async (plural: string) =>
      (
        (await custom.listClusterCustomObject({
          group: 'objectstorage.k8s.io',
          version: 'v1alpha1',
          plural,
        })) as { items: unknown[] }
      ).items;
    expect(await list('bucketclaims')).toEqual([]);
    expect(await list('bucketclasses')).toEqual([]);
    expect((await core.listNamespacedEvent({ namespace: ns })).items).toEqual([]);
    expect((await leases.listNamespacedLease({ namespace: ns })).items).toEqual([]);
    // kube-apiserver's own identity Leases are not a stack's.
    expect((await leases.listNamespacedLease({ namespace: 'kube-system' })).items.length).toBeGreaterThan(0);
    expect((await core.readNamespace({ name: ns })).metadata?.name).toBe(ns);
    expect(existsSync(plane.auditLogFile)).toBe(true);
    // The same names apply again on the reset plane.
    await applyObjects(kc, [cls, claim]);
    expect(await list('bucketclaims')).toHaveLength(1);
    await plane.reset();
    expect(await list('bucketclaims')).toEqual([]);
  }, 120_000);
});
