// Public surface of the mock driver; other areas import only from here.
export type { AdminServer } from './admin-server.ts';
export { DEFAULT_ADMIN_ADDRESS } from './admin-server.ts';
export type { CallContext, RpcName } from './call-context.ts';
export { RPC_NAMES } from './call-context.ts';
export type {
  JournalClock,
  JournalCount,
  JournalEntry,
  JournalFilter,
  RequestedAccess,
} from './call-journal.ts';
export { CallJournal, readJournalFile } from './call-journal.ts';
export type { CosiCallOptions, CosiCallResult, CosiClient } from './cosi-client.ts';
export { connectCosiClient } from './cosi-client.ts';
export type { CosiEra } from './cosi-protos.ts';
export {
  COSI_ERAS,
  COSI_PACKAGES,
  COSI_PROTO_FILES,
  loadCosiServices,
  PROTO_LOADER_OPTIONS,
} from './cosi-protos.ts';
export { runDriverCommand } from './driver-command.ts';
export type { GrpcCodeName, JournalCode } from './grpc-code-names.ts';
export { GRPC_CODE_NAMES, grpcCodeName, grpcCodeNumber } from './grpc-code-names.ts';
export { DriverListenError } from './grpc-driver-server.ts';
export type { MockDriverHandle, MockDriverOptions } from './mock-driver.ts';
export { DEFAULT_DRIVER_NAME, startMockDriver } from './mock-driver.ts';
export type { StoredBucket } from './object-store-backend.ts';
export { bucketIdFor } from './object-store-backend.ts';
export { decodeRpcStatus, type ErrorInfoDetail } from './rpc-status-details.ts';
export { loadRuleFile, parseRules, RULES_SCHEMA_PATH } from './rule-file.ts';
export { RuleFileError } from './rule-file-error.ts';
export { selectRule } from './rule-set.ts';
export type {
  ActionSpec,
  CompiledRule,
  RuleFileSpec,
  RuleMatchSpec,
  RuleSet,
  RuleSpec,
  StringMatcherSpec,
} from './rule-types.ts';
export { seededRandom } from './seeded-random.ts';
export { compileStringMatcher, MatcherSpecError } from './string-matcher.ts';
