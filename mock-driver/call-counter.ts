import type { RpcName } from './call-context.ts';

// Numbers calls per (bucket key, rpc), 1-based, so rules can say "the 3rd create of this bucket".
export class CallCounter {
  private readonly counts = new Map<string, number>();

  next(bucketKey: string, rpc: RpcName): number {
    const key = `${rpc}\u0000${bucketKey}`;
    const value = (this.counts.get(key) ?? 0) + 1;
    this.counts.set(key, value);
    return value;
  }

  // Used when reopening a journal, so call numbers carry on across a driver restart.
  observe(bucketKey: string, rpc: RpcName, callNumber: number): void {
    const key = `${rpc}\u0000${bucketKey}`;
    this.counts.set(key, Math.max(this.counts.get(key) ?? 0, callNumber));
  }

  reset(): void {
    this.counts.clear();
  }
}
