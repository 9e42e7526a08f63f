import type { ConformEra } from './conform-results.ts';

/** A bucket the run created, until a delete of it is answered OK. */
export interface LedgerBucket {
  era: ConformEra;
  bucketId: string;
  name: string;
  parameters: Record<string, string>;
}

/** An access the run granted, until a revoke of it is answered OK. */
export interface LedgerAccess {
  era: ConformEra;
  bucketId: string;
  accountId: string;
  accountName: string;
}

/**
 * What the run created and has not yet removed, learnt from the driver's OK answers; the cleanup at the end of
 * the run removes what is left (accesses first, then buckets) and lists what it could not.
 */
export class ResourceLedger {
  private readonly buckets = new Map<string, LedgerBucket>();
  private readonly accesses = new Map<string, LedgerAccess>();
  private readonly key = (era: ConformEra, id: string) => `${era}/${id}`;

  created(bucket: LedgerBucket): void {
    this.buckets.set(this.key(bucket.era, bucket.bucketId), bucket);
  }

  deleted(era: ConformEra, bucketId: string): void {
    this.buckets.delete(this.key(era, bucketId));
  }

  granted(access: LedgerAccess): void {
    this.accesses.set(this.key(access.era, `${access.bucketId}/${access.accountId}`), access);
  }

  revoked(era: ConformEra, bucketId: string, accountId: string): void {
    this.accesses.delete(this.key(era, `${bucketId}/${accountId}`));
  }

  openBuckets(): LedgerBucket[] {
    return [...this.buckets.values()];
  }

  openAccesses(): LedgerAccess[] {
    return [...this.accesses.values()];
  }
}
