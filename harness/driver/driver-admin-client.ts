import type { Rpc } from '../results/run-results.ts';

/** One call as the mock driver's admin API returns it (GET /journal). */
export interface DriverCall {
  seq: number;
  wallTime: string;
  monoMs: number;
  era: 'v1alpha1' | 'v1alpha2';
  rpc: Rpc;
  bucketName?: string;
  bucketId?: string;
  parameters: Record<string, string>;
  callNumber: number;
  rule?: string;
  code: string;
  message?: string;
  latencyMs: number;
  /** Interposer mode: who answered (a rule, or the real driver) and the driver's own latency. */
  answeredBy?: 'rule' | 'driver';
  driverLatencyMs?: number;
}

/** A bucket in the mock driver's backend (GET /orphans, /duplicates). */
export interface BackendBucket {
  bucketId: string;
  bucketName: string;
  parameters: Record<string, string>;
  objects: number;
  /** Creates answered OK for it; more than one is a repeated create. */
  successfulCreates: number;
}

// A driver that stops answering (wedged, or its host under load) fails the read instead of holding the run's
// observation loop: a journal read is retried on the next poll anyway.
const ADMIN_REQUEST_TIMEOUT_MS = 15_000;
const bounded = () => ({ signal: AbortSignal.timeout(ADMIN_REQUEST_TIMEOUT_MS) });

/** Reads a running mock driver's journal over its admin HTTP API. */
export class DriverAdminClient {
  constructor(readonly baseUrl: string) {}

  async healthy(): Promise<boolean> {
    const res = await fetch(`${this.baseUrl}/healthz`, bounded());
    return res.ok;
  }

  /** Every bucket in the driver's backend now (GET /orphans: created and not deleted). */
  async backendBuckets(): Promise<BackendBucket[]> {
    const res = await fetch(`${this.baseUrl}/orphans`, bounded());
    if (!res.ok) throw new Error(`GET /orphans: HTTP ${res.status}: ${await res.text()}`);
    return ((await res.json()) as { buckets: BackendBucket[] }).buckets;
  }

  /** Calls after `sinceSeq` (exclusive), optionally of one RPC. */
  async journal(opts: { sinceSeq?: number; rpc?: Rpc } = {}): Promise<DriverCall[]> {
    const q = new URLSearchParams();
    if (opts.sinceSeq !== undefined) q.set('since', String(opts.sinceSeq));
    if (opts.rpc) q.set('rpc', opts.rpc);
    const res = await fetch(`${this.baseUrl}/journal?${q}`, bounded());
    if (!res.ok) throw new Error(`GET /journal: HTTP ${res.status}: ${await res.text()}`);
    return ((await res.json()) as { entries: DriverCall[] }).entries;
  }
}
