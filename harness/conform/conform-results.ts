// The results of one `cosi-chaos conform` run: plain data (conform-results.json is this, its schema is
// schemas/conform-results.schema.json). reports/conform-*.ts import these types and nothing else from harness/.

/** A COSI API era, as its proto package names it (cosi.v1alpha1, sigs.k8s.io.cosi.v1alpha2). */
export type ConformEra = 'v1alpha1' | 'v1alpha2';

/** RFC 2119 strength of the sentence a case checks: only MUST failures fail the run. */
export type ConformLevel = 'MUST' | 'SHOULD';

/**
 * pass / fail: the rule was checked. error: a step the case needs first (e.g. the create before a grant) did not
 * succeed, so the rule could not be checked (counts as not passed). skip: not applicable here, reason given.
 */
export type ConformOutcome = 'pass' | 'fail' | 'error' | 'skip';

/** Where a case's rule is written: the spec file of the era's proto module, and the sentence. */
export interface SpecCitation {
  /** Go module and version the file is from, e.g. sigs.k8s.io/container-object-storage-interface-spec@v0.1.0. */
  module: string;
  /** File inside that module: spec.md or cosi.proto. */
  file: string;
  /** Section or message the sentence is in. */
  section: string;
  /** The sentence, verbatim. */
  text: string;
}

/** One gRPC call a case made: what was sent and what came back (secrets in answers redacted). */
export interface ConformCall {
  /** gRPC method name, e.g. DriverCreateBucket. */
  method: string;
  request: Record<string, unknown>;
  /** Go-style code name; a status outside gRPC's 17 codes reads Unknown (as grpc-go reads it). */
  code: string;
  message?: string;
  response?: Record<string, unknown>;
  latencyMs: number;
  /** The deadline the call was sent with. */
  deadlineMs: number;
}

/** How a backend state a driver cannot be driven into through COSI was reached, if at all. */
export type BackendControlSource = 'harness' | 'hook' | 'none';

export interface ConformCaseResult {
  /** Case id (stable: --only / --skip take it). */
  id: string;
  era: ConformEra;
  title: string;
  level: ConformLevel;
  spec: SpecCitation;
  /** What the rule asks, in a few words ("InvalidArgument", "OK with the same bucket id"). */
  expected: string;
  outcome: ConformOutcome;
  /** What the driver answered, or why the case was skipped or could not be checked. */
  answer: string;
  /** For cases that need the backend put in a state: who put it there (or 'none' when skipped for that). */
  backendControl?: BackendControlSource;
  calls: ConformCall[];
  durationMs: number;
}

/** Something the run created and could not remove at the end. */
export interface ConformLeftover {
  kind: 'bucket' | 'access';
  bucketId: string;
  accountId?: string;
  name?: string;
  /** The code and message of the last removal attempt. */
  code: string;
  message?: string;
}

export interface ConformTargetInfo {
  /** The --driver value as given. */
  driver: string;
  /** What was run, in words ("upstream sample driver, s3:impl on versitygw v1.8.0"). */
  description: string;
  /** The gRPC address the suite talked to. */
  address: string;
  /** Eras the driver answered DriverGetInfo on. */
  eras: ConformEra[];
  /** The name each era's DriverGetInfo returned. */
  driverNames: Partial<Record<ConformEra, string>>;
  protocol: 'S3' | 'Azure' | 'GCS';
  parameters: Record<string, string>;
  accessParameters: Record<string, string>;
  /** How the backend states are reached: the harness (it runs the backend), a user's hook command, or not. */
  backendControl: { nonEmptyBucket: BackendControlSource; stopBackend: BackendControlSource };
}

export interface ConformSummary {
  pass: number;
  fail: number;
  error: number;
  skip: number;
  /** MUST cases that did not pass (fail or error): the run's exit code is 1 when this is above 0. */
  mustNotPassed: number;
  shouldNotPassed: number;
}

export interface ConformComponent {
  name: string;
  version: string;
  source: string;
  path?: string;
}

export interface ConformResults {
  schemaVersion: 1;
  tool: { name: 'cosi-chaos'; version: string };
  startedAt: string;
  finishedAt: string;
  wallMs: number;
  /** Every name the run created starts with this (cleanup finds them by it). */
  runPrefix: string;
  /** Deadline of every call, in ms. */
  deadlineMs: number;
  target: ConformTargetInfo;
  components: ConformComponent[];
  cases: ConformCaseResult[];
  summary: ConformSummary;
  cleanup: { removed: number; leftovers: ConformLeftover[] };
}
