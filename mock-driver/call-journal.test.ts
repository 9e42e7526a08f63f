import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setImmediate as nextTurn, setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { CallJournal, FLUSH_INTERVAL_MS, readJournalFile } from './call-journal.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function journalFile(): string {
  const dir = mkdtempSync(join(tmpdir(), 'cosi-chaos-journal-'));
  dirs.push(dir);
  return join(dir, 'journal.jsonl');
}

const call = (bucketName: string) =>
  ({
    era: 'v1alpha1',
    rpc: 'create',
    bucketName,
    parameters: {},
    callNumber: 1,
    code: 'OK',
    latencyMs: 1,
  }) as const;

describe('CallJournal file', () => {
  it('has every call in memory at once and in the file, batched, within the flush interval, in order', async () => {
    const file = journalFile();
    const journal = new CallJournal(file);
    journal.record(call('a'));
    await nextTurn();
    journal.record(call('b'));
    expect(journal.entries().map((e) => e.bucketName)).toEqual(['a', 'b']);
    // Not one write per call or per turn: both lines wait for the same write.
    expect(readFileSync(file, 'utf8')).toBe('');
    await sleep(FLUSH_INTERVAL_MS + 30);
    expect(readJournalFile(file).map((e) => [e.seq, e.bucketName])).toEqual([
      [1, 'a'],
      [2, 'b'],
    ]);
    journal.close();
  });

  it('writes what is pending on flush() and close(), before any turn passes (a crash rule exits right after)', () => {
    const file = journalFile();
    const journal = new CallJournal(file);
    journal.record(call('a'));
    journal.flush();
    expect(readJournalFile(file)).toHaveLength(1);
    journal.record(call('b'));
    journal.close();
    expect(readFileSync(file, 'utf8').trim().split('\n')).toHaveLength(2);
    const reopened = new CallJournal(file);
    expect(reopened.record(call('c')).seq).toBe(3);
    reopened.close();
  });
});
