// Where the suite runs: kind, an existing cluster, k3s in Docker. The CLI picks one with --backend.
export type {
  BackendHandle,
  BackendName,
  ClusterBackend,
  StackImages,
  StackVariant,
} from './cluster-backend.ts';
export { RolloutError } from './cluster-stack.ts';
export { ClusterTurns } from './cluster-turns.ts';
export {
  CommandError,
  type CommandResult,
  type CommandRunner,
  ExecaCommandRunner,
  type StartedCommand,
} from './command-runner.ts';
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
export {
  type BuiltImage,
  buildControllerImage,
  buildMockDriverImage,
  buildSidecarImage,
  imageRefs,
} from './release-images.ts';
export {
  type ReleaseMember,
  type ReleaseStack,
  type ReleaseStackOptions,
  releaseStack,
  VARIANT_LABEL,
  writeReleaseStack,
} from './release-stack.ts';
export { variantSuffix } from './stack-names.ts';
