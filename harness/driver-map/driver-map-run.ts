import { mkdir } from 'node:fs/promises';
import { connectCosiClient } from '../../mock-driver/index.ts';
import { connects } from '../driver/listener-probe.ts';
import { SampleDriverProcess } from '../driver/sample-driver-process.ts';
import { VersityGwProcess } from '../driver/versitygw-process.ts';
import type { DriverMapCase } from '../results/driver-map-results.ts';
import { BACKEND_FAILURES, type BackendFailureCase, type FailureContext } from './backend-failure-cases.ts';

export interface DriverMapRunOptions {
  sampleDriver: string;
  versitygw: string;
  /** Data dir, configs and logs of the server and drivers. */
  workDir: string;
  /** How long one call may take: the driver's S3 client retries an unreachable server for a while. */
  callDeadlineMs?: number;
  cases?: readonly BackendFailureCase[];
}

/**
 * Causes each backend failure for real against one versitygw server and the upstream sample driver in front of
 * it (plus a second sample driver signing with a key the server does not know), calls the driver over its own
 * socket, and records the code it returned beside the code the spec asks. The server is stopped by the last case.
 */
export async function runDriverMap(opts: DriverMapRunOptions): Promise<DriverMapCase[]> {
  await mkdir(opts.workDir, { recursive: true });
  const s3 = await VersityGwProcess.start({
    binary: opts.versitygw,
    id: 'driver-map',
    workDir: opts.workDir,
  });
  const started: SampleDriverProcess[] = [];
  const clients: ReturnType<typeof connectCosiClient>[] = [];
  try {
    const sample = (id: string, credentials?: { accessKey: string; secretKey: string }) =>
      SampleDriverProcess.start({
        binary: opts.sampleDriver,
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
    const ctx: FailureContext = {
      call: (method, request, driver = 'own-keys') =>
        (driver === 'own-keys' ? own : wrong).call(method, request, {
          deadlineMs: opts.callDeadlineMs ?? 60_000,
        }),
      dataDir: s3.dataDir,
      stopServer: async () => {
        await s3.stop();
        const exit = await s3.process.exited;
        const [host, port] = s3.endpoint.split(':');
        const refused = !(await connects({ host, port: Number(port) }));
        return `${exit.signal ? `signal ${exit.signal}` : `exit code ${exit.code}`}, ${s3.endpoint} ${refused ? 'refusing connections' : 'STILL ACCEPTING connections'}`;
      },
    };
    const cases: DriverMapCase[] = [];
    for (const c of opts.cases ?? BACKEND_FAILURES) {
      const startedMs = performance.now();
      const { result, evidence } = await c.run(ctx);
      const latencyMs = Math.round(performance.now() - startedMs);
      cases.push({
        id: c.id,
        failure: c.failure,
        how: c.how,
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
    for (const c of clients) c.close();
    await Promise.all(started.map((d) => d.stop()));
    await s3.stop();
  }
}
