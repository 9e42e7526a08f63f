// The conformance suite's public surface: the CLI and tests import from here.
export type { CaseContext, CaseVerdict, ConformCase } from './conform-case.ts';
export { CONFORM_CASE_IDS, CONFORM_CASES } from './conform-cases.ts';
export { ConformInputError, ConformTargetError } from './conform-errors.ts';
export type * from './conform-results.ts';
export type { ConformRunOptions } from './conform-run.ts';
export { DEFAULT_CONFORM_DEADLINE_MS, runConformance, selectCases, summarize } from './conform-run.ts';
export type { BackendControl, ConformTarget, TargetBucket } from './conform-target.ts';
export { CONFORM_PROTOCOLS, type ConformProtocol } from './era-messages.ts';
export type { BackendHooks } from './hook-backend-control.ts';
export { MOCK_CONFORM_DRIVER_NAME, MockConformTarget } from './mock-target.ts';
export { SampleConformTarget, type SampleMode } from './sample-target.ts';
export { type DriverSelection, parseDriverFlag, startTarget } from './target-selection.ts';
