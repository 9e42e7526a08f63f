import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { NodeHostLock } from './node-host-lock.ts';

describe('NodeHostLock', () => {
  let base = '';
  afterEach(async () => {
    await rm(base, { recursive: true, force: true });
  });

  it('makes a second taker wait until release, and is taken over once its owner (the reaper) is gone', async () => {
    base = await mkdtemp(join(tmpdir(), 'cosi-chaos-lock-'));
    const dir = join(base, 'node.lock');
    const first = await NodeHostLock.acquire(dir);
    let waitedFor = 0;
    let second: NodeHostLock | undefined;
    const taking = NodeHostLock.acquire(dir, (pid) => {
      waitedFor = pid;
    }).then((l) => {
      second = l;
    });
    await sleep(700);
    expect(second).toBeUndefined();
    expect(waitedFor).toBe(process.pid);
    await first.release();
    await taking;
    expect(second).toBeDefined();
    // A reaper that exited (a pid no process has) leaves a stale lock: the next taker removes it.
    await second?.handOver(2 ** 22 + 1);
    const third = await NodeHostLock.acquire(dir);
    await third.release();
    expect(existsSync(dir)).toBe(false);
  });
});
