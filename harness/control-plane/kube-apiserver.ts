import { readFile } from 'node:fs/promises';
import { Agent, request } from 'node:https';
import { join } from 'node:path';
import { type PortReservation, reservePort } from '../process/free-port.ts';
import { ManagedProcess } from '../process/managed-process.ts';
import { waitForReady } from '../process/wait-for.ts';
import type { ControlPlaneSecrets } from './service-account-keys.ts';

/** Where the API server writes its audit log, and with which policy (harness/witnesses/audit-policy.yaml). */
export interface ApiServerAudit {
  policyFile: string;
  logFile: string;
}

/**
 * Where a node-backed cluster needs the API server (harness/node-cluster): bound to and advertised on one
 * non-loopback address (the `kubernetes` Service's Endpoints refuse loopback), plus flags appended last (pflag:
 * the last value wins). Unset: loopback only, as the local control plane has always run.
 */
export interface ApiServerPlacement {
  /** Bind, advertise and URL host, e.g. the host's primary IPv4. Default 127.0.0.1. */
  address?: string;
  extraArgs?: string[];
}

/** A started kube-apiserver on a loopback port, RBAC on, TokenRequest enabled. */
const STOP_GRACE_MS = 250;

export class KubeApiServer {
  private constructor(
    readonly url: string,
    /** The CA bundle of the self-signed serving certificate the API server generated in its cert dir. */
    readonly caPem: string,
    private readonly proc: ManagedProcess,
    private readonly port: PortReservation,
  ) {}

  static async start(
    binary: string,
    workDir: string,
    etcdUrl: string,
    secrets: ControlPlaneSecrets,
    readyTimeoutMs = 120_000,
    audit?: ApiServerAudit,
    placement: ApiServerPlacement = {},
  ): Promise<KubeApiServer> {
    const port = await reservePort();
    const certDir = join(workDir, 'apiserver-certs');
    const address = placement.address ?? '127.0.0.1';
    const url = `https://${address}:${port.port}`;
    const proc = ManagedProcess.start({
      component: 'kube-apiserver',
      binary,
      args: [
        `--etcd-servers=${etcdUrl}`,
        `--bind-address=${address}`,
        `--advertise-address=${address}`,
        `--secure-port=${port.port}`,
        `--cert-dir=${certDir}`,
        '--service-cluster-ip-range=10.0.0.0/24',
        '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
        `--service-account-key-file=${secrets.saPublicKeyFile}`,
        `--service-account-signing-key-file=${secrets.saSigningKeyFile}`,
        `--token-auth-file=${secrets.tokenAuthFile}`,
        '--authorization-mode=RBAC',
        '--allow-privileged=true',
        // One process on two cores: fairness queues only add latency here.
        '--enable-priority-and-fairness=false',
        '--v=1',
        ...(audit ? auditFlags(audit) : []),
        ...(placement.extraArgs ?? []),
      ],
      logFile: join(workDir, 'kube-apiserver.log'),
    });
    let caPem = '';
    const insecure = new Agent({ rejectUnauthorized: false });
    try {
      await waitForReady(
        proc,
        'ready (/readyz)',
        async () => {
          const body = await httpsGet(`${url}/readyz`, secrets.adminToken, insecure);
          return body === 'ok';
        },
        readyTimeoutMs,
        200,
      );
      caPem = await readFile(join(certDir, 'apiserver.crt'), 'utf8');
    } catch (err) {
      await proc.stop();
      port.release();
      throw err;
    }
    return new KubeApiServer(url, caPem, proc, port);
  }

  get process(): ManagedProcess {
    return this.proc;
  }

  async stop(): Promise<void> {
    // Its data is thrown away with the run: a graceful shutdown would only add seconds to every run's end.
    await this.proc.stop(STOP_GRACE_MS);
    this.port.release();
  }
}

// blocking (the log backend's default, named so it stays so): each event is written before the request returns, so
// the file is complete when a window closes (batch buffers up to 1 s); blocking-strict would fail the sidecar's own
// requests when a write fails. Rotation is pushed out of reach: a witness reads one file.
function auditFlags(audit: ApiServerAudit): string[] {
  return [
    `--audit-policy-file=${audit.policyFile}`,
    `--audit-log-path=${audit.logFile}`,
    '--audit-log-format=json',
    '--audit-log-mode=blocking',
    '--audit-log-maxsize=1048576',
  ];
}

async function httpsGet(url: string, token: string, agent: Agent): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { agent, headers: { authorization: `Bearer ${token}` }, timeout: 2000 },
      (res) => {
        let data = '';
        res.on('data', (c) => {
          data += c;
        });
        res.on('end', () => resolve(res.statusCode === 200 ? data : `HTTP ${res.statusCode}`));
      },
    );
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.end();
  });
}
