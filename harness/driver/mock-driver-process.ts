import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { ManagedProcess } from '../process/managed-process.ts';
import { waitForReady } from '../process/wait-for.ts';
import { DriverAdminClient } from './driver-admin-client.ts';
import { mockDriverEntryArgs } from './mock-driver-entry.ts';

const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface MockDriverProcessOptions {
  /** Used for file and component names. */
  id: string;
  driverName: string;
  rules: Record<string, unknown>[];
  workDir: string;
  /**
   * How long it may take to listen; default 120 s. Measured: with two runs on two cores (the matrix and the
   * API-fault e2e side by side, 12 control planes starting), a driver took more than 30 s to load.
   */
  readyTimeoutMs?: number;
  /** Interposer mode: calls no rule answers go to this real driver (unix:///path or HOST:PORT). */
  upstream?: string;
}

/** The mock driver as its own child process (so a `crash` rule kills it, not the harness). */
export class MockDriverProcess {
  private constructor(
    readonly socketPath: string,
    readonly journalPath: string,
    readonly admin: DriverAdminClient,
    private readonly proc: ManagedProcess,
  ) {}

  static async start(opts: MockDriverProcessOptions): Promise<MockDriverProcess> {
    // The socket lives in a short temporary directory: under a deep --out dir the path could pass the 107 bytes a
    // unix socket path may have.
    const socketDir = await mkdtemp(join(tmpdir(), 'cosi-chaos-'));
    const socketPath = join(socketDir, 'driver.sock');
    const rulesPath = join(opts.workDir, `driver-${opts.id}.rules.yaml`);
    const journalPath = join(opts.workDir, `driver-${opts.id}.journal.jsonl`);
    const logFile = join(opts.workDir, `driver-${opts.id}.log`);
    await writeFile(rulesPath, stringify({ rules: opts.rules }));
    const proc = ManagedProcess.start({
      component: `mock-driver/${opts.id}`,
      binary: process.execPath,
      args: [
        ...(await mockDriverEntryArgs()),
        '--socket',
        socketPath,
        '--name',
        opts.driverName,
        '--rules',
        rulesPath,
        '--journal',
        journalPath,
        '--admin',
        '127.0.0.1:0',
        ...(opts.upstream ? ['--upstream', opts.upstream] : []),
      ],
      cwd: PROJECT_ROOT,
      logFile,
    });
    let adminUrl = '';
    try {
      await waitForReady(
        proc,
        'listening',
        async () => {
          const text = await readFile(logFile, 'utf8');
          for (const line of text.split('\n')) {
            if (!line.startsWith('{')) continue;
            const ev = JSON.parse(line) as { event?: string; admin?: string };
            if (ev.event === 'listening' && ev.admin) {
              adminUrl = ev.admin;
              return true;
            }
          }
          return false;
        },
        opts.readyTimeoutMs ?? 120_000,
      );
    } catch (err) {
      await proc.stop();
      await rm(socketDir, { recursive: true, force: true });
      throw err;
    }
    return new MockDriverProcess(socketPath, journalPath, new DriverAdminClient(adminUrl), proc);
  }

  get process(): ManagedProcess {
    return this.proc;
  }

  async stop(): Promise<void> {
    await this.proc.stop();
    await rm(dirname(this.socketPath), { recursive: true, force: true });
  }
}
