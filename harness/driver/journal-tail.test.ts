import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readJournalFile } from '../../mock-driver/call-journal.ts';
import { type MockDriverHandle, startMockDriver } from '../../mock-driver/mock-driver.ts';
import { SCENARIO_PARAMETER } from '../scenarios/scenario-loader.ts';
import { DriverAdminClient } from './driver-admin-client.ts';
import { JournalTail } from './journal-tail.ts';

// Real journals recorded from the real sidecars (scale-10: 10 claims retried in parallel by one sidecar).
const RECORDED = [
  new URL('../runner/testdata/scale-10/v1alpha1-cosi86/journal.jsonl', import.meta.url).pathname,
  new URL('../runner/testdata/scale-10/v1alpha1-v0.2.2/journal.jsonl', import.meta.url).pathname,
  new URL('../runner/testdata/matrix-journal/v1alpha1-delete.journal.jsonl', import.meta.url).pathname,
];

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A real mock driver whose journal starts as the recorded file (it loads a journal file's lines on start). */
async function replay(file: string): Promise<MockDriverHandle> {
  const dir = await mkdtemp(join(tmpdir(), 'journal-tail-'));
  const journalFile = join(dir, 'journal.jsonl');
  await copyFile(file, journalFile);
  const driver = await startMockDriver({ socketPath: join(dir, 'cosi.sock'), journalFile });
  cleanups.push(async () => {
    await driver.stop();
    await rm(dir, { recursive: true, force: true });
  });
  return driver;
}

/**
 * An HTTP hop in front of the admin API that re-reads: every /journal page starts `overlap` seqs before the one
 * asked for, as a proxy replaying a page or a client retrying after a lost response would.
 */
async function overlappingHop(target: string, overlap: number): Promise<string> {
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', target);
    const since = Number(url.searchParams.get('since') ?? 0);
    url.searchParams.set('since', String(Math.max(0, since - overlap)));
    fetch(url)
      .then(async (r) => {
        res.writeHead(r.status, { 'content-type': 'application/json' });
        res.end(await r.text());
      })
      .catch((e: unknown) => {
        res.writeHead(502);
        res.end(String(e));
      });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const byScenario = (c: { parameters: Record<string, string> }) =>
  c.parameters[SCENARIO_PARAMETER] ?? undefined;

function expectEachOnceInOrder(seqs: number[], expected: number[]): void {
  expect(new Set(seqs).size).toBe(seqs.length);
  expect(seqs).toEqual(expected);
}

describe('JournalTail: every recorded call counted exactly once', () => {
  for (const file of RECORDED) {
    const name = file.split('/').slice(-2).join('/');

    it(`${name}: concurrent refreshes while calls are still being journaled`, async () => {
      const recorded = readJournalFile(file);
      const driver = await replay(file);
      const tail = new JournalTail(new DriverAdminClient(String(driver.adminUrl)), byScenario);
      // Twenty refreshes at once (the observer's per-slot re-reads), calls appended in between.
      const extra = 25;
      const refreshes: Promise<void>[] = [];
      for (let i = 0; i < extra; i++) {
        refreshes.push(tail.refresh(), tail.refresh());
        driver.journal.record({
          era: 'v1alpha1',
          rpc: 'create',
          bucketName: `late-${i}`,
          parameters: { [SCENARIO_PARAMETER]: 'late' },
          callNumber: 1,
          code: 'Unavailable',
          latencyMs: 0,
        });
      }
      await Promise.all(refreshes);
      await tail.refresh();
      const all = driver.journal.entries().map((e) => e.seq);
      expect(all).toHaveLength(recorded.length + extra);
      expectEachOnceInOrder(
        tail.calls.map((c) => c.seq),
        all,
      );
      expect(tail.group('late')).toHaveLength(extra);
      for (const key of new Set(recorded.map(byScenario))) {
        if (key === undefined) continue;
        expectEachOnceInOrder(
          tail.group(key).map((c) => c.seq),
          recorded.filter((e) => byScenario(e) === key).map((e) => e.seq),
        );
      }
    });

    it(`${name}: pages that overlap what was already read`, async () => {
      const recorded = readJournalFile(file);
      const driver = await replay(file);
      const hop = await overlappingHop(String(driver.adminUrl), 7);
      const tail = new JournalTail(new DriverAdminClient(hop), byScenario);
      await Promise.all([tail.refresh(), tail.refresh(), tail.refresh()]);
      await tail.refresh();
      expectEachOnceInOrder(
        tail.calls.map((c) => c.seq),
        recorded.map((e) => e.seq),
      );
      // Each of the later reads re-sent the last 7 entries, and each was recognised.
      expect(tail.dropped).toBe(3 * Math.min(7, recorded.length));
    });
  }
});
