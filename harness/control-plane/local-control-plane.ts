import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { Etcd } from './etcd.ts';
import { type ApiServerAudit, type ApiServerPlacement, KubeApiServer } from './kube-apiserver.ts';
import { renderKubeconfig } from './kubeconfig.ts';
import { type ControlPlaneSecrets, writeControlPlaneSecrets } from './service-account-keys.ts';

export interface LocalControlPlaneOptions {
  etcdBinary: string;
  apiServerBinary: string;
  /** Directory for logs and data; a new temp dir (removed on stop) when omitted. */
  workDir?: string;
  /** Keep workDir on stop (logs for a failed run). */
  keepWorkDir?: boolean;
  /** Write a kube-apiserver audit log (the witnesses' record of every write); off when unset. */
  audit?: ApiServerAudit;
  /** Non-loopback address and extra flags for a node-backed cluster; loopback only when unset. */
  apiServer?: ApiServerPlacement;
  /** Told when etcd and then kube-apiserver are ready (a run's phase timings). */
  onPhase?: (phase: 'etcd ready' | 'kube-apiserver ready') => void;
}

/**
 * etcd + kube-apiserver as child processes on free loopback ports. Starts in order, rolls back what started
 * when a later part fails, stops in reverse order and removes its temp dir.
 */
export class LocalControlPlane {
  private stopped: Promise<void> | undefined;
  private adminKc: KubeConfig | undefined;

  private constructor(
    readonly workDir: string,
    private readonly ownsWorkDir: boolean,
    private readonly etcd: Etcd,
    readonly apiServer: KubeApiServer,
    /** Admin kubeconfig file (system:masters token), for the harness only. */
    readonly adminKubeconfigPath: string,
    readonly adminToken: string,
    /** Key files and token file (kube-controller-manager signs ServiceAccount tokens with the same key). */
    readonly secrets: ControlPlaneSecrets,
  ) {}

  static async start(opts: LocalControlPlaneOptions): Promise<LocalControlPlane> {
    const ownsWorkDir = !opts.workDir;
    const workDir = opts.workDir ?? (await mkdtemp(join(tmpdir(), 'cosi-chaos-cp-')));
    const secrets = await writeControlPlaneSecrets(workDir);
    let etcd: Etcd | undefined;
    try {
      etcd = await Etcd.start(opts.etcdBinary, workDir);
      opts.onPhase?.('etcd ready');
      const api = await KubeApiServer.start(
        opts.apiServerBinary,
        workDir,
        etcd.clientUrl,
        secrets,
        undefined,
        opts.audit,
        opts.apiServer,
      );
      opts.onPhase?.('kube-apiserver ready');
      const adminKubeconfigPath = join(workDir, 'admin.kubeconfig');
      await writeFile(
        adminKubeconfigPath,
        renderKubeconfig({
          server: api.url,
          caPem: api.caPem,
          user: 'cosi-chaos-admin',
          token: secrets.adminToken,
        }),
        { mode: 0o600 },
      );
      return new LocalControlPlane(
        workDir,
        ownsWorkDir && !opts.keepWorkDir,
        etcd,
        api,
        adminKubeconfigPath,
        secrets.adminToken,
        secrets,
      );
    } catch (err) {
      await etcd?.stop();
      if (ownsWorkDir && !opts.keepWorkDir) await rm(workDir, { recursive: true, force: true });
      throw err;
    }
  }

  get serverUrl(): string {
    return this.apiServer.url;
  }

  /** A client-node KubeConfig for the admin user (read once: the file never changes). */
  adminKubeConfig(): KubeConfig {
    if (!this.adminKc) {
      this.adminKc = new KubeConfig();
      this.adminKc.loadFromFile(this.adminKubeconfigPath);
    }
    return this.adminKc;
  }

  /** Kubeconfig text for another identity (a ServiceAccount token) on this API server. */
  kubeconfigFor(user: string, token: string, namespace?: string): string {
    return renderKubeconfig({ server: this.serverUrl, caPem: this.apiServer.caPem, user, token, namespace });
  }

  /** Idempotent: stops kube-apiserver, then etcd, then removes the temp dir; collects every error. */
  stop(): Promise<void> {
    this.stopped ??= (async () => {
      const errors: unknown[] = [];
      for (const part of [this.apiServer, this.etcd]) {
        await part.stop().catch((e: unknown) => errors.push(e));
      }
      if (this.ownsWorkDir)
        await rm(this.workDir, { recursive: true, force: true }).catch((e: unknown) => errors.push(e));
      if (errors.length) throw new AggregateError(errors, 'stopping the local control plane failed');
    })();
    return this.stopped;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }
}
