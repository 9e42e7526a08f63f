import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { grpcCodeNumber } from '../../mock-driver/index.ts';
import { ManagedProcess } from '../process/managed-process.ts';
import { waitForReady } from '../process/wait-for.ts';
import type { DriverSelection, SampleDriverConfig } from '../scenarios/scenario-driver.ts';
import { connects } from './listener-probe.ts';
import { S3DataDirWatch } from './s3-data-dir-watch.ts';
import { SampleDriverProcess } from './sample-driver-process.ts';
import { VersityGwProcess } from './versitygw-process.ts';

/** Binaries a real driver needs (built by the component provisioner when a scenario selects the sample driver). */
export interface RealDriverBinaries {
  sampleDriver?: string;
  versitygw?: string;
}

/** The S3 server behind a sample driver: where its buckets are, and the watch that records them. */
export interface S3Backend {
  server: 'versitygw';
  endpoint: string;
  dataDir: string;
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
  stop(): Promise<void>;
}

export interface RealDriverOptions {
  /** Used for file and component names. */
  id: string;
  driverName: string;
  workDir: string;
  binaries: RealDriverBinaries;
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
  const proc = ManagedProcess.start({
    component: `driver/${opts.id}`,
    binary: d.binary,
    args: d.args.map(fill),
    env: {
      COSI_ENDPOINT: `unix://${socketPath}`,
      X_COSI_DRIVER_NAME: opts.driverName,
      ...Object.fromEntries(Object.entries(d.env).map(([k, v]) => [k, fill(v)])),
    },
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
