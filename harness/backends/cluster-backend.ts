// The common shape of every place the suite can run: a backend brings a cluster up and hands back a started
// handle. The CLI chooses one with --backend; nothing here prints.

/** Where the suite runs: the harness's own processes, a kind cluster, a cluster the user has, or k3s in Docker. */
export type BackendName = 'local' | 'kind' | 'existing' | 'k3s';

/** One driver + sidecar pair to deploy (one Deployment per variant, so one driver journal per variant). */
export interface StackVariant {
  /** Variant name as scenarios use it (e.g. v1alpha1-cosi86): suffix of every object of this pair. */
  name: string;
  /** Driver name the mock driver reports in DriverGetInfo; BucketClasses of this variant name it. */
  driverName: string;
  /** Sidecar image; default deploy/base's (COSI-86's v20241219-v0.1.0-60-g6a5a12c). */
  sidecarImage?: string;
  /** The driver's rules file text (YAML); default deploy/base/rules.yaml (no rules). */
  rules?: string;
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
