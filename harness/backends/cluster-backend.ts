// The common shape of every place the suite can run: a backend brings a cluster up and hands back a started
// handle. The CLI chooses one with --backend; nothing here prints.

import type { SidecarVariant } from '../variants/sidecar-variants.ts';

/** Where the suite runs: the harness's own processes, a kind cluster, a cluster the user has, or k3s in Docker. */
export type BackendName = 'local' | 'kind' | 'existing' | 'k3s';

/** One driver + sidecar pair to deploy (one Deployment per variant, so one driver journal per variant). */
export interface StackVariant {
  /** Variant name as scenarios use it (e.g. v1alpha1-cosi86): suffix of every object of this pair. */
  name: string;
  /** The release it belongs to: era, CRDs and controller (all variants of one backend share them). */
  variant: SidecarVariant;
  /** Driver name the mock driver reports in DriverGetInfo; BucketClasses of this variant name it. */
  driverName: string;
  /** Sidecar image the cluster can run (built here: `cosi-chaos images`; or the user's own, --sidecar-image). */
  sidecarImage: string;
  /** The driver's rules file text (YAML); default no rules. */
  rules?: string;
}

/** Images a backend deploys besides the sidecars, and the archives it may load into its nodes first. */
export interface StackImages {
  driverImage: string;
  /** The release's controller image; no controller is deployed when unset. */
  controllerImage?: string;
  /** docker-save archives to load into the cluster's nodes (kind, k3s); an existing cluster gets none. */
  archives?: string[];
}

/** A started backend. `stop()` is idempotent and removes what `up()` created (unless told to keep it). */
export interface BackendHandle {
  readonly backend: BackendName;
  /** Admin kubeconfig of the cluster, for the harness's client and for kubectl. */
  readonly kubeconfigPath: string;
  /** Namespace the driver/sidecar pairs and the controller run in. */
  readonly namespace: string;
  /** Base URL of a variant's driver admin API reachable from this process (a port-forward on kind/existing/k3s). */
  driverAdminUrl(variant: string): Promise<string>;
  /** Writes sidecar, driver and controller logs into `dir` (call it when an expectation failed); returns the files. */
  collectLogs(dir: string): Promise<string[]>;
  stop(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

export interface ClusterBackend {
  readonly name: BackendName;
  up(): Promise<BackendHandle>;
}
