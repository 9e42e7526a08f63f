import { closeSync, existsSync, openSync, readFileSync, writeSync } from 'node:fs';
import type { RpcName } from './call-context.ts';
import type { CosiEra } from './cosi-protos.ts';
import type { JournalCode } from './grpc-code-names.ts';

// A v1alpha2 grant's AccessMode.mode for one requested bucket, as the enum names it (READ_WRITE, READ_ONLY,
// WRITE_ONLY; UNKNOWN when the bucket carries no access_mode; the number as text for a value the proto lacks).
export interface RequestedAccess {
  bucketId: string;
  accessMode: string;
}

// One answered (or abandoned) call. A JSONL journal file holds one of these per line.
export interface JournalEntry {
  seq: number;
  wallTime: string;
  // performance.timeOrigin + performance.now(): comparable across processes on one machine, never goes back.
  monoMs: number;
  era: CosiEra;
  rpc: RpcName;
  bucketName?: string;
  bucketId?: string;
  parameters: Record<string, string>;
  // 0 for a call refused before its request was read (it names no bucket, so no rule saw it and nothing counted it).
  callNumber: number;
  rule?: string;
  // v1alpha2 grants only: every requested bucket with the access mode asked for, in request order.
  accessModes?: RequestedAccess[];
  code: JournalCode;
  message?: string;
  // Why the request bytes did not decode (truncated, a length past the end, a wrong wire type, bad UTF-8, ...).
  decodeError?: string;
  // Request size in bytes, on calls refused for their bytes (decodeError, or over the size limit when known).
  size?: number;
  latencyMs: number;
  // Interposer mode only: who answered, a rule or the real driver (code and message are then the driver's own).
  answeredBy?: 'rule' | 'driver';
  // Interposer mode: how long the real driver took, as the interposer saw it.
  driverLatencyMs?: number;
}

export type JournalRecord = Omit<JournalEntry, 'seq' | 'wallTime' | 'monoMs'>;

export interface JournalFilter {
  bucketName?: string;
  rpc?: RpcName;
  // Only entries with seq greater than this.
  since?: number;
}

export interface JournalCount {
  bucketName: string;
  rpc: RpcName;
  code: JournalCode;
  count: number;
}

// Injected in tests that need fixed timestamps.
export interface JournalClock {
  wallTime(): string;
  monoMs(): number;
}

export const systemJournalClock: JournalClock = {
  wallTime: () => new Date().toISOString(),
  monoMs: () => performance.timeOrigin + performance.now(),
};

// Every call the driver answered, in memory at once and (with a file) appended one line per call. File writes are
// batched: lines wait up to FLUSH_INTERVAL_MS, then go in one synchronous write. A write per call (even at the end of
// its event loop turn) cost the interposer 0.08-0.16 ms at p50 of its 1 ms budget (bench). Readers of a live driver
// use the admin API (memory), not the file; the file is for a restart to continue from. A crash rule flushes before
// the process exits, and close() flushes, so only a kill -9 loses lines: those of its last 20 ms. Reopening the same
// file continues seq after its last line.
export const FLUSH_INTERVAL_MS = 20;

export class CallJournal {
  private readonly memory: JournalEntry[] = [];
  private readonly listeners = new Set<(entry: JournalEntry) => void>();
  private nextSeq = 1;
  private fd: number | undefined;
  // Serialized at flush, off the answered call's path.
  private unwritten: JournalEntry[] = [];
  private flushScheduled = false;

  constructor(
    readonly file?: string,
    private readonly clock: JournalClock = systemJournalClock,
  ) {
    if (file) {
      for (const entry of readJournalFile(file)) {
        this.memory.push(entry);
        this.nextSeq = Math.max(this.nextSeq, entry.seq + 1);
      }
      this.fd = openSync(file, 'a');
    }
  }

  record(record: JournalRecord): JournalEntry {
    const entry: JournalEntry = {
      seq: this.nextSeq++,
      wallTime: this.clock.wallTime(),
      monoMs: this.clock.monoMs(),
      ...record,
    };
    this.memory.push(entry);
    if (this.fd !== undefined) {
      this.unwritten.push(entry);
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        // unref: a pending flush never keeps a finished process alive (close() flushes anyway).
        setTimeout(() => this.flush(), FLUSH_INTERVAL_MS).unref();
      }
    }
    for (const listener of this.listeners) listener(entry);
    return entry;
  }

  // Writes what is recorded but not yet in the file (synchronously: the process may be about to exit).
  flush(): void {
    this.flushScheduled = false;
    if (this.fd === undefined || this.unwritten.length === 0) return;
    let text = '';
    for (const entry of this.unwritten) text += `${JSON.stringify(entry)}\n`;
    this.unwritten = [];
    writeSync(this.fd, text);
  }

  entries(filter: JournalFilter = {}): JournalEntry[] {
    return this.memory.filter(
      (entry) =>
        (filter.bucketName === undefined || entry.bucketName === filter.bucketName) &&
        (filter.rpc === undefined || entry.rpc === filter.rpc) &&
        (filter.since === undefined || entry.seq > filter.since),
    );
  }

  // Calls per (bucketName, rpc, code); calls without a bucket name count under their bucket id, or '' for getInfo.
  counts(): JournalCount[] {
    const byKey = new Map<string, JournalCount>();
    for (const entry of this.memory) {
      const bucketName = entry.bucketName ?? entry.bucketId ?? '';
      const key = JSON.stringify([bucketName, entry.rpc, entry.code]);
      const existing = byKey.get(key);
      if (existing) existing.count++;
      else byKey.set(key, { bucketName, rpc: entry.rpc, code: entry.code, count: 1 });
    }
    return [...byKey.values()];
  }

  // Resolves with the first entry (already recorded or future) the predicate accepts; rejects after timeoutMs.
  waitFor(predicate: (entry: JournalEntry) => boolean, timeoutMs = 5_000): Promise<JournalEntry> {
    const found = this.memory.find(predicate);
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const listener = (entry: JournalEntry) => {
        if (!predicate(entry)) return;
        clearTimeout(timer);
        this.listeners.delete(listener);
        resolve(entry);
      };
      const timer = setTimeout(() => {
        this.listeners.delete(listener);
        reject(
          new Error(
            `no journal entry matched within ${timeoutMs} ms (${this.memory.length} entries recorded)`,
          ),
        );
      }, timeoutMs);
      this.listeners.add(listener);
    });
  }

  // Forgets entries in memory only; the file keeps its history and seq keeps counting up.
  clear(): void {
    this.memory.length = 0;
  }

  close(): void {
    this.flush();
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}

// A torn last line (the process died mid-write) is skipped rather than failing the restart.
export function readJournalFile(file: string): JournalEntry[] {
  if (!existsSync(file)) return [];
  const entries: JournalEntry[] = [];
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    try {
      entries.push(JSON.parse(line) as JournalEntry);
    } catch {
      // torn write
    }
  }
  return entries;
}
