// What one scenario x variant left behind in the driver's backend and the API, and what its clients asked of the
// API server through the fault proxy. Plain data only (JSON-serialisable); schemas/results.schema.json mirrors it.

/** One backend bucket (by name: the Bucket object's name the sidecar passed to DriverCreateBucket). */
export interface LedgerBucket {
  bucketName: string;
  /** DriverCreateBucket calls for this name. */
  createCalls: number;
  /** Of those, answered OK (the bucket exists in the backend after each). */
  createCallsOk: number;
  /** Still in the mock driver's backend when the run ended. */
  inBackend: boolean;
  /** The Bucket object at the end: absent, or whether its status says ready. */
  apiObject: 'absent' | 'ready' | 'not-ready';
  /** Finalizers on the Bucket object at the end. */
  finalizers: string[];
}

/**
 * Duplicates, orphans and leftovers of one scenario x variant, counted when the run ended from the mock driver's
 * journal (create calls) and backend (what still exists) and the API's Buckets and claim (harness/runner/collect/bucket-ledger.ts).
 */
export interface BucketLedger {
  /** Claims the scenario created. */
  claims: number;
  /** Of those, gone from the API at the end (deleted, finalizers done). */
  claimsDeleted: number;
  /** DriverCreateBucket calls for the scenario's claims, in all. */
  createCalls: number;
  /** The most DriverCreateBucket calls any one claim got. */
  createCallsPerClaimMax: number;
  /** Distinct backend buckets that ever got an OK create. */
  bucketsCreated: number;
  /** Of those, still in the backend at the end. */
  bucketsInBackend: number;
  /** Backend buckets beyond one per claim (a claim with two buckets is one duplicate). */
  duplicates: number;
  /** OK creates beyond the first on the same backend bucket: idempotent here, a second bucket on a driver that mints an id per call. */
  repeatedCreatesOk: number;
  /** Backend buckets still present although their claim is gone; absent while a claim still exists. */
  orphans?: number;
  /** Bucket objects whose status does not say ready at the end. */
  bucketsNotReady: number;
  /** Finalizers still on objects being deleted, or on Buckets whose claim is gone. */
  finalizersLeft: number;
  buckets: LedgerBucket[];
}

/** Requests of one kind through the fault proxy. */
export interface ApiRequestCount {
  verb: string;
  /** Resource, with /subresource when there is one (buckets/status); the path for non-resource requests. */
  resource: string;
  /** HTTP status the client got; absent when it got none (reset, hang, client gone first). */
  status?: number;
  count: number;
}

/** Requests a fault rule acted on. */
export interface ApiInjectedCount {
  rule: string;
  kind: 'status' | 'delay' | 'hang' | 'reset' | 'cut-watch';
  count: number;
}

/** One write through the proxy, for a timeline beside the driver's calls. */
export interface ApiWrite {
  seq: number;
  wallTime: string;
  /** ms after the scenario's trigger (negative: before it). */
  offsetMs: number;
  verb: string;
  resource: string;
  name?: string;
  status?: number;
  outcome: string;
  /** The rule that injected a fault, if one did. */
  rule?: string;
}

/** The fault proxy's journal for one scenario x variant (its own control plane; this variant's sidecar and the controller). */
export interface ApiRequestSummary {
  /** Components routed through the proxy. */
  clients: ('sidecar' | 'controller')[];
  requests: number;
  byRequest: ApiRequestCount[];
  injected: ApiInjectedCount[];
  /** Watches the proxy ended early (cutWatch). */
  watchesCut: number;
  /** create/update/patch/delete requests in order (the first 300). */
  writes: ApiWrite[];
}
