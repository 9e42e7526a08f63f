import type { DriverAdminClient, DriverCall } from './driver-admin-client.ts';

/**
 * A driver's journal kept on this side and extended with only the calls since the last read (the admin API's
 * `since`), grouped by a key such as the scenario a call belongs to. Polling a long run reads each call once.
 */
export class JournalTail {
  private readonly all: DriverCall[] = [];
  private readonly groups = new Map<string, DriverCall[]>();

  constructor(
    private readonly admin: DriverAdminClient,
    private readonly groupOf: (call: DriverCall) => string | undefined,
  ) {}

  /** Fetches the new calls; a driver that does not answer leaves what is known unchanged. */
  async refresh(): Promise<void> {
    const fresh = await this.admin.journal({ sinceSeq: this.all.at(-1)?.seq ?? 0 }).catch(() => []);
    for (const call of fresh) {
      this.all.push(call);
      const key = this.groupOf(call);
      if (key === undefined) continue;
      const group = this.groups.get(key);
      if (group) group.push(call);
      else this.groups.set(key, [call]);
    }
  }

  /** Every call so far, in journal order. */
  get calls(): readonly DriverCall[] {
    return this.all;
  }

  /** The calls of one group, in journal order. */
  group(key: string): readonly DriverCall[] {
    return this.groups.get(key) ?? [];
  }
}
