import { mkdir } from 'node:fs/promises';
import { connectCosiClient } from '../../mock-driver/index.ts';
import { connects } from '../driver/listener-probe.ts';
import { SampleDriverProcess } from '../driver/sample-driver-process.ts';
import { VersityGwProcess } from '../driver/versitygw-process.ts';
import type { DriverMapCase } from '../results/driver-map-results.ts';
import { BACKEND_FAILURES, type BackendFailureCase, type FailureContext } from './backend-failure-cases.ts';

export interface DriverMapRunOptions {
  /** Data dir, configs and logs of the server and drivers. */
  workDir: string;
  /** How long one call may take: the driver's S3 client retries an unreachable server for a while. */
  callDeadlineMs?: number;
  cases?: readonly BackendFailureCase[];
}

/** A driver in front of a server the harness controls, as the failure cases use it. */
export interface DriverMapTarget {
  context: FailureContext;
  stop(): Promise<void>;
}

/** How a stopped server is described: how it exited and whether its port still answers. */
export async function stoppedServer(s3: VersityGwProcess): Promise<string> {
  await s3.stop();
  const exit = await s3.process.exited;
  const [host, port] = s3.endpoint.split(':');
  const refused = !(await connects({ host, port: Number(port) }));
  return `${exit.signal ? `signal ${exit.signal}` : `exit code ${exit.code}`}, ${s3.endpoint} ${refused ? 'refusing connections' : 'STILL ACCEPTING connections'}`;
}

/**
 * The upstream sample driver on one versitygw server (plus a second sample driver signing with a key the server
 * does not know).
 */
export async function sampleMapTarget(
  bins: { sampleDriver: string; versitygw: string },
  opts: DriverMapRunOptions,
): Promise<DriverMapTarget> {
  await mkdir(opts.workDir, { recursive: true });
  const s3 = await VersityGwProcess.start({
    binary: bins.versitygw,
    id: 'driver-map',
    workDir: opts.workDir,
  });
  const started: SampleDriverProcess[] = [];
  const clients: ReturnType<typeof connectCosiClient>[] = [];
  const stop = async () => {
    for (const c of clients) c.close();
    await Promise.all(started.map((d) => d.stop()));
    await s3.stop();
  };
  try {
    const sample = (id: string, credentials?: { accessKey: string; secretKey: string }) =>
      SampleDriverProcess.start({
        binary: bins.sampleDriver,
        id,
        driverName: 'sample.driver-map.cosi-chaos.io',
        workDir: opts.workDir,
        s3,
        ...(credentials ? { credentials } : {}),
      }).then((d) => {
        started.push(d);
        const client = connectCosiClient('v1alpha1', `unix:${d.socketPath}`);
        clients.push(client);
        return client;
      });
    const own = await sample('driver-map');
    const wrong = await sample('driver-map-wrong-keys', {
      accessKey: s3.accessKey,
      secretKey: 'not-the-secret',
    });
    return {
      context: {
        call: (method, request, driver = 'own-keys') =>
          (driver === 'own-keys' ? own : wrong).call(method, request, {
            deadlineMs: opts.callDeadlineMs ?? 60_000,
          }),
        dataDir: s3.dataDir,
        wrongKeys: 'a second sample driver signing with a secret key the server does not know',
        stopServer: () => stoppedServer(s3),
      },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/**
 * Causes each backend failure for real against the target's server, calls the driver over its own socket, and
 * records the code it returned beside the code the spec asks. The server is stopped by the last case.
 */
export async function runDriverMap(
  target: DriverMapTarget,
  opts: DriverMapRunOptions,
): Promise<DriverMapCase[]> {
  const ctx = target.context;
  try {
    const cases: DriverMapCase[] = [];
    for (const c of opts.cases ?? BACKEND_FAILURES) {
      const startedMs = performance.now();
      const { result, evidence } = await c.run(ctx);
      const latencyMs = Math.round(performance.now() - startedMs);
      cases.push({
        id: c.id,
        failure: c.failure,
        how: c.id === 'wrong-credentials' ? `${ctx.wrongKeys}, DriverCreateBucket` : c.how,
        rpc: c.rpc,
        returned: { code: result.code, ...(result.message ? { message: result.message } : {}), latencyMs },
        specCodes: c.specCodes,
        specSource: c.specSource,
        conforms: c.specCodes.includes(result.code),
        evidence,
      });
    }
    return cases;
  } finally {
    await target.stop();
  }
}
