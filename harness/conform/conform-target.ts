import type { BackendControlSource, ConformComponent, ConformEra } from './conform-results.ts';

/** A bucket as the driver knows it and as it was asked for. */
export interface TargetBucket {
  bucketId: string;
  name: string;
}

/**
 * Puts the backend in a state a driver cannot be driven into through COSI. Each method is optional: a target
 * without it has those cases skipped, with `unavailableReason` as the reason. Each returns evidence in words.
 */
export interface BackendControl {
  /** Who does it: the harness (it runs the backend) or a user's hook command. */
  readonly source: Exclude<BackendControlSource, 'none'>;
  makeBucketNonEmpty?(bucket: TargetBucket): Promise<string>;
  /** Undoes makeBucketNonEmpty so the run's cleanup can delete the bucket. */
  emptyBucket?(bucket: TargetBucket): Promise<string>;
  /** Stops the backend for good (idempotent): the suite runs the case that needs it after its cleanup. */
  stopBackend?(): Promise<string>;
}

/**
 * A started driver the conformance suite talks to: where it listens, which eras it is known to serve (else they
 * are detected through DriverGetInfo), what can be done to its backend, and stop(). A new kind of driver (a
 * vendor's at a commit) is a new implementation of this; the cases never see which one they run against.
 */
export interface ConformTarget {
  /** In words, for the report ("mock driver", "upstream sample driver, s3:impl on versitygw v1.8.0"). */
  readonly description: string;
  /** gRPC target: unix:/path/to.sock or HOST:PORT. */
  readonly address: string;
  /** Eras known from how the target was made; undefined: ask the driver. */
  readonly eras?: readonly ConformEra[];
  readonly backend?: BackendControl;
  /** Why backend cases are skipped when `backend` lacks a method. */
  readonly noBackendControlReason: string;
  readonly components: readonly ConformComponent[];
  /**
   * Class parameters the driver itself needs on every create and grant, provided by the harness (the Scality
   * driver: the Secret naming its S3 server); the user's --parameters / --access-parameters go over them.
   */
  readonly parameters?: Readonly<Record<string, string>>;
  /**
   * Called before each call: what a sidecar and controller would have made for it and the driver reads (the
   * Scality driver GETs the Bucket object on delete and revoke).
   */
  beforeCall?(method: string, request: Readonly<Record<string, unknown>>): Promise<void>;
  /** Idempotent: stops what the target started and removes its files; a running driver it did not start stays. */
  stop(): Promise<void>;
}
