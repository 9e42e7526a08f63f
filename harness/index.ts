// The harness's public surface: the CLI (and anything else on top) imports from here, never from the files behind it.

export {
  type BuiltImage,
  buildControllerImage,
  buildMockDriverImage,
  buildSidecarImage,
  ClusterTurns,
  CommandError,
  type CommandRunner,
  ExistingClusterBackend,
  imageRefs,
  KindBackend,
  releaseStack,
  requireKindTools,
  type StackImages,
  type StackVariant,
  ToolUnavailableError,
  variantSuffix,
  writeReleaseStack,
} from './backends/index.ts';
export { isExecutable, resolveBinary } from './binaries/binary-resolver.ts';
export { BuildError } from './binaries/build-error.ts';
export { BUILD_JOBS_ENV, BuildPool } from './binaries/build-pool.ts';
export {
  ACTIONLINT,
  CHAINSAW,
  ETCD,
  type GoBuildRecipe,
  KUBE_APISERVER,
  KUBE_CONTROLLER_MANAGER,
  KUBE_PROXY,
  KUBE_SCHEDULER,
  KUBELET,
  SAMPLE_COSI_DRIVER,
  SCALITY_REVISIONS,
  type ScalityRevision,
  VERSITYGW,
} from './binaries/component-catalog.ts';
export { buildPatched, PatchError, patchKey } from './binaries/patched-build.ts';
export { DriverAdminClient } from './driver/driver-admin-client.ts';
export { BACKEND_FAILURES } from './driver-map/backend-failure-cases.ts';
export { runDriverMap, sampleMapTarget } from './driver-map/driver-map-run.ts';
export { scalityMapTarget } from './driver-map/scality-map-target.ts';
export { sidecarReactions } from './driver-map/sidecar-reactions.ts';
export { assignShards, cellsOfShard, planDigest, type ShardSpec } from './matrix/cell-shard.ts';
export { MATRIX_RPCS, type MatrixRpc, NON_OK_CODES, type NonOkCode } from './matrix/grpc-codes.ts';
export { planMatrix } from './matrix/matrix-plan.ts';
export {
  builtinMatrixVariants,
  defaultMatrixVariants,
  policyFileFor,
  userVariant,
} from './matrix/matrix-variants.ts';
export { loadPolicy, PolicyError, type RetryPolicy } from './matrix/retry-policy.ts';
export { inReleaseOrder, planSweep, type VersionSweep, versionSweep } from './matrix/version-sweep.ts';
export { ProcessStartError } from './process/process-errors.ts';
export type { DriverMapResults } from './results/driver-map-results.ts';
export type * from './results/run-results.ts';
export { mergeShards, ShardMergeError } from './results/shard-merge.ts';
export { provisionBinary, unavailableReason } from './runner/start/binary-provisioner.ts';
export { ClusterEnvironment, ClusterSidecarError } from './runner/start/cluster-environment.ts';
export {
  ControlPlanePool,
  defaultPlanes,
  PLANES_ENV,
  type PlaneLease,
} from './runner/start/control-plane-pool.ts';
export { CosiPlane, type PlaneApi, planeKey } from './runner/start/cosi-plane.ts';
export { driverNameFor } from './runner/start/object-names.ts';
export {
  deletesAlone,
  type RunProgress,
  runSuite,
  type SidecarResolver,
  type SuiteOptions,
} from './runner/suite-runner.ts';
export { parseDuration } from './scenarios/duration.ts';
export { InvalidScenariosError } from './scenarios/invalid-scenarios-error.ts';
export {
  type DriverSelection,
  describeDriver,
  driverFromFlag,
  scalityRevision,
} from './scenarios/scenario-driver.ts';
export { ScenarioError } from './scenarios/scenario-error.ts';
export {
  discoverScenarioFiles,
  type LoadedScenarios,
  loadScenarioFile,
  loadScenarios,
  parseScenarios,
} from './scenarios/scenario-loader.ts';
export type { Scenario } from './scenarios/scenario-types.ts';
export { type AttachedRun, attachRun, notAttachable } from './stack/attached-run.ts';
export { AttemptWatch, outcomeNow, type WatchedLoop } from './stack/attempt-watch.ts';
export { exploreClassNames, LiveStack, planeKeyOf } from './stack/live-stack.ts';
export { addRunRules, removeRunRules, StackRulesError } from './stack/stack-rules.ts';
export {
  type LiveStackPlane,
  type LiveStackVariant,
  NoStackError,
  readStackState,
  type StackState,
} from './stack/stack-state.ts';
export {
  DEFAULT_TIME_SCALE,
  PATCHED_VARIANTS,
  parseTimeScale,
  RUN_VARIANTS,
  userPatchVariant,
  withTimeScale,
} from './variants/patched-variants.ts';
export {
  BUILTIN_VARIANTS,
  eraDefaults,
  type SidecarVariant,
  sameApi,
  selectVariants,
} from './variants/sidecar-variants.ts';
