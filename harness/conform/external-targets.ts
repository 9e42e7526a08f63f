import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connects } from '../driver/listener-probe.ts';
import { ManagedProcess } from '../process/managed-process.ts';
import { waitForReady } from '../process/wait-for.ts';
import type { ConformComponent } from './conform-results.ts';
import type { BackendControl, ConformTarget } from './conform-target.ts';

const NO_CONTROL =
  "the harness does not run this driver's backend: give --hook-nonempty / --hook-stop-backend commands to reach these states";

/** A driver that is already running: the suite only talks to it. Its eras are detected. */
export function socketTarget(address: string, backend: BackendControl | undefined): ConformTarget {
  return {
    description: `running driver at ${address}`,
    address,
    ...(backend ? { backend } : {}),
    noBackendControlReason: NO_CONTROL,
    components: [],
    stop: async () => {},
  };
}

export interface BinaryTargetOptions {
  binary: string;
  /** Its arguments; `{socket}` is replaced by the socket path. */
  args: string[];
  /** Added to its environment (after COSI_ENDPOINT and X_COSI_DRIVER_NAME, which they may override). */
  env: Record<string, string>;
  workDir: string;
  backend: BackendControl | undefined;
  readyTimeoutMs?: number;
}

/**
 * A driver binary the suite starts: COSI_ENDPOINT=unix://SOCKET (the spec's variable) and X_COSI_DRIVER_NAME (the
 * upstream sample driver's) set, its output in workDir/driver.log, stopped with its process group at the end.
 */
export async function startBinaryTarget(opts: BinaryTargetOptions): Promise<ConformTarget> {
  await mkdir(opts.workDir, { recursive: true });
  // A short temporary directory: unix socket paths may have at most 107 bytes.
  const socketDir = await mkdtemp(join(tmpdir(), 'cosi-chaos-conform-'));
  const socketPath = join(socketDir, 'driver.sock');
  const fill = (s: string) => s.replaceAll('{socket}', socketPath);
  const proc = ManagedProcess.start({
    component: 'driver/conform',
    binary: opts.binary,
    args: opts.args.map(fill),
    env: {
      COSI_ENDPOINT: `unix://${socketPath}`,
      X_COSI_DRIVER_NAME: 'conform.cosi-chaos.io',
      ...Object.fromEntries(Object.entries(opts.env).map(([k, v]) => [k, fill(v)])),
    },
    logFile: join(opts.workDir, 'driver.log'),
  });
  try {
    await waitForReady(
      proc,
      `listening on ${socketPath}`,
      () => connects({ path: socketPath }),
      opts.readyTimeoutMs ?? 60_000,
    );
  } catch (error) {
    await proc.stop();
    await rm(socketDir, { recursive: true, force: true });
    throw error;
  }
  const components: ConformComponent[] = [
    { name: 'driver', version: 'as provided', source: 'user binary', path: opts.binary },
  ];
  return {
    description: `driver binary ${opts.binary}`,
    address: `unix:${socketPath}`,
    ...(opts.backend ? { backend: opts.backend } : {}),
    noBackendControlReason: NO_CONTROL,
    components,
    stop: async () => {
      await proc.stop();
      await rm(socketDir, { recursive: true, force: true });
    },
  };
}
