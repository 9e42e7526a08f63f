import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { startCli } from './cli-run.ts';
import { portsOwnedBy, processesMentioning, stillListening } from './process-census.ts';

// Every child's command line carries the run's out dir (logs, sockets, data dirs), so "nothing mentions the
// out dir any more" means no etcd, kube-apiserver, sidecar, driver or watchdog is left.
async function startAndWaitForWindow(out: string) {
  const run = startCli([
    'run',
    'scenarios/cosi-86.yaml',
    '--sidecar',
    'v1alpha1-v0.1.0',
    '--window',
    '120s',
    '--out',
    out,
  ]);
  let seen = '';
  let ended = false;
  void run.then(() => {
    ended = true;
  });
  run.all?.on('data', (c: Buffer) => {
    seen += c.toString();
  });
  const deadline = Date.now() + 15 * 60_000;
  while (!seen.includes('window') && Date.now() < deadline && !ended) await sleep(200);
  expect(seen).toContain('window');
  const children = processesMentioning(out);
  expect(children.length).toBeGreaterThanOrEqual(4);
  // etcd (2), kube-apiserver, mock driver admin: at least 4 loopback ports while the window is open.
  const ports = portsOwnedBy(children.map((c) => c.pid));
  expect(ports.length).toBeGreaterThanOrEqual(4);
  return { run, ports };
}

describe('teardown', () => {
  let out = '';
  afterEach(async () => {
    for (const p of processesMentioning(out)) process.kill(p.pid, 'SIGKILL');
    await rm(out, { recursive: true, force: true });
  });

  it(
    'after SIGINT mid-run, no process and no bound port remains',
    async () => {
      out = await mkdtemp(join(tmpdir(), 'cosi-chaos-sigint-'));
      const { run, ports } = await startAndWaitForWindow(out);
      run.kill('SIGINT');
      const res = await run;
      expect(res.exitCode).toBe(130);
      expect(processesMentioning(out)).toEqual([]);
      expect(stillListening(ports)).toEqual([]);
    },
    20 * 60_000,
  );

  it(
    'after SIGKILL of the harness, every child is gone within 10 s',
    async () => {
      out = await mkdtemp(join(tmpdir(), 'cosi-chaos-sigkill-'));
      const { run, ports } = await startAndWaitForWindow(out);
      run.kill('SIGKILL');
      await run;
      const deadline = Date.now() + 10_000;
      while ((processesMentioning(out).length || stillListening(ports).length) && Date.now() < deadline)
        await sleep(200);
      expect(processesMentioning(out)).toEqual([]);
      expect(stillListening(ports)).toEqual([]);
    },
    20 * 60_000,
  );
});
