// The results model of one run: the single source every report format is generated from.
// Plain data only (JSON-serialisable); reports/ imports these types and nothing else from harness/.
import type { ApiRequestSummary, BucketLedger } from './bucket-ledger-results.ts';
import type { RealDriverEvidence } from './real-driver-results.ts';
import type { ScaleResult } from './scale-results.ts';
import type { WitnessTable } from './witness-results.ts';

/** RPCs as the mock driver journals them. */
export type Rpc = 'getInfo' | 'create' | 'getExisting' | 'delete' | 'grant' | 'revoke';

/** COSI API era a sidecar speaks. */
export type Era = 'v1alpha1' | 'v1alpha2';

/** Go-style gRPC code names ('OK', 'InvalidArgument', ...), as the driver journal records them. */
export type GrpcCodeName = string;

/**
 * What the sidecar did in the window:
 * - terminal: exactly one attempt and no more.
 * - bounded: more than one attempt, then it stopped (or succeeded).
 * - unbounded: still retrying when the window closed.
 * - never-called: the RPC never reached the driver.
 * - crashed: the sidecar process exited or restarted during the window.
 * - unavailable: the variant could not be built or started here (reason in verdictReason).
 */
export type Outcome = 'terminal' | 'bounded' | 'unbounded' | 'never-called' | 'crashed' | 'unavailable';

/** pass/fail against the scenario's expectation; skipped when the variant was unavailable. */
export type Verdict = 'pass' | 'fail' | 'skipped';

export interface Attempt {
  /** Driver journal sequence number. */
  seq: number;
  wallTime: string;
  /** Milliseconds since the scenario's objects were applied. */
  offsetMs: number;
  code: GrpcCodeName;
  message?: string;
  bucketName?: string;
  /** Behind the interposer (spec.driver): the scenario's rule answered, or the real driver. */
  answeredBy?: 'rule' | 'driver';
}

export interface BackoffFit {
  /** First retry interval, ms. */
  baseMs: number;
  factor: number;
  /** Largest interval the curve reaches; null when the window never reached a cap. */
  capMs: number | null;
  /** Number of intervals the fit used. */
  points: number;
  /** Root-mean-square error of log(interval) against the fit. */
  rmsLogError: number;
}

export interface Projection {
  attemptsPerObjectPerDay: number;
  attemptsPerDayPer1000Objects: number;
  assumptions: string[];
}

export interface EventSummary {
  object: string;
  type: string;
  reason: string;
  message: string;
  count: number;
}

/** An Event the sidecar tried to write and that never reached the API, from the sidecar's log. */
export interface RefusedEvent {
  object: string;
  type: string;
  reason: string;
  message: string;
  /** Why it was refused, in the sidecar's own words. */
  refusal: string;
  /** Log lines that reported this refusal. */
  times: number;
}

export interface ObjectStatus {
  kind: string;
  name: string;
  namespace?: string;
  /** The object's status as read at the end of the window (free-form, as the API returned it). */
  status: Record<string, unknown>;
  /** Set when the object was being deleted at the end of the window. */
  deletionTimestamp?: string;
  /** Its finalizers then, when it was being deleted (what holds it). */
  finalizers?: string[];
}

/** One cell of the error-code matrix (only for matrix runs). */
export interface MatrixCell {
  code: GrpcCodeName;
  rpc: Rpc;
  /** 'always': every call returns the code; 'then-ok': the code 3 times, then success. */
  pattern: 'always' | 'then-ok';
}

export interface PolicyCheck {
  /** What the variant's declared policy says should happen. */
  declared: 'terminal' | 'retried' | 'bounded';
  conforms: boolean;
  evidence: string;
}

export interface ScenarioResult {
  scenario: string;
  file: string;
  description?: string;
  /** metadata.issue of the scenario (COSI-86): scenarios of one issue are read together. */
  issue?: string;
  variant: string;
  era: Era;
  rpc: Rpc;
  outcome: Outcome;
  attempts: Attempt[];
  intervalsMs: number[];
  windowMs: number;
  stillRetryingAtEnd: boolean;
  backoff?: BackoffFit;
  projection?: Projection;
  objects: ObjectStatus[];
  /** Events that reached the API. */
  events: EventSummary[];
  /** Events the sidecar tried to write and that were refused (from its log). */
  eventsRefused?: RefusedEvent[];
  /** POD_NAMESPACE the sidecar ran with. */
  sidecarNamespace?: string;
  /** Where the harness helped this release on a real API server, and why (SidecarVariant.deviation). */
  deviation?: string;
  /**
   * The sidecar divided its bounded-retry waits (and nothing else) by `factor`, read from env `env`: intervals are
   * as measured; multiply by factor for real time. Absent: real time.
   */
  timeScale?: { factor: number; env: string };
  sidecarRestarts: number;
  expectation: string;
  verdict: Verdict;
  verdictReason: string;
  /** Expectations this measurement could not check, and why (neither passed nor failed: the verdict omits them). */
  unchecked?: string[];
  cell?: MatrixCell;
  policy?: PolicyCheck;
  /** When and on what evidence the outcome was decided (absent in results written before decisions existed). */
  decision?: OutcomeDecisionRecord;
  /** When each phase was reached, ms since the harness process started (binaries resolved ... verdict). */
  phases?: Record<string, number>;
  /** The driver's count checked against the system's own records (local backend). */
  witnesses?: WitnessTable;
  /** Scale scenarios (spec.scale): N claims, each driver call attributed to its claim; memory and CPU. */
  scale?: ScaleResult;
  /** Duplicate and orphan buckets, create calls per claim, leftovers (harness/runner/collect/bucket-ledger.ts). */
  buckets?: BucketLedger;
  /** What went through the API-server fault proxy, when the scenario had apiFaults. */
  apiRequests?: ApiRequestSummary;
  /** A real driver behind the interposer (spec.driver): who answered, and the S3 server's own view. */
  realDriver?: RealDriverEvidence;
}

/** How a scenario x variant's outcome was decided: by the window closing, or early on stated evidence. */
export interface OutcomeDecisionRecord {
  /** Before the window closed. */
  early: boolean;
  /** Milliseconds after the trigger. */
  atMs: number;
  /** window: the window closed; budget: more attempts than expected; retrying: still backing off beyond every
   * declared budget; quiet: stopped for longer than the era's retry sources would wait. */
  basis: 'window' | 'budget' | 'retrying' | 'quiet';
  evidence: string;
}

export interface ComponentVersion {
  name: string;
  version: string;
  /** Where the binary came from: built from a Go module, KUBEBUILDER_ASSETS, a user path, ... */
  source: string;
  path?: string;
}

export interface LoadError {
  file: string;
  message: string;
}

/**
 * Which part of a sharded matrix or sweep these results are (`--shard I/N`); absent on a whole run. `report merge`
 * joins the N parts into the run one machine would have made.
 */
export interface ShardRecord {
  /** 1-based, <= count. */
  index: number;
  count: number;
  /** The command that planned the cells; it decides the merged run's exit code as it decides its own. */
  command: 'matrix' | 'sweep';
  /** matrix --allow-unavailable: variants that could not be built do not fail the gate. */
  allowUnavailable?: boolean;
  /** planDigest of the whole plan and the run's options: the shards of one run share it. */
  plan: string;
  /** Every cell of the whole plan (not only this shard's), in plan order. */
  planCells: MatrixCell[];
  /** The shard was interrupted (Ctrl-C): its results are partial, and merge refuses them. */
  interrupted?: boolean;
}

/** What a merged run was made of (`report merge`): the plan and each shard's own start and end. */
export interface MergedShards {
  command: ShardRecord['command'];
  plan: string;
  count: number;
  shards: { index: number; startedAt: string; finishedAt: string }[];
}

/**
 * Where a run's time went, in ms from its start (performance clock): the binaries, then the control planes (or
 * cluster turns), a few starting at once. The sums are over planes, so they exceed the wall time when planes overlap.
 */
export interface RunTiming {
  wallMs: number;
  /** Finding or building every binary (0 on a warm cache, minutes on a cold one). */
  buildMs: number;
  /** Control planes (cluster turns) started. */
  planes: number;
  /** Groups of pairs run, each on a plane of its own or lent by the pool (absent: one plane per group). */
  groups?: number;
  /** Groups that ran on a plane an earlier group had used (reset in between). */
  planesReused?: number;
  /** Summed over the pool's planes: starting them (etcd to CRDs established). */
  planeStartMs?: number;
  /** Summed over reuses: resetting a plane between two groups. */
  resetMs?: number;
  /** Summed over groups: from the start call (waiting for, taking or starting its plane) to its sidecars up. */
  startMs: number;
  /** Summed over groups: from up to every pair in it decided (applying, set-up waves and the observation). */
  windowMs: number;
  /** Summed over groups: stopping its stack and resetting or stopping its plane, then the pool's planes. */
  teardownMs: number;
  /** When the last plane was up, and when the last pair was decided. */
  lastPlaneUpMs: number;
  lastVerdictMs: number;
}

export interface RunResults {
  schemaVersion: 1;
  tool: { name: 'cosi-chaos'; version: string };
  startedAt: string;
  finishedAt: string;
  backend: 'local' | 'kind' | 'existing';
  windowMs: number;
  /** Scenario x variant pairs were decided as soon as certain (each result's `decision` says how); absent: --full. */
  earlyDecisions?: boolean;
  components: ComponentVersion[];
  scenarios: ScenarioResult[];
  loadErrors: LoadError[];
  /** This run is one shard of a matrix or sweep. */
  shard?: ShardRecord;
  /** This run was merged from shards: startedAt is the earliest shard's start, finishedAt the latest's end. */
  mergedFrom?: MergedShards;
  /** Where the time went (absent in merged runs: each shard has its own). */
  timing?: RunTiming;
}
