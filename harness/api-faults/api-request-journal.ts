import { createWriteStream, type WriteStream } from 'node:fs';
import type { ApiJournalEntry } from '../results/api-journal-results.ts';

/**
 * Every proxied request, recorded when it finishes (a watch when its stream ends). entries() is in arrival
 * order (seq). With a file, each entry is also appended as one JSON line, like the driver's journal.
 */
export class ApiRequestJournal {
  private readonly recorded: ApiJournalEntry[] = [];
  private readonly listeners = new Set<(entry: ApiJournalEntry) => void>();
  private readonly file: WriteStream | undefined;

  constructor(file?: string) {
    this.file = file ? createWriteStream(file, { flags: 'a' }) : undefined;
  }

  record(entry: ApiJournalEntry): void {
    this.recorded.push(entry);
    this.file?.write(`${JSON.stringify(entry)}\n`);
    for (const listener of this.listeners) listener(entry);
  }

  /** A copy, sorted by seq. */
  entries(): ApiJournalEntry[] {
    return [...this.recorded].sort((a, b) => a.seq - b.seq);
  }

  /** Calls `listener` with each entry as it is recorded; returns the unsubscribe function. */
  subscribe(listener: (entry: ApiJournalEntry) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Flushes and closes the file, if any. */
  close(): Promise<void> {
    const file = this.file;
    if (!file || file.closed) return Promise.resolve();
    return new Promise((resolve, reject) =>
      file.end((error?: Error | null) => (error ? reject(error) : resolve())),
    );
  }
}
