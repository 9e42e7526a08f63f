import type { DriverAdminClient, DriverCall } from './driver-admin-client.ts';

/**
 * A driver's journal kept on this side and extended with only the calls since the last read (the admin API's
 * `since`), grouped by a key such as the scenario a call belongs to. Polling a long run reads each call once.
 *
 * Every call is kept exactly once, in journal order (seq, which the driver assigns as it answers, so it is time
 * order too): reads are serialized, so two callers refreshing at once never both fetch the same page, and a
 * call whose seq is already known (a re-read, an overlapping page) is dropped. Before this, the observer's
 * per-slot refreshes ran concurrently and the same seq was counted up to four times.
 */
export class JournalTail {
  private readonly all: DriverCall[] = [];
  private readonly groups = new Map<string, DriverCall[]>();
  private lastSeq = 0;
  private reading: Promise<void> = Promise.resolve();
  /** Entries the driver sent again (already known by seq) and dropped: evidence for tests and diagnostics. */
  dropped = 0;

  constructor(
    private readonly admin: DriverAdminClient,
    private readonly groupOf: (call: DriverCall) => string | undefined,
  ) {}

  /**
   * Fetches the new calls; a driver that does not answer leaves what is known unchanged. A refresh asked for
   * while another runs waits for it and then reads what came after it.
   */
  refresh(): Promise<void> {
    const next = this.reading.then(() => this.readOnce());
    this.reading = next.catch(() => undefined);
    return next;
  }

  private async readOnce(): Promise<void> {
    const fresh = await this.admin.journal({ sinceSeq: this.lastSeq }).catch(() => []);
    for (const call of [...fresh].sort((a, b) => a.seq - b.seq)) {
      if (call.seq <= this.lastSeq) {
        this.dropped++;
        continue;
      }
      this.lastSeq = call.seq;
      this.all.push(call);
      const key = this.groupOf(call);
      if (key === undefined) continue;
      const group = this.groups.get(key);
      if (group) group.push(call);
      else this.groups.set(key, [call]);
    }
  }

  /** Every call so far, in journal order, each once. */
  get calls(): readonly DriverCall[] {
    return this.all;
  }

  /** The calls of one group, in journal order, each once. */
  group(key: string): readonly DriverCall[] {
    return this.groups.get(key) ?? [];
  }
}
