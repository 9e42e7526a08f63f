import { randomBytes, randomInt } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { execa } from 'execa';
import { LocalControlPlane } from '../control-plane/local-control-plane.ts';
import { buildPauseImage } from '../images/index.ts';
import { Containerd, CRI_NAMESPACE, containerdPaths } from './containerd.ts';
import { SANDBOX_IMAGE } from './containerd-config.ts';
import type { HealthzComponent } from './healthz-component.ts';
import { primaryHostAddress } from './host-address.ts';
import { startControllerManager } from './kube-controller-manager.ts';
import { startKubeProxy } from './kube-proxy.ts';
import { startScheduler } from './kube-scheduler.ts';
import { kubeletPaths, startKubelet } from './kubelet.ts';
import { writeKubeletClientTls } from './kubelet-client-tls.ts';
import { provisionNodeClusterBinaries } from './node-binaries.ts';
import { type NodeFootprint, renderNodeCleanupScript } from './node-cleanup-script.ts';
import { NodeHostLock } from './node-host-lock.ts';
import { nodeClusterUnavailable } from './node-prerequisites.ts';
import { NodeReaper } from './node-reaper.ts';
import { type SingleNodeClusterOptions, validateNodeClusterOptions } from './single-node-cluster-options.ts';
import { explainStartFailure } from './start-failure.ts';

type Stoppable = { stop(): Promise<void> };

/**
 * A real single-node Kubernetes cluster on this machine: etcd + kube-apiserver (LocalControlPlane on the host's
 * primary IPv4), containerd of its own with a CNI bridge, kubelet (Node registered with the admin token),
 * kube-controller-manager, kube-scheduler and kube-proxy (iptables: pods reach 10.0.0.1:443). Needs root.
 * `stop()` is idempotent and undoes everything; a reaper does the same when the harness dies, even by SIGKILL.
 */
export class SingleNodeCluster {
  private stopped: Promise<void> | undefined;

  private constructor(
    /** The cluster's dir: logs of every component, data, mounts. */
    readonly workDir: string,
    readonly nodeName: string,
    readonly nodeIp: string,
    readonly podSubnet: string,
    readonly controlPlane: LocalControlPlane,
    private readonly containerd: Containerd,
    private readonly parts: Teardown,
  ) {}

  static async start(opts: SingleNodeClusterOptions = {}): Promise<SingleNodeCluster> {
    validateNodeClusterOptions(opts);
    const progress = opts.progress ?? (() => {});
    const unavailable = nodeClusterUnavailable();
    if (unavailable) throw unavailable;
    const nodeIp = opts.nodeIp ?? (primaryHostAddress() as string);
    const nodeName = opts.nodeName ?? 'cosi-chaos-node';
    const podSubnet = opts.podSubnet ?? `10.${200 + randomInt(50)}.${randomInt(256)}.0/24`;

    const binaries = await provisionNodeClusterBinaries(opts.binaries, (phase, detail) =>
      progress(`${phase}: ${detail}`),
    );
    const started = Date.now();
    const since = () => `${((Date.now() - started) / 1000).toFixed(1)} s`;
    const dir = opts.workDir ?? (await mkdtemp(join(tmpdir(), 'cosi-chaos-node-')));
    await mkdir(dir, { recursive: true });
    const lock = await NodeHostLock.acquire(undefined, (pid) =>
      progress(`waiting for the single-node cluster of process ${pid} to stop (one per machine)`),
    );
    // A dir the caller gave is theirs (logs), as with LocalControlPlane: only a temp dir of our own is removed.
    const removeDir = !opts.workDir && !opts.keepWorkDir;
    const parts = new Teardown(dir, `cc${randomBytes(3).toString('hex')}`, removeDir, lock);
    try {
      await parts.armReaper();
      const tls = await writeKubeletClientTls(dir);
      await mkdir(join(dir, 'control-plane'));
      const cp = await LocalControlPlane.start({
        etcdBinary: binaries.etcd,
        apiServerBinary: binaries.kubeApiServer,
        workDir: join(dir, 'control-plane'),
        apiServer: {
          address: nodeIp,
          extraArgs: [
            '--kubelet-preferred-address-types=InternalIP',
            `--kubelet-client-certificate=${tls.certFile}`,
            `--kubelet-client-key=${tls.keyFile}`,
          ],
        },
      });
      parts.controlPlane = cp;
      progress(`kube-apiserver ready at ${cp.serverUrl} (${since()})`);

      const containerd = await Containerd.start('containerd', dir, parts.network(podSubnet)).catch((e) => {
        throw explainStartFailure('containerd', e);
      });
      parts.containerd = containerd;
      const pauseArchive =
        opts.pauseImageArchive ??
        (await buildPauseImage({ ref: SANDBOX_IMAGE, progress: (p, d) => progress(`${p}: ${d}`) }))
          .archivePath;
      await containerd.importImage(pauseArchive);
      progress(`containerd ready at ${containerd.paths.socket}, sandbox image imported (${since()})`);

      const kubeconfig = cp.adminKubeconfigPath;
      const [kcm, scheduler] = await Promise.allSettled([
        startControllerManager({
          binary: binaries.kubeControllerManager,
          dir,
          kubeconfig,
          serviceAccountKeyFile: cp.secrets.saSigningKeyFile,
          rootCaFile: join(dir, 'control-plane', 'apiserver-certs', 'apiserver.crt'),
        }),
        startScheduler({ binary: binaries.kubeScheduler, dir, kubeconfig }),
      ]);
      for (const r of [kcm, scheduler]) if (r.status === 'fulfilled') parts.components.push(r.value);
      for (const r of [kcm, scheduler]) if (r.status === 'rejected') throw r.reason;
      progress(`kube-controller-manager and kube-scheduler ready (${since()})`);

      parts.kubelet = await startKubelet({
        binary: binaries.kubelet,
        dir,
        nodeName,
        nodeIp,
        port: opts.kubeletPort,
        kubeconfig,
        containerdSocket: containerd.paths.socket,
        clientCaFile: tls.caFile,
      }).catch((e) => {
        throw explainStartFailure('kubelet', e);
      });
      progress(`kubelet healthy (${since()})`);
      parts.components.push(
        await startKubeProxy({
          binary: binaries.kubeProxy,
          dir,
          kubeconfig,
          nodeName,
          clusterCidr: podSubnet,
        }),
      );
      progress(`kube-proxy ready (${since()})`);

      const core = cp.adminKubeConfig().makeApiClient(CoreV1Api);
      await waitFor(
        parts.kubelet,
        `Node ${nodeName} Ready`,
        opts.nodeReadyTimeoutMs ?? 180_000,
        async () =>
          (await core.readNode({ name: nodeName })).status?.conditions?.some(
            (c) => c.type === 'Ready' && c.status === 'True',
          ) ?? false,
      );
      progress(`Node ${nodeName} Ready (${since()})`);
      // Pods are refused until the ServiceAccount controller has made the namespace's `default` account.
      await waitFor(
        kcm.status === 'fulfilled' ? kcm.value : undefined,
        'ServiceAccount default/default',
        60_000,
        async () =>
          Boolean(await core.readNamespacedServiceAccount({ name: 'default', namespace: 'default' })),
      );
      return new SingleNodeCluster(dir, nodeName, nodeIp, podSubnet, cp, containerd, parts);
    } catch (err) {
      await parts.run().catch(() => {});
      throw err;
    }
  }

  /** The admin kubeconfig (system:masters token) on https://<nodeIp>:<port>. */
  get adminKubeconfigPath(): string {
    return this.controlPlane.adminKubeconfigPath;
  }

  get serverUrl(): string {
    return this.controlPlane.serverUrl;
  }

  /** The CNI bridge interface the pods hang off (deleted on stop). */
  get podBridge(): string {
    return this.parts.bridge;
  }

  /** containerd's gRPC socket (ctr --address). */
  get containerdSocket(): string {
    return this.containerd.paths.socket;
  }

  /** A client-node KubeConfig for the admin user. */
  adminKubeConfig(): KubeConfig {
    return this.controlPlane.adminKubeConfig();
  }

  /** Imports a docker-save or OCI archive for Pods with imagePullPolicy Never (ctr -n k8s.io images import). */
  importImage(archivePath: string): Promise<void> {
    return this.containerd.importImage(archivePath);
  }

  /**
   * Idempotent: stops kube-proxy, scheduler, controller manager, kubelet, containerd, the control plane, then runs
   * the clean-up script (remaining tasks and shims, mounts, bridge, KUBE-* chains, the dir); collects every error.
   */
  stop(): Promise<void> {
    this.stopped ??= this.parts.run();
    return this.stopped;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }
}

/** The namespace of the images and containers kubelet uses, for callers that run ctr themselves. */
export const NODE_CLUSTER_CRI_NAMESPACE = CRI_NAMESPACE;

/** What started so far, and how to undo it: used by a failed start and by stop(). */
class Teardown {
  controlPlane: LocalControlPlane | undefined;
  containerd: Containerd | undefined;
  kubelet: HealthzComponent | undefined;
  /** Controller manager, scheduler, kube-proxy. */
  components: HealthzComponent[] = [];
  private reaper: NodeReaper | undefined;
  private readonly script: string;

  constructor(
    readonly dir: string,
    readonly bridge: string,
    private readonly removeDir: boolean,
    private readonly lock: NodeHostLock,
  ) {
    this.script = join(dir, 'node-cleanup.sh');
  }

  network(subnet: string) {
    return { bridge: this.bridge, subnet, ipamDataDir: join(this.dir, 'cni-ipam') };
  }

  /** Writes the clean-up script and starts the reaper that runs it if the harness dies. */
  async armReaper(): Promise<void> {
    const { socket, runcRoot, state } = containerdPaths(this.dir);
    const { rootDir, podLogsDir } = kubeletPaths(this.dir);
    const footprint: NodeFootprint = {
      dir: this.dir,
      containerdSocket: socket,
      runcRoot,
      taskDir: join(state, 'io.containerd.runtime.v2.task', CRI_NAMESPACE),
      bridge: this.bridge,
      podLogsDir,
      kubeletRootDir: rootDir,
      removeDir: this.removeDir,
      hostLock: this.lock.dir,
    };
    await writeFile(this.script, renderNodeCleanupScript(footprint));
    await chmod(this.script, 0o700);
    this.reaper = NodeReaper.start(this.script, join(this.dir, 'node-reaper.log'));
    if (this.reaper.pid) await this.lock.handOver(this.reaper.pid);
  }

  async run(): Promise<void> {
    const errors: unknown[] = [];
    const attempt = async (p: Stoppable | undefined) => {
      await p?.stop().catch((e: unknown) => errors.push(e));
    };
    for (const c of [...this.components].reverse()) await attempt(c);
    await attempt(this.kubelet);
    await attempt(this.containerd);
    await attempt(this.controlPlane);
    const res = await execa('bash', [this.script, String(process.pid)], {
      reject: false,
      all: true,
      timeout: 60_000,
    });
    if (res.exitCode !== 0) errors.push(new Error(`node clean-up script failed: ${res.all ?? res.message}`));
    await this.reaper?.dismiss();
    await this.lock.release().catch((e: unknown) => errors.push(e));
    // The script removes the dir itself, and only once nothing is mounted under it: never rm across a mount.
    if (this.removeDir && existsSync(this.dir))
      errors.push(
        new Error(`${this.dir} is still there (a mount under it could not be undone): see ${this.script}`),
      );
    if (errors.length) throw new AggregateError(errors, 'stopping the single-node cluster failed');
  }
}

/** Polls `probe` until true; fails early with the component's log tail when it exits. */
async function waitFor(
  owner: HealthzComponent | undefined,
  what: string,
  timeoutMs: number,
  probe: () => Promise<boolean>,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (owner?.process.hasExited) break;
    if (await probe().catch(() => false)) return;
    await sleep(500);
  }
  const tail = owner ? `\nLast lines of ${owner.process.spec.logFile}:\n${owner.process.logTail()}` : '';
  throw new Error(`${what}: not reached within ${Math.round(timeoutMs / 1000)} s${tail}`);
}
