import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { CoordinationV1Api, CoreV1Api, CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import type { CrdSource } from '../../binaries/component-catalog.ts';
import { LocalControlPlane } from '../../control-plane/local-control-plane.ts';
import { removeCosiObject } from '../../cosi/cosi-object-removal.ts';
import { COSI_GROUP } from '../../cosi/cosi-objects.ts';
import { crdManifests, installCrds } from '../../cosi/crd-installer.ts';
import { timedApiClient } from '../../cosi/timed-api-client.ts';
import type { Era } from '../../results/run-results.ts';
import { AUDIT_POLICY_FILE } from '../../witnesses/audit-policy.ts';

/** The kube-apiserver's audit log in each plane's folder. */
const AUDIT_LOG = 'audit.jsonl';

/** What a plane serves: one era's CRDs from one module version. Planes of the same key are interchangeable. */
export interface PlaneApi {
  era: Era;
  crds: CrdSource;
}

export function planeKey(api: PlaneApi): string {
  return `${api.era}|${api.crds.module}@${api.crds.version}`;
}

/**
 * etcd + kube-apiserver (auditing every COSI, Event and Lease write) with one release's COSI CRDs established:
 * what every stack of that release needs and nothing a stack leaves behind once `reset()` ran.
 */
export class CosiPlane {
  private constructor(
    readonly api: PlaneApi,
    readonly controlPlane: LocalControlPlane,
    readonly dir: string,
  ) {}

  get key(): string {
    return planeKey(this.api);
  }

  get auditLogFile(): string {
    return join(this.dir, AUDIT_LOG);
  }

  static async start(args: {
    api: PlaneApi;
    etcdBinary: string;
    kubeApiServerBinary: string;
    dir: string;
    /** Wipe `dir` first (a folder of its own); false when it is a stack's folder the caller just made. */
    fresh?: boolean;
    progress?: (detail: string) => void;
    mark?: (phase: string) => void;
  }): Promise<CosiPlane> {
    if (args.fresh !== false) await rm(args.dir, { recursive: true, force: true });
    await mkdir(args.dir, { recursive: true });
    args.progress?.(`starting etcd and kube-apiserver in ${args.dir}`);
    const cp = await LocalControlPlane.start({
      etcdBinary: args.etcdBinary,
      apiServerBinary: args.kubeApiServerBinary,
      workDir: args.dir,
      keepWorkDir: true,
      onPhase: args.mark,
      // The witnesses' record of every COSI, Event and Lease write (harness/witnesses/audit-policy.yaml).
      audit: { policyFile: AUDIT_POLICY_FILE, logFile: join(args.dir, AUDIT_LOG) },
    });
    try {
      args.progress?.(`installing ${args.api.era} CRDs (${args.api.crds.module}@${args.api.crds.version})`);
      await installCrds(cp.adminKubeConfig(), await crdManifests(args.api.crds));
      args.mark?.('CRDs established');
      return new CosiPlane(args.api, cp, args.dir);
    } catch (err) {
      await cp.stop().catch(() => {});
      throw err;
    }
  }

  /**
   * Removes what a stopped stack can leave for the next one: every COSI object (finalizers stripped first: the
   * controller and sidecars that would remove them are gone), every Event (a later scenario's inspection lists
   * Events by object name, and names repeat) and every Lease outside kube-system (a v1alpha1 sidecar of the same
   * driver name would wait out the old holder's lease). Namespaces, RBAC and Secrets stay: the next stack applies
   * its own over them, and with no namespace controller here a deleted namespace would never go.
   */
  async reset(timeoutMs = 60_000): Promise<void> {
    const kc = this.controlPlane.adminKubeConfig();
    const version = this.api.era;
    const custom = timedApiClient(kc, CustomObjectsApi);
    const plurals = ['bucketaccesses', 'bucketclaims', 'buckets', 'bucketaccessclasses', 'bucketclasses'];
    const deadline = Date.now() + timeoutMs;
    // In parallel: nothing watches these objects any more, so their order does not matter (a reset is on the path
    // of the plane's next group).
    const emptyCosi = async (plural: string) => {
      for (;;) {
        const items = await listCosi(custom, version, plural);
        if (items.length === 0) return;
        if (Date.now() > deadline)
          throw new Error(
            `resetting ${this.dir}: ${items.length} ${plural} still there after ${timeoutMs / 1000} s`,
          );
        await Promise.all(items.map((item) => removeCosi(custom, version, plural, item)));
        await sleep(50);
      }
    };
    const core = timedApiClient(kc, CoreV1Api);
    const leases = timedApiClient(kc, CoordinationV1Api);
    const namespaces = (await core.listNamespace()).items.map((n) => n.metadata?.name ?? '');
    await Promise.all([
      ...plurals.map(emptyCosi),
      ...namespaces.map(async (namespace) => {
        await core.deleteCollectionNamespacedEvent({ namespace });
        if (namespace !== 'kube-system' && namespace !== 'kube-node-lease')
          await leases.deleteCollectionNamespacedLease({ namespace });
      }),
    ]);
  }

  async stop(): Promise<void> {
    await this.controlPlane.stop();
  }

  adminKubeConfig(): KubeConfig {
    return this.controlPlane.adminKubeConfig();
  }
}

interface Listed {
  metadata: { name: string; namespace?: string; finalizers?: string[]; deletionTimestamp?: unknown };
}

// A CRD's storage answers 429 "storage is (re)initializing" for a moment after it is established or updated.
async function listCosi(api: CustomObjectsApi, version: string, plural: string): Promise<Listed[]> {
  for (let tries = 1; ; tries++) {
    try {
      const list = (await api.listClusterCustomObject({ group: COSI_GROUP, version, plural })) as {
        items: Listed[];
      };
      return list.items;
    } catch (e) {
      if ((e as { code?: number }).code !== 429 || tries >= 20) throw e;
      await sleep(250);
    }
  }
}

// Gone already (404) is what a reset wants.
const ignoreMissing = (e: unknown) => {
  if ((e as { code?: number }).code !== 404) throw e;
};

function removeCosi(api: CustomObjectsApi, version: string, plural: string, item: Listed): Promise<void> {
  const { name, namespace } = item.metadata;
  return removeCosiObject(api, version, namespace ? { plural, name, namespace } : { plural, name }, {
    stripFinalizers: Boolean(item.metadata.finalizers?.length),
    alreadyDeleting: Boolean(item.metadata.deletionTimestamp),
    onError: ignoreMissing,
  });
}
