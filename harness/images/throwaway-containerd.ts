import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { execa, type ResultPromise } from 'execa';

/** A containerd of its own (root, state, socket in a temp dir, CRI off) for tests that import images. */
export interface ThrowawayContainerd {
  address: string;
  /** Runs `ctr --address <socket> <args>` in namespace cosi-chaos-test and returns its stdout. */
  ctr(args: string[]): Promise<string>;
  /** Kills containerd and removes its directories; idempotent. */
  stop(): Promise<void>;
}

/** Starts containerd in a temp dir and waits until `ctr version` answers (30 s). Needs root and containerd. */
export async function startThrowawayContainerd(): Promise<ThrowawayContainerd> {
  const dir = await mkdtemp(join(tmpdir(), 'cosi-chaos-containerd-'));
  const address = join(dir, 'containerd.sock');
  await mkdir(join(dir, 'root'));
  await writeFile(
    join(dir, 'config.toml'),
    [
      'version = 2',
      `root = "${join(dir, 'root')}"`,
      `state = "${join(dir, 'state')}"`,
      'disabled_plugins = ["io.containerd.grpc.v1.cri"]',
      '[grpc]',
      `  address = "${address}"`,
      '[ttrpc]',
      `  address = "${address}.ttrpc"`,
      '',
    ].join('\n'),
  );
  const proc: ResultPromise = execa('containerd', ['--config', join(dir, 'config.toml')], {
    reject: false,
    stdio: ['ignore', 'ignore', 'pipe'],
    cleanup: true,
  });
  let stderr = '';
  proc.stderr?.on('data', (c: Buffer) => {
    stderr = (stderr + c.toString()).slice(-4000);
  });
  const ctr = async (args: string[]) =>
    (await execa('ctr', ['--address', address, '--namespace', 'cosi-chaos-test', ...args])).stdout;
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    proc.kill('SIGTERM');
    await Promise.race([proc, sleep(10_000)]);
    proc.kill('SIGKILL');
    await proc;
    // Snapshots of the native snapshotter are plain directories; nothing stays mounted.
    await rm(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 30_000;
  for (;;) {
    const ok = await execa('ctr', ['--address', address, 'version'], { reject: false });
    if (ok.exitCode === 0) break;
    if (Date.now() > deadline || proc.exitCode !== null) {
      await stop();
      throw new Error(`containerd did not answer on ${address} within 30 s:\n${stderr}`);
    }
    await sleep(300);
  }
  return { address, ctr, stop };
}
