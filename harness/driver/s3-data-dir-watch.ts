import { readdir } from 'node:fs/promises';

/** When one bucket directory was first seen in the S3 server's data dir and when it was gone again (wall ms). */
export interface BucketDirSighting {
  name: string;
  firstSeenMs: number;
  goneMs?: number;
}

/**
 * Watches a posix-backend S3 server's data dir (versitygw: one directory per bucket) by polling it, so a run's
 * results can say that a bucket really existed on the server, and when it left. A bucket created and deleted
 * within one poll interval (default 200 ms) is missed: the journal still has both calls.
 */
export class S3DataDirWatch {
  private readonly sightings = new Map<string, BucketDirSighting>();
  private readonly timer: NodeJS.Timeout;
  private polling: Promise<void> = Promise.resolve();

  constructor(
    readonly dataDir: string,
    intervalMs = 200,
  ) {
    this.timer = setInterval(() => {
      this.polling = this.poll();
    }, intervalMs);
    this.timer.unref();
  }

  private async poll(): Promise<void> {
    const now = Date.now();
    const entries = await readdir(this.dataDir, { withFileTypes: true }).catch(() => undefined);
    if (!entries) return;
    // versitygw keeps its own state in dot-directories beside the buckets.
    const present = new Set(
      entries.filter((e) => e.isDirectory() && !e.name.startsWith('.')).map((e) => e.name),
    );
    for (const name of present) {
      const seen = this.sightings.get(name);
      if (!seen || seen.goneMs !== undefined) this.sightings.set(name, { name, firstSeenMs: now });
    }
    for (const seen of this.sightings.values())
      if (seen.goneMs === undefined && !present.has(seen.name)) seen.goneMs = now;
  }

  /** Every bucket seen so far, after one more look at the data dir. */
  async read(): Promise<BucketDirSighting[]> {
    await this.polling;
    await this.poll();
    return [...this.sightings.values()].map((s) => ({ ...s }));
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
