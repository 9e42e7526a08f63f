import { request as httpRequest } from 'node:http';
import { Agent, request as httpsRequest } from 'node:https';
import type { PortReservation } from '../process/free-port.ts';
import { ManagedProcess, type ProcessSpec } from '../process/managed-process.ts';
import { waitForReady } from '../process/wait-for.ts';

/** A component process that is ready once its /healthz answers 200 (kubelet, controller manager, scheduler, proxy). */
export interface HealthzComponentSpec extends ProcessSpec {
  /** http(s)://127.0.0.1:port/healthz; https certificates are self-signed and not verified. */
  healthzUrl: string;
  /** Ports reserved for it, released on stop. */
  ports: PortReservation[];
  readyTimeoutMs?: number;
  /** SIGTERM grace before SIGKILL on stop; default 2 s. */
  stopGraceMs?: number;
}

const insecure = new Agent({ rejectUnauthorized: false });

/** A started component: its ManagedProcess, ready; `stop()` idempotent. */
export class HealthzComponent {
  private stopping: Promise<void> | undefined;

  private constructor(
    readonly process: ManagedProcess,
    private readonly spec: HealthzComponentSpec,
  ) {}

  static async start(spec: HealthzComponentSpec): Promise<HealthzComponent> {
    const proc = ManagedProcess.start(spec);
    const component = new HealthzComponent(proc, spec);
    try {
      await waitForReady(
        proc,
        `healthy (${spec.healthzUrl})`,
        async () => (await getStatus(spec.healthzUrl)) === 200,
        spec.readyTimeoutMs ?? 120_000,
        250,
      );
    } catch (err) {
      await component.stop();
      throw err;
    }
    return component;
  }

  stop(): Promise<void> {
    this.stopping ??= this.process.stop(this.spec.stopGraceMs ?? 2_000).then(() => {
      for (const p of this.spec.ports) p.release();
    });
    return this.stopping;
  }
}

/** HTTP status of a GET (self-signed https accepted); rejects on connection errors. */
export function getStatus(url: string, timeoutMs = 2_000): Promise<number> {
  return new Promise((resolve, reject) => {
    const https = url.startsWith('https:');
    const req = (https ? httpsRequest : httpRequest)(
      url,
      { timeout: timeoutMs, ...(https ? { agent: insecure } : {}) },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.end();
  });
}
