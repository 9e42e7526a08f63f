import type { GrpcCodeName, MatrixCell, Outcome } from './run-results.ts';

// The version sweep's table: plain data (sweep.json is this), built by harness/matrix/version-sweep.ts and rendered
// by reports/sweep-table.ts, which reads only result types.

/**
 * One variant's measurement of one cell. 'unavailable': not built or started here; 'not-triggered': its window
 * never opened (the bucket never became ready, the grant never came, or the trigger failed); 'absent': the run
 * has no result for it. Only 'measured' entries say anything about the release.
 */
export type SweepEntry =
  | {
      variant: string;
      status: 'measured';
      outcome: Exclude<Outcome, 'unavailable'>;
      attempts: number;
      stillRetryingAtEnd: boolean;
      sidecarRestarts: number;
      /** For a never-called entry the release declares: the upstream file and function that never makes the call. */
      declaredNeverCalled?: string;
    }
  | { variant: string; status: 'unavailable' | 'not-triggered' | 'absent'; reason: string };

/** One rpc x code (x pattern) across the releases, oldest first. */
export interface SweepRow {
  rpc: MatrixCell['rpc'];
  code: GrpcCodeName;
  pattern: MatrixCell['pattern'];
  /** One per variant, in the sweep's order. */
  entries: SweepEntry[];
  /** The oldest release whose measurement is terminal, or 'never' among those measured. */
  firstTerminal: string;
  /** Releases older than firstTerminal (all, when 'never') that were not measured: the first may be earlier. */
  unmeasuredBefore: string[];
  /** Releases newer than firstTerminal that call again (bounded, unbounded) or crash: terminal, then not. */
  regressedIn: string[];
}

/** The sweep's table: a report model, plain data (sweep.json is this). */
export interface VersionSweep {
  /** Variant names, oldest release first: the columns. */
  variants: string[];
  patterns: MatrixCell['pattern'][];
  windowMs: number;
  rows: SweepRow[];
  /** True when every entry is 'measured': the CLI exits 0 only then. */
  complete: boolean;
}
