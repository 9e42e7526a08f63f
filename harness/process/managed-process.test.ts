import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterEach, describe, expect, it } from 'vitest';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('ManagedProcess', () => {
  // In its own Node process: inside vitest the worker keeps the event loop alive, which hid this. The child is
  // unref'd so it never keeps the harness alive; stop() must still leave `exited` settled for whoever awaits it
  // next (driver-map stops its S3 server and then reads how it exited; Node ended with code 13 instead).
  it('settles `exited` by the end of stop(), even when nothing else keeps the event loop alive', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cosi-chaos-mp-'));
    dirs.push(dir);
    const script = join(dir, 'stop-then-exited.mts');
    writeFileSync(
      script,
      `import { ManagedProcess } from ${JSON.stringify(new URL('./managed-process.ts', import.meta.url).pathname)};
const child = ManagedProcess.start({ component: 'sleeper', binary: 'sleep', args: ['60'], logFile: ${JSON.stringify(join(dir, 'sleeper.log'))} });
await child.stop();
const exit = await child.exited;
process.stdout.write(JSON.stringify(exit));
`,
    );
    const run = await execa(process.execPath, ['--import', 'tsx', script], {
      reject: false,
      timeout: 30_000,
    });
    expect(run.exitCode, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({ code: null, signal: 'SIGTERM' });
  });
});
