import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KubeConfig, KubernetesObject } from '@kubernetes/client-node';
import { grpcCodeNumber } from '../../mock-driver/index.ts';
import type { ScalityRevision } from '../binaries/component-catalog.ts';
import { applyObjects } from '../cosi/kube-apply.ts';
import { requestServiceAccountToken } from '../cosi/service-account-token.ts';
import { clusterRoleFor, rbacFromManifest, upstreamControllerRbac } from '../cosi/upstream-rbac.ts';
import { ManagedProcess } from '../process/managed-process.ts';
import { waitForReady } from '../process/wait-for.ts';
import {
  type DriverSecret,
  type DriverSelection,
  describeDriver,
  type SampleDriverConfig,
} from '../scenarios/scenario-driver.ts';
import { type InClusterAccess, inClusterLaunch, type Launch } from './in-cluster-identity.ts';
import { connects } from './listener-probe.ts';
import { S3DataDirWatch } from './s3-data-dir-watch.ts';
import type { S3Keys } from './s3-request.ts';
import { SampleDriverProcess } from './sample-driver-process.ts';
import { ScalityDriverProcess } from './scality-driver-process.ts';
import { VersityGwIamProcess } from './versitygw-iam-process.ts';
import { VersityGwProcess } from './versitygw-process.ts';

/** Binaries a real driver needs (built by the component provisioner when a scenario selects the sample driver). */
export interface RealDriverBinaries {
  sampleDriver?: string;
  versitygw?: string;
  /** The Scality driver per pinned commit (ScalityRevision.commit). */
  scality?: Record<string, string>;
}

/** The control plane a driver that reads the cluster runs beside (spec.driver scality, binary with inCluster). */
export interface DriverCluster {
  admin: KubeConfig;
  serverUrl: string;
  caPem: string;
  /** Where the driver's ServiceAccount and Secrets live (its POD_NAMESPACE). */
  namespace: string;
}

/** The S3 server behind a sample driver: where its buckets are, and the watch that records them. */
export interface S3Backend {
  server: 'versitygw';
  endpoint: string;
  dataDir: string;
  /** The server's root keys: the harness puts objects with them (spec.s3Objects). */
  keys: S3Keys;
  watch: S3DataDirWatch;
  /** The server process, for the error-mapping report (it stops it to see what the driver answers). */
  stopServer(): Promise<void>;
}

/**
 * A real driver the interposer forwards to, started for one variant (or a user's running driver): its address,
 * rules the harness puts in front of it, and stop().
 */
export interface RealDriver {
  readonly upstream: string;
  /**
   * Rules applied before the scenario's own. Binary and socket drivers name themselves: DriverGetInfo is answered
   * by the interposer with the harness's driver name, which the scenario's classes use.
   */
  readonly harnessRules: Record<string, unknown>[];
  readonly s3?: S3Backend;
  /**
   * Parameters the driver needs on the BucketClass and BucketAccessClass (the Scality driver: the Secret that
   * names its S3 server), added to the scenario's own.
   */
  readonly classParameters?: Record<string, string>;
  stop(): Promise<void>;
}

export interface RealDriverOptions {
  /** Used for file and component names. */
  id: string;
  driverName: string;
  workDir: string;
  binaries: RealDriverBinaries;
  /** Required by drivers that read the cluster (driverNeedsCluster); they start once it is up. */
  cluster?: DriverCluster;
}

const OWN_GET_INFO = [{ name: 'cosi-chaos/get-info', match: { rpc: 'getInfo' }, action: { ok: {} } }];

/** Starts the selected real driver; undefined for the mock driver (nothing to start). */
export async function startRealDriver(
  selection: DriverSelection | undefined,
  opts: RealDriverOptions,
): Promise<RealDriver | undefined> {
  switch (selection?.kind ?? 'mock') {
    case 'sample':
      return startSample((selection as Extract<DriverSelection, { kind: 'sample' }>).sample, opts);
    case 'scality':
      return startScality((selection as Extract<DriverSelection, { kind: 'scality' }>).revision, opts);
    case 'binary':
      return startBinary(selection as Extract<DriverSelection, { kind: 'binary' }>, opts);
    case 'socket':
      return {
        upstream: (selection as Extract<DriverSelection, { kind: 'socket' }>).address,
        harnessRules: OWN_GET_INFO,
        stop: async () => {},
      };
    default:
      return undefined;
  }
}

/** The sample driver's config file: its static errors carry grpc-go code numbers (codes.Code has no YAML names). */
export function sampleConfigFile(config: SampleDriverConfig): Record<string, unknown> {
  const errors = Object.fromEntries(
    Object.entries(config.errors).map(([call, e]) => [
      call,
      { code: grpcCodeNumber(e?.code ?? 'Unknown'), message: e?.message ?? '' },
    ]),
  );
  return { mode: config.mode, ...(Object.keys(errors).length ? { errors } : {}) };
}

async function startSample(config: SampleDriverConfig, opts: RealDriverOptions): Promise<RealDriver> {
  const { sampleDriver, versitygw } = opts.binaries;
  if (!sampleDriver || !versitygw)
    throw new Error('the sample driver and versitygw binaries were not provisioned');
  const s3 = await VersityGwProcess.start({ binary: versitygw, id: opts.id, workDir: opts.workDir });
  let sample: SampleDriverProcess;
  try {
    sample = await SampleDriverProcess.start({
      binary: sampleDriver,
      id: opts.id,
      driverName: opts.driverName,
      workDir: opts.workDir,
      s3,
      config: sampleConfigFile(config),
    });
  } catch (error) {
    await s3.stop();
    throw error;
  }
  const watch = new S3DataDirWatch(s3.dataDir);
  return {
    upstream: `unix://${sample.socketPath}`,
    harnessRules: [],
    s3: {
      server: 'versitygw',
      endpoint: s3.endpoint,
      dataDir: s3.dataDir,
      keys: { accessKey: s3.accessKey, secretKey: s3.secretKey },
      watch,
      stopServer: () => s3.stop(),
    },
    stop: async () => {
      watch.stop();
      await sample.stop();
      await s3.stop();
    },
  };
}

async function startBinary(
  d: Extract<DriverSelection, { kind: 'binary' }>,
  opts: RealDriverOptions,
): Promise<RealDriver> {
  // A short temporary directory: unix socket paths may have at most 107 bytes.
  const socketDir = await mkdtemp(join(tmpdir(), 'cosi-chaos-real-'));
  const socketPath = join(socketDir, 'driver.sock');
  const fill = (s: string) =>
    s.replaceAll('{socket}', socketPath).replaceAll('{driverName}', opts.driverName);
  // COSI_ENDPOINT and X_COSI_DRIVER_NAME are the upstream sample driver's conventions (and v1alpha2's endpoint).
  let launch: Launch = {
    binary: d.binary,
    args: d.args.map(fill),
    env: {
      COSI_ENDPOINT: `unix://${socketPath}`,
      X_COSI_DRIVER_NAME: opts.driverName,
      ...Object.fromEntries(Object.entries(d.env).map(([k, v]) => [k, fill(v)])),
    },
  };
  if (d.inCluster) {
    const cluster = requireCluster(opts, describeDriver(d));
    const rbac = d.inCluster;
    const access = await driverServiceAccount(cluster, USER_DRIVER_ACCOUNT, async (ns) =>
      'rbacFile' in rbac
        ? rbacFromManifest(await readFile(rbac.rbacFile, 'utf8'), ns, USER_DRIVER_ACCOUNT)
        : clusterRoleFor(USER_DRIVER_ACCOUNT, ns, rbac.rules),
    );
    await applyObjects(
      cluster.admin,
      (d.secrets ?? []).map((x) => secretObject(x, cluster.namespace)),
    );
    launch = await inClusterLaunch(access, join(opts.workDir, `driver-${opts.id}-serviceaccount`), launch);
  }
  const proc = ManagedProcess.start({
    component: `driver/${opts.id}`,
    ...launch,
    logFile: join(opts.workDir, `driver-${opts.id}.real.log`),
  });
  try {
    await waitForReady(proc, `listening on ${socketPath}`, () => connects({ path: socketPath }), 60_000);
  } catch (error) {
    await proc.stop();
    await rm(socketDir, { recursive: true, force: true });
    throw error;
  }
  return {
    upstream: `unix://${socketPath}`,
    harnessRules: OWN_GET_INFO,
    stop: async () => {
      await proc.stop();
      await rm(socketDir, { recursive: true, force: true });
    },
  };
}

// The ServiceAccount a user's in-cluster driver runs as (every variant's driver of a plane shares it).
const USER_DRIVER_ACCOUNT = 'cosi-chaos-driver';

function requireCluster(opts: RealDriverOptions, what: string): DriverCluster {
  if (!opts.cluster)
    throw new Error(
      `${what} reads the cluster through in-cluster config: it must start beside a control plane`,
    );
  return opts.cluster;
}

/** The driver's ServiceAccount with its RBAC applied, and the token a pod of it would get. */
async function driverServiceAccount(
  cluster: DriverCluster,
  name: string,
  rbac: (namespace: string) => Promise<KubernetesObject[]> | KubernetesObject[],
): Promise<InClusterAccess> {
  await applyObjects(cluster.admin, [
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name, namespace: cluster.namespace } },
    ...(await rbac(cluster.namespace)),
  ]);
  return {
    serverUrl: cluster.serverUrl,
    caPem: cluster.caPem,
    token: await requestServiceAccountToken(cluster.admin, cluster.namespace, name),
    namespace: cluster.namespace,
  };
}

function secretObject(secret: DriverSecret, namespace: string): KubernetesObject {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: secret.name, namespace: secret.namespace ?? namespace },
    stringData: secret.stringData,
    type: 'Opaque',
  } as KubernetesObject;
}

/**
 * The Scality driver as its own manifests deploy it: its ServiceAccount bound to its ClusterRole (read from the
 * module's kustomize base), a Secret with the S3 server's keys, endpoint and IAM endpoint, and the BucketClass
 * parameters naming that Secret; beside it a versitygw S3 server and a versitygw IAM server of its own.
 */
async function startScality(revision: ScalityRevision, opts: RealDriverOptions): Promise<RealDriver> {
  const cluster = requireCluster(opts, `the Scality driver ${revision.commit}`);
  const binary = opts.binaries.scality?.[revision.commit];
  const { versitygw } = opts.binaries;
  if (!binary || !versitygw)
    throw new Error(`the Scality driver ${revision.commit} and versitygw binaries were not provisioned`);
  const stops: (() => Promise<void>)[] = [];
  const stopAll = async () => {
    for (const stop of stops.reverse()) await stop().catch(() => {});
  };
  try {
    const iam = await VersityGwIamProcess.start({ binary: versitygw, id: opts.id, workDir: opts.workDir });
    stops.push(() => iam.stop());
    const s3 = await VersityGwProcess.start({
      binary: versitygw,
      id: opts.id,
      workDir: opts.workDir,
      iamDir: iam.iamDir,
    });
    stops.push(() => s3.stop());
    const rbac = await upstreamControllerRbac(revision.recipe, cluster.namespace);
    const access = await driverServiceAccount(cluster, rbac.serviceAccount, () => rbac.objects);
    const secret = `cosi-chaos-scality-s3-${opts.id}`
      .toLowerCase()
      .replace(/[^a-z0-9-]/g, '-')
      .slice(0, 63);
    await applyObjects(cluster.admin, [
      secretObject(
        {
          name: secret,
          stringData: {
            accessKeyId: s3.accessKey,
            secretAccessKey: s3.secretKey,
            endpoint: `http://${s3.endpoint}`,
            region: 'us-east-1',
            iamEndpoint: iam.endpoint,
          },
        },
        cluster.namespace,
      ),
    ]);
    const driver = await ScalityDriverProcess.start({
      binary,
      id: opts.id,
      workDir: opts.workDir,
      access,
    });
    stops.push(() => driver.stop());
    const watch = new S3DataDirWatch(s3.dataDir);
    stops.push(async () => watch.stop());
    return {
      upstream: `unix://${driver.socketPath}`,
      // Its own name is cosi.scality.com whatever the variant: the interposer names it per variant.
      harnessRules: OWN_GET_INFO,
      s3: {
        server: 'versitygw',
        endpoint: s3.endpoint,
        dataDir: s3.dataDir,
        keys: { accessKey: s3.accessKey, secretKey: s3.secretKey },
        watch,
        stopServer: () => s3.stop(),
      },
      classParameters: { objectStorageSecretName: secret, objectStorageSecretNamespace: cluster.namespace },
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}
