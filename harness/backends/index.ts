// Where the suite runs: kind, an existing cluster, k3s in Docker. The CLI picks one with --backend.
export type { BackendHandle, BackendName, ClusterBackend, StackVariant } from './cluster-backend.ts';
export { RolloutError } from './cluster-stack.ts';
export {
  CommandError,
  type CommandResult,
  type CommandRunner,
  ExecaCommandRunner,
  type StartedCommand,
} from './command-runner.ts';
export { writeV1alpha1CrdKustomization } from './crd-kustomization.ts';
export { DEFAULT_SIDECAR_IMAGE } from './deploy-paths.ts';
export {
  detectDocker,
  detectKind,
  needsDocker,
  requireKindTools,
  ToolUnavailableError,
} from './docker-availability.ts';
export {
  type CreatedObject,
  ExistingClusterBackend,
  type ExistingClusterBackendOptions,
} from './existing-cluster-backend.ts';
export { type K3sBackendOptions, K3sTestcontainersBackend } from './k3s-testcontainers-backend.ts';
export { KindBackend, type KindBackendOptions } from './kind-backend.ts';
export { variantSuffix } from './stack-kustomization.ts';
