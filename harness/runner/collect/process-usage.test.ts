import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { ManagedProcess } from '../../process/managed-process.ts';
import { groupMemberUsage, harnessUsage, processUsage } from './process-usage.ts';

// Linux only: /proc is the source. A real child under the harness's watchdog, found by group and name.
describe.runIf(process.platform === 'linux')('process usage from /proc', () => {
  let dir: string | undefined;
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("finds a watched child's node process by its group and reads its memory and CPU", async () => {
    dir = await mkdtemp(join(tmpdir(), 'cosi-chaos-usage-'));
    // 64 MiB held and some CPU burnt, so both numbers are plainly above zero.
    const script =
      'const b = Buffer.alloc(64 * 1024 * 1024, 1); let x = 0;' +
      'while (process.cpuUsage().user < 300000) x += b[x % b.length]; setInterval(() => b[0]++, 1000);';
    const proc = ManagedProcess.start({
      component: 'usage-probe',
      binary: process.execPath,
      args: ['-e', script],
      logFile: join(dir, 'probe.log'),
    });
    try {
      let usage = groupMemberUsage(proc.pid, 'node');
      // Until both show: CPU counts every thread of node's start, so 0.2 s can come before the buffer is all resident
      // (CI read 63.9 MiB once).
      for (
        let i = 0;
        i < 300 && ((usage?.cpuSeconds ?? 0) < 0.2 || (usage?.rssBytes ?? 0) <= 64 * 1024 * 1024);
        i++
      ) {
        await sleep(100);
        usage = groupMemberUsage(proc.pid, 'node');
      }
      expect(usage?.pid).not.toBe(proc.pid); // the watchdog leads the group; the child is another process
      expect(usage?.rssBytes).toBeGreaterThan(64 * 1024 * 1024);
      expect(usage?.peakRssBytes).toBeGreaterThanOrEqual(usage?.rssBytes ?? Number.POSITIVE_INFINITY);
      expect(usage?.cpuSeconds).toBeGreaterThanOrEqual(0.2);
      expect(groupMemberUsage(proc.pid, 'no-such-command')).toBeUndefined();
    } finally {
      await proc.stop();
    }
  });

  it('reads this process the same way process.memoryUsage does', () => {
    const own = processUsage(process.pid);
    const harness = harnessUsage();
    expect(own?.rssBytes).toBeGreaterThan(0);
    // Two reads a moment apart: within 20% of each other.
    expect(Math.abs((own?.rssBytes ?? 0) - harness.rssBytes) / harness.rssBytes).toBeLessThan(0.2);
    expect(harness.peakRssBytes).toBeGreaterThanOrEqual(harness.rssBytes * 0.8);
    expect(harness.cpuSeconds).toBeGreaterThan(0);
  });
});
