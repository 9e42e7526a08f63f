// A scenario file as loaded (schemas/scenario.schema.json is the contract; these types mirror it).
import type { ApiFaultSet } from '../api-faults/api-fault-types.ts';
import type { MatrixCell, Outcome, Rpc } from '../results/run-results.ts';
import type { DriverSelection } from './scenario-driver.ts';

export interface Expectation {
  outcome: Exclude<Outcome, 'unavailable'>;
  attempts?: number;
  /**
   * Exactly this many attempts up to and including the first OK, and no failed one after it. Calls after the first
   * OK that are answered OK are reported, not counted against it: they are the success re-sent, not the error
   * retried (v1alpha1 calls the driver again when its status write after a success fails).
   */
  attemptsUntilOk?: number;
  minAttempts?: number;
  maxAttempts?: number;
  within?: string;
  stillRetrying?: boolean;
  minBucketNameLength?: number;
  /** Event reasons that must have reached the API. */
  events?: string[];
  /** Event reasons the sidecar's log must show refused (local backend). */
  eventsRefused?: string[];
  statusError?: boolean;
  /** The Bucket's status.error message must contain this (v1alpha2). */
  statusErrorContains?: string;
  /** The witnesses (audit log, Events, metrics, sidecar log) agree with the driver, or differ for a measured cause. */
  witnessesAgree?: boolean;
  /** Backend buckets beyond one per claim (harness/runner/collect/bucket-ledger.ts). */
  duplicates?: number;
  /** Backend buckets left after their claim was deleted. */
  orphans?: number;
  /** DriverCreateBucket calls for any one claim. */
  createCallsPerClaim?: { max: number };
  /** Exactly this many driver calls per RPC for the scenario over the run, set-up calls included. */
  calls?: Partial<Record<'create' | 'delete' | 'grant' | 'revoke', number>>;
  /** Real S3 server only: the scenario's bucket in its data dir (never seen, present at the end, seen then gone). */
  backendBucket?: 'never' | 'present' | 'gone';
  /** Bounded retries (matrix cells of a `bounded:` policy): the waits between the attempts, each within tolerance. */
  retryIntervals?: RetryIntervalsExpectation;
}

/**
 * What the journal of a bounded retry must show: `expectedMs[i]` between attempt i+1 and i+2 (the declared
 * interval divided by the run's time scale), each within the larger of toleranceRatio x expected and toleranceMs.
 * `timeScale` is recorded so reports can give the intervals scaled back to real time.
 */
export interface RetryIntervalsExpectation {
  expectedMs: number[];
  toleranceRatio: number;
  toleranceMs: number;
  timeScale: number;
}

export interface ScenarioVariant {
  sidecar: string;
  note?: string;
  /** Matrix runs: what the variant's declared policy says about this cell. */
  declared?: 'terminal' | 'retried' | 'success' | 'bounded';
  rules?: Record<string, unknown>[];
  expect: Expectation;
}

/** A BucketAccess the scenario creates once its claim's bucket is ready (grant and revoke scenarios). */
export interface ScenarioAccess {
  className: string;
  name: string;
  parameters: Record<string, string>;
}

/**
 * When the counted RPC's window opens: at apply (create), when the claim is deleted (delete), when the
 * BucketAccess is created (grant) or deleted after it was granted (revoke).
 */
export type ScenarioTrigger = 'apply' | 'delete-claim' | 'create-access' | 'delete-access';

export interface Scenario {
  /** File it was loaded from. */
  file: string;
  name: string;
  description?: string;
  issue?: string;
  rpc: Extract<Rpc, 'create' | 'delete' | 'grant' | 'revoke'>;
  windowMs: number;
  rules: Record<string, unknown>[];
  bucketClass: { name: string; deletionPolicy: 'Retain' | 'Delete'; parameters: Record<string, string> };
  bucketClaim: { name: string; namespace: string; protocols: string[] };
  variants: ScenarioVariant[];
  access?: ScenarioAccess;
  trigger?: ScenarioTrigger;
  /**
   * POD_NAMESPACE of the sidecars this scenario runs with (default: a namespace of their own, as upstream deploys
   * them). `default` lets a v1alpha1 sidecar's Events about Buckets land.
   */
  sidecarNamespace?: string;
  /** Matrix runs: the code x RPC x pattern this scenario is. */
  cell?: MatrixCell;
  /** API-server faults (spec.apiFaults), compiled; the scenario then runs in a control plane of its own. */
  apiFaults?: ApiFaultSet;
  /** Components routed through the fault proxy (spec.apiFaultsClients; default sidecar). */
  apiFaultsClients?: ('sidecar' | 'controller')[];
  /** create scenarios: the claim is deleted this long after it was applied (spec.deleteClaimAfter). */
  deleteClaimAfterMs?: number;
  /** Scale runs: N claims of the one BucketClass failing at once (harness/runner/start/claim-fleet.ts). */
  scale?: ScenarioScale;
  /** What answers the sidecar's driver calls (spec.driver; default the mock driver). */
  driver?: DriverSelection;
  /** spec.s3Objects: put into the scenario's bucket through the real driver's S3 server before the trigger. */
  s3Objects?: { key: string; body: string }[];
  /** spec.exactNames: each variant on a plane of its own, so its objects carry the scenario's names unsuffixed. */
  exactNames?: boolean;
}

/** spec.scale: how many BucketClaims the scenario creates; each driver call is attributed to its claim. */
export interface ScenarioScale {
  claims: number;
}
