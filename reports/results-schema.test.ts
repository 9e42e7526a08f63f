// The schema must match harness/results/run-results.ts exactly. The compiler checks the key lists below
// against the TypeScript types (a missing, extra or wrongly optional key does not compile); the tests check
// the schema file against the same lists, so neither side can drift alone.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type {
  ApiInjectedCount,
  ApiRequestCount,
  ApiRequestSummary,
  ApiWrite,
  BucketLedger,
  LedgerBucket,
} from '../harness/results/bucket-ledger-results.ts';
import type {
  AnswerCount,
  BackendBucketSighting,
  RealDriverBackend,
  RealDriverBucket,
  RealDriverEvidence,
} from '../harness/results/real-driver-results.ts';
import type {
  Attempt,
  BackoffFit,
  ComponentVersion,
  Era,
  EventSummary,
  LoadError,
  MatrixCell,
  MergedShards,
  ObjectStatus,
  Outcome,
  OutcomeDecisionRecord,
  PolicyCheck,
  Projection,
  RefusedEvent,
  Rpc,
  RunResults,
  RunTiming,
  ScenarioResult,
  ShardRecord,
  Verdict,
} from '../harness/results/run-results.ts';
import type {
  ClaimOutcomes,
  PerClaimSpread,
  ScaleResources,
  ScaleResult,
  ScaleWitness,
} from '../harness/results/scale-results.ts';
import type {
  LogVolume,
  WitnessNotMeasured,
  WitnessRow,
  WitnessTable,
} from '../harness/results/witness-results.ts';
import { RESULTS_SCHEMA_PATH } from './results-file.ts';

type KeyKinds<T> = { [K in keyof T]-?: Record<string, never> extends Pick<T, K> ? 'optional' : 'required' };

const runResults: KeyKinds<RunResults> = {
  schemaVersion: 'required',
  tool: 'required',
  startedAt: 'required',
  finishedAt: 'required',
  backend: 'required',
  windowMs: 'required',
  earlyDecisions: 'optional',
  components: 'required',
  scenarios: 'required',
  loadErrors: 'required',
  shard: 'optional',
  mergedFrom: 'optional',
  timing: 'optional',
};
const runTiming: KeyKinds<RunTiming> = {
  wallMs: 'required',
  buildMs: 'required',
  planes: 'required',
  groups: 'optional',
  planesReused: 'optional',
  planeStartMs: 'optional',
  resetMs: 'optional',
  startMs: 'required',
  windowMs: 'required',
  teardownMs: 'required',
  lastPlaneUpMs: 'required',
  lastVerdictMs: 'required',
};
const shardRecord: KeyKinds<ShardRecord> = {
  index: 'required',
  count: 'required',
  command: 'required',
  allowUnavailable: 'optional',
  plan: 'required',
  planCells: 'required',
  interrupted: 'optional',
};
const mergedShards: KeyKinds<MergedShards> = {
  command: 'required',
  plan: 'required',
  count: 'required',
  shards: 'required',
};
const mergedShard: KeyKinds<MergedShards['shards'][number]> = {
  index: 'required',
  startedAt: 'required',
  finishedAt: 'required',
};
const tool: KeyKinds<RunResults['tool']> = { name: 'required', version: 'required' };
const attempt: KeyKinds<Attempt> = {
  seq: 'required',
  wallTime: 'required',
  offsetMs: 'required',
  code: 'required',
  message: 'optional',
  bucketName: 'optional',
  answeredBy: 'optional',
};
const backoffFit: KeyKinds<BackoffFit> = {
  baseMs: 'required',
  factor: 'required',
  capMs: 'required',
  points: 'required',
  rmsLogError: 'required',
};
const projection: KeyKinds<Projection> = {
  attemptsPerObjectPerDay: 'required',
  attemptsPerDayPer1000Objects: 'required',
  assumptions: 'required',
};
const eventSummary: KeyKinds<EventSummary> = {
  object: 'required',
  type: 'required',
  reason: 'required',
  message: 'required',
  count: 'required',
};
const refusedEvent: KeyKinds<RefusedEvent> = {
  object: 'required',
  type: 'required',
  reason: 'required',
  message: 'required',
  refusal: 'required',
  times: 'required',
};
const objectStatus: KeyKinds<ObjectStatus> = {
  kind: 'required',
  name: 'required',
  namespace: 'optional',
  status: 'required',
  deletionTimestamp: 'optional',
  finalizers: 'optional',
};
const matrixCell: KeyKinds<MatrixCell> = { code: 'required', rpc: 'required', pattern: 'required' };
const policyCheck: KeyKinds<PolicyCheck> = {
  declared: 'required',
  conforms: 'required',
  evidence: 'required',
};
const scenarioResult: KeyKinds<ScenarioResult> = {
  scenario: 'required',
  file: 'required',
  description: 'optional',
  issue: 'optional',
  variant: 'required',
  era: 'required',
  rpc: 'required',
  outcome: 'required',
  attempts: 'required',
  intervalsMs: 'required',
  windowMs: 'required',
  stillRetryingAtEnd: 'required',
  backoff: 'optional',
  projection: 'optional',
  objects: 'required',
  events: 'required',
  eventsRefused: 'optional',
  sidecarNamespace: 'optional',
  deviation: 'optional',
  timeScale: 'optional',
  sidecarRestarts: 'required',
  expectation: 'required',
  verdict: 'required',
  verdictReason: 'required',
  unchecked: 'optional',
  cell: 'optional',
  policy: 'optional',
  decision: 'optional',
  phases: 'optional',
  witnesses: 'optional',
  scale: 'optional',
  buckets: 'optional',
  apiRequests: 'optional',
  realDriver: 'optional',
};
const realDriverEvidence: KeyKinds<RealDriverEvidence> = {
  driver: 'required',
  answers: 'required',
  backend: 'optional',
};
const answerCount: KeyKinds<AnswerCount> = {
  rpc: 'required',
  answeredBy: 'required',
  code: 'required',
  count: 'required',
  message: 'optional',
};
const realDriverBackend: KeyKinds<RealDriverBackend> = {
  server: 'required',
  dataDir: 'required',
  buckets: 'required',
  state: 'required',
};
const realDriverBucket: KeyKinds<RealDriverBucket> = { name: 'required', sighting: 'optional' };
const backendBucketSighting: KeyKinds<BackendBucketSighting> = {
  name: 'required',
  firstSeenOffsetMs: 'required',
  goneOffsetMs: 'optional',
};
const bucketLedger: KeyKinds<BucketLedger> = {
  claims: 'required',
  claimsDeleted: 'required',
  createCalls: 'required',
  createCallsPerClaimMax: 'required',
  bucketsCreated: 'required',
  bucketsInBackend: 'required',
  duplicates: 'required',
  repeatedCreatesOk: 'required',
  orphans: 'optional',
  bucketsNotReady: 'required',
  finalizersLeft: 'required',
  buckets: 'required',
};
const ledgerBucket: KeyKinds<LedgerBucket> = {
  bucketName: 'required',
  createCalls: 'required',
  createCallsOk: 'required',
  inBackend: 'required',
  apiObject: 'required',
  finalizers: 'required',
};
const apiRequestSummary: KeyKinds<ApiRequestSummary> = {
  clients: 'required',
  requests: 'required',
  byRequest: 'required',
  injected: 'required',
  watchesCut: 'required',
  writes: 'required',
};
const apiRequestCount: KeyKinds<ApiRequestCount> = {
  verb: 'required',
  resource: 'required',
  status: 'optional',
  count: 'required',
};
const apiInjectedCount: KeyKinds<ApiInjectedCount> = {
  rule: 'required',
  kind: 'required',
  count: 'required',
};
const apiWrite: KeyKinds<ApiWrite> = {
  seq: 'required',
  wallTime: 'required',
  offsetMs: 'required',
  verb: 'required',
  resource: 'required',
  name: 'optional',
  status: 'optional',
  outcome: 'required',
  rule: 'optional',
};
const scaleResult: KeyKinds<ScaleResult> = {
  claims: 'required',
  claimsCreated: 'required',
  claimsNeverCalled: 'required',
  applyMs: 'required',
  attempts: 'required',
  attributed: 'required',
  lost: 'required',
  misattributed: 'required',
  attemptsPerClaim: 'required',
  claimOutcomes: 'required',
  attemptsPerClaimPerMinute: 'required',
  driverCallsPerSecond: 'required',
  witness: 'optional',
  resources: 'required',
};
const claimOutcomes: KeyKinds<ClaimOutcomes> = {
  terminal: 'required',
  bounded: 'required',
  unbounded: 'required',
};
const perClaimSpread: KeyKinds<PerClaimSpread> = { min: 'required', median: 'required', max: 'required' };
const scaleWitness: KeyKinds<ScaleWitness> = {
  witness: 'required',
  measure: 'required',
  witnessed: 'required',
  claimsAgree: 'required',
  claimsInFlight: 'required',
  claimsDisagree: 'required',
};
const scaleResources: KeyKinds<ScaleResources> = {
  harnessRssBytes: 'required',
  harnessPeakRssBytes: 'required',
  harnessCpuSeconds: 'required',
  driverRssBytes: 'optional',
  driverPeakRssBytes: 'optional',
  driverCpuSeconds: 'optional',
};
const witnessTable: KeyKinds<WitnessTable> = {
  driverAttempts: 'required',
  driverFailedAttempts: 'required',
  rows: 'required',
  notMeasured: 'required',
  verdict: 'required',
  verdictReason: 'required',
  logVolume: 'optional',
};
const witnessRow: KeyKinds<WitnessRow> = {
  witness: 'required',
  measure: 'required',
  expects: 'required',
  expected: 'required',
  count: 'required',
  fidelity: 'required',
  cause: 'optional',
  reason: 'required',
};
const witnessNotMeasured: KeyKinds<WitnessNotMeasured> = {
  witness: 'required',
  measure: 'required',
  reason: 'required',
};
const logVolume: KeyKinds<LogVolume> = {
  lines: 'required',
  bytes: 'required',
  linesPerAttempt: 'required',
  bytesPerAttempt: 'required',
  bytesPerObjectPerDay: 'optional',
};
const outcomeDecision: KeyKinds<OutcomeDecisionRecord> = {
  early: 'required',
  atMs: 'required',
  basis: 'required',
  evidence: 'required',
};
const componentVersion: KeyKinds<ComponentVersion> = {
  name: 'required',
  version: 'required',
  source: 'required',
  path: 'optional',
};
const loadError: KeyKinds<LoadError> = { file: 'required', message: 'required' };

// Record<Union, true> does not compile unless every member is listed, and only members.
const rpcs: Record<Rpc, true> = {
  getInfo: true,
  create: true,
  getExisting: true,
  delete: true,
  grant: true,
  revoke: true,
};
const eras: Record<Era, true> = { v1alpha1: true, v1alpha2: true };
const outcomes: Record<Outcome, true> = {
  terminal: true,
  bounded: true,
  unbounded: true,
  'never-called': true,
  crashed: true,
  unavailable: true,
};
const verdicts: Record<Verdict, true> = { pass: true, fail: true, skipped: true };
const backends: Record<RunResults['backend'], true> = { local: true, kind: true, existing: true };
const patterns: Record<MatrixCell['pattern'], true> = { always: true, 'then-ok': true };
const declared: Record<PolicyCheck['declared'], true> = { terminal: true, retried: true, bounded: true };
const commands: Record<ShardRecord['command'], true> = { matrix: true, sweep: true };

interface ObjectSchema {
  type: string;
  additionalProperties: boolean;
  required?: string[];
  properties: Record<string, { enum?: unknown[]; const?: unknown; $ref?: string }>;
}
const schema = JSON.parse(readFileSync(RESULTS_SCHEMA_PATH, 'utf8')) as ObjectSchema & {
  $schema: string;
  $defs: Record<string, ObjectSchema & { enum?: unknown[] }>;
};

function def(name: string): ObjectSchema & { enum?: unknown[] } {
  const found = schema.$defs[name];
  if (!found) throw new Error(`schema has no $defs/${name}`);
  return found;
}

const objects: [string, ObjectSchema, Record<string, 'required' | 'optional'>][] = [
  ['RunResults', schema, runResults],
  ['RunResults.tool', schema.properties.tool as unknown as ObjectSchema, tool],
  ['RunTiming', def('runTiming'), runTiming],
  ['Attempt', def('attempt'), attempt],
  ['BackoffFit', def('backoffFit'), backoffFit],
  ['Projection', def('projection'), projection],
  ['EventSummary', def('eventSummary'), eventSummary],
  ['RefusedEvent', def('refusedEvent'), refusedEvent],
  ['ObjectStatus', def('objectStatus'), objectStatus],
  ['MatrixCell', def('matrixCell'), matrixCell],
  ['OutcomeDecisionRecord', def('outcomeDecision'), outcomeDecision],
  ['WitnessTable', def('witnessTable'), witnessTable],
  ['WitnessRow', def('witnessRow'), witnessRow],
  ['WitnessNotMeasured', def('witnessNotMeasured'), witnessNotMeasured],
  ['LogVolume', def('logVolume'), logVolume],
  ['PolicyCheck', def('policyCheck'), policyCheck],
  ['ScenarioResult', def('scenarioResult'), scenarioResult],
  ['ScaleResult', def('scaleResult'), scaleResult],
  ['PerClaimSpread', def('perClaimSpread'), perClaimSpread],
  ['ClaimOutcomes', def('claimOutcomes'), claimOutcomes],
  ['ScaleWitness', def('scaleWitness'), scaleWitness],
  ['ScaleResources', def('scaleResources'), scaleResources],
  ['BucketLedger', def('bucketLedger'), bucketLedger],
  ['LedgerBucket', def('ledgerBucket'), ledgerBucket],
  ['ApiRequestSummary', def('apiRequestSummary'), apiRequestSummary],
  ['ApiRequestCount', def('apiRequestCount'), apiRequestCount],
  ['ApiInjectedCount', def('apiInjectedCount'), apiInjectedCount],
  ['ApiWrite', def('apiWrite'), apiWrite],
  ['RealDriverEvidence', def('realDriverEvidence'), realDriverEvidence],
  ['AnswerCount', def('answerCount'), answerCount],
  ['RealDriverBackend', def('realDriverBackend'), realDriverBackend],
  ['RealDriverBucket', def('realDriverBucket'), realDriverBucket],
  ['BackendBucketSighting', def('backendBucketSighting'), backendBucketSighting],
  ['ComponentVersion', def('componentVersion'), componentVersion],
  ['LoadError', def('loadError'), loadError],
  ['ShardRecord', def('shardRecord'), shardRecord],
  ['MergedShards', def('mergedShards'), mergedShards],
  [
    'MergedShards.shards',
    (def('mergedShards').properties.shards as unknown as { items: ObjectSchema }).items,
    mergedShard,
  ],
];

describe('results.schema.json matches run-results.ts', () => {
  it('is a draft 2020-12 schema pinned to schemaVersion 1', () => {
    expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(schema.properties.schemaVersion).toEqual({ const: 1 });
    expect((schema.properties.tool as unknown as ObjectSchema).properties.name).toEqual({
      const: 'cosi-chaos',
    });
  });

  it.each(objects)('%s: same properties, same required set, nothing extra allowed', (_, s, kinds) => {
    expect(s.type).toBe('object');
    expect(s.additionalProperties).toBe(false);
    expect(Object.keys(s.properties).sort()).toEqual(Object.keys(kinds).sort());
    expect([...(s.required ?? [])].sort()).toEqual(
      Object.entries(kinds)
        .filter(([, kind]) => kind === 'required')
        .map(([key]) => key)
        .sort(),
    );
  });

  it.each([
    ['rpc', def('rpc').enum, rpcs],
    ['era', def('era').enum, eras],
    ['outcome', def('outcome').enum, outcomes],
    ['verdict', def('verdict').enum, verdicts],
    ['backend', schema.properties.backend?.enum, backends],
    ['pattern', def('matrixCell').properties.pattern?.enum, patterns],
    ['declared', def('policyCheck').properties.declared?.enum, declared],
    ['shard command', def('shardRecord').properties.command?.enum, commands],
    ['merged command', def('mergedShards').properties.command?.enum, commands],
  ] as const)('enum %s lists exactly the TypeScript union', (_, values, members) => {
    expect([...(values ?? [])].sort()).toEqual(Object.keys(members).sort());
  });

  it('allows null only where the type does (BackoffFit.capMs)', () => {
    const nullable = JSON.stringify(schema).match(/"null"/g) ?? [];
    expect(nullable).toHaveLength(1);
    expect(def('backoffFit').properties.capMs).toMatchObject({ type: ['number', 'null'] });
  });
});
