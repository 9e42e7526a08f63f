import type { ComponentVersion, Outcome } from './run-results.ts';

// The driver error-mapping report: plain data (driver-map.json is this), built by harness/driver-map/ and rendered
// by reports/driver-map-markdown.ts, which reads only result types.

/** What one sidecar build did with the code the driver returned, from a matrix or sweep run's cell. */
export interface SidecarReaction {
  variant: string;
  /** 'success': the driver answered OK, which every build takes as done; 'not-measured': the run has no such cell. */
  outcome: Exclude<Outcome, 'unavailable'> | 'success' | 'not-measured';
  attempts?: number;
  stillRetryingAtEnd?: boolean;
}

/** One backend failure the harness caused for real, and what the driver made of it. */
export interface DriverMapCase {
  id: string;
  /** The failure, in words ("a bucket name the S3 server rejects"). */
  failure: string;
  /** How the harness caused it. */
  how: string;
  rpc: 'create' | 'delete';
  /** The gRPC code the driver returned, its message and how long the call took. */
  returned: { code: string; message?: string; latencyMs: number };
  /** The codes the COSI spec asks for this failure. */
  specCodes: string[];
  /** Where specCodes come from (the spec's table, or gRPC's code guide where the spec names none). */
  specSource: string;
  /** The returned code is one of specCodes. */
  conforms: boolean;
  /** Proof that the failure was real (the object file in the bucket, the server's exit), read after the call. */
  evidence: string;
  /** Per sidecar build, what it did with the returned code (absent without --sidecars results). */
  sidecars?: SidecarReaction[];
}

export interface DriverMapResults {
  schemaVersion: 1;
  startedAt: string;
  finishedAt: string;
  /** The driver, the S3 server, and the sidecar builds' results the reactions come from. */
  components: ComponentVersion[];
  /** The matrix or sweep results.json the reactions were read from. */
  sidecarResults?: string;
  cases: DriverMapCase[];
}
