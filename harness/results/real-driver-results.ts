import type { Rpc } from './run-results.ts';

/** How many of a scenario's calls of one RPC got one code from one answerer. */
export interface AnswerCount {
  rpc: Rpc;
  /** rule: the scenario's rule answered in the interposer; driver: the real driver did. */
  answeredBy: 'rule' | 'driver';
  code: string;
  count: number;
  /** The first such answer's message, as the sidecar got it. */
  message?: string;
}

/** One bucket directory of the real S3 server, ms since the scenario's trigger (negative: before it). */
export interface BackendBucketSighting {
  name: string;
  firstSeenOffsetMs: number;
  goneOffsetMs?: number;
}

/** What a real driver behind the interposer did for one scenario x variant (spec.driver). */
export interface RealDriverEvidence {
  /** The driver, in one line ("sample driver (s3:impl)"). */
  driver: string;
  /** Every call of the scenario over the run (set-up included), by RPC, answerer and code. */
  answers: AnswerCount[];
  /** The S3 server's own view of the scenario's buckets (sample driver on versitygw: a bucket is a directory). */
  backend?: RealDriverBackend;
}

/** The S3 server's data dir, read for the scenario's buckets. */
export interface RealDriverBackend {
  server: 'versitygw';
  dataDir: string;
  /** The scenario's bucket names the journal shows, each with what the data dir showed (absent: never seen). */
  buckets: RealDriverBucket[];
  /** never: none of them seen; present: one still there at the end; gone: seen, and gone by the end. */
  state: 'never' | 'present' | 'gone';
}

export interface RealDriverBucket {
  name: string;
  sighting?: BackendBucketSighting;
}
