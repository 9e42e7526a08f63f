// The conform writers against golden files, and schemas/conform-results.schema.json against the TypeScript types
// (the compiler checks the key lists below against harness/conform/conform-results.ts; the test checks the schema
// against the same lists, so neither side can drift alone), validated with ajv as results.schema.json is.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type {
  ConformCall,
  ConformCaseResult,
  ConformLeftover,
  ConformResults,
  ConformSummary,
  ConformTargetInfo,
  SpecCitation,
} from '../harness/conform/conform-results.ts';
import { renderConformJunit } from './conform-junit.ts';
import { renderConformMarkdown } from './conform-markdown.ts';
import { CONFORM_RESULTS_SCHEMA_PATH, conformResultsIssues } from './conform-results-file.ts';
import { renderConformTable } from './conform-table.ts';
import { expectGolden } from './testdata/golden.ts';

type KeyKinds<T> = { [K in keyof T]-?: Record<string, never> extends Pick<T, K> ? 'optional' : 'required' };

const results: KeyKinds<ConformResults> = {
  schemaVersion: 'required',
  tool: 'required',
  startedAt: 'required',
  finishedAt: 'required',
  wallMs: 'required',
  runPrefix: 'required',
  deadlineMs: 'required',
  target: 'required',
  components: 'required',
  cases: 'required',
  summary: 'required',
  cleanup: 'required',
};
const target: KeyKinds<ConformTargetInfo> = {
  driver: 'required',
  description: 'required',
  address: 'required',
  eras: 'required',
  driverNames: 'required',
  protocol: 'required',
  parameters: 'required',
  accessParameters: 'required',
  backendControl: 'required',
};
const caseResult: KeyKinds<ConformCaseResult> = {
  id: 'required',
  era: 'required',
  title: 'required',
  level: 'required',
  spec: 'required',
  expected: 'required',
  outcome: 'required',
  answer: 'required',
  backendControl: 'optional',
  calls: 'required',
  durationMs: 'required',
};
const call: KeyKinds<ConformCall> = {
  method: 'required',
  request: 'required',
  code: 'required',
  message: 'optional',
  response: 'optional',
  latencyMs: 'required',
  deadlineMs: 'required',
};
const spec: KeyKinds<SpecCitation> = {
  module: 'required',
  file: 'required',
  section: 'required',
  text: 'required',
};
const summary: KeyKinds<ConformSummary> = {
  pass: 'required',
  fail: 'required',
  error: 'required',
  skip: 'required',
  mustNotPassed: 'required',
  shouldNotPassed: 'required',
};
const leftover: KeyKinds<ConformLeftover> = {
  kind: 'required',
  bucketId: 'required',
  accountId: 'optional',
  name: 'optional',
  code: 'required',
  message: 'optional',
};

interface ObjectSchema {
  properties: Record<string, ObjectSchema & { items?: ObjectSchema }>;
  required?: string[];
  additionalProperties?: boolean;
  $defs?: Record<string, ObjectSchema>;
}
const schema = JSON.parse(readFileSync(CONFORM_RESULTS_SCHEMA_PATH, 'utf8')) as ObjectSchema;
const defs = schema.$defs ?? {};
const caseSchema = defs.caseResult as ObjectSchema;

const SPEC_V1A1 = {
  module: 'sigs.k8s.io/container-object-storage-interface-spec@v0.1.0',
  file: 'spec.md',
  section: 'CreateBucket Errors',
  text: 'Bucket Name invalid | 3 INVALID_ARGUMENT | ...',
};

/** A small fixed run: every outcome, both levels, both eras, a leftover; no clock, no driver. */
const FIXTURE: ConformResults = {
  schemaVersion: 1,
  tool: { name: 'cosi-chaos', version: '0.0.0-test' },
  startedAt: '2026-12-07T06:00:00.000Z',
  finishedAt: '2026-12-07T06:00:02.500Z',
  wallMs: 2500,
  runPrefix: 'cc-0000test',
  deadlineMs: 10000,
  target: {
    driver: 'unix:///run/driver.sock',
    description: 'running driver at unix:/run/driver.sock',
    address: 'unix:/run/driver.sock',
    eras: ['v1alpha1', 'v1alpha2'],
    driverNames: { v1alpha1: 'driver.example.com', v1alpha2: 'driver.example.com' },
    protocol: 'S3',
    parameters: { tier: 'gold' },
    accessParameters: {},
    backendControl: { nonEmptyBucket: 'hook', stopBackend: 'none' },
  },
  components: [],
  cases: [
    {
      id: 'create-name-98',
      era: 'v1alpha1',
      title: "DriverCreateBucket, 98-character name (COSI-86's name length)",
      level: 'MUST',
      spec: SPEC_V1A1,
      expected: 'InvalidArgument (or OK if the driver maps the name to a valid backend name)',
      outcome: 'fail',
      answer: 'Internal "Bucket name cannot be longer than 63 characters"',
      calls: [
        {
          method: 'DriverCreateBucket',
          request: { name: `cc-0000test-n98-${'a'.repeat(82)}`, parameters: { tier: 'gold' } },
          code: 'Internal',
          message: 'Bucket name cannot be longer than 63 characters',
          latencyMs: 3.2,
          deadlineMs: 10000,
        },
      ],
      durationMs: 4,
    },
    {
      id: 'grant-credentials',
      era: 'v1alpha2',
      title: 'DriverGrantBucketAccess: OK with an account id and credentials with the protocol fields',
      level: 'MUST',
      spec: { ...SPEC_V1A1, module: 'm2', section: 'DriverGrantBucketAccessResponse', text: 'REQUIRED.' },
      expected: 'OK, account_id set, credentials with the protocol fields',
      outcome: 'error',
      answer: 'setting up (create cc-0000test-grant): Unavailable "backend | down"',
      calls: [],
      durationMs: 12,
    },
    {
      id: 'delete-non-empty',
      era: 'v1alpha1',
      title: 'DriverDeleteBucket, a bucket that holds an object: FailedPrecondition, bucket kept',
      level: 'SHOULD',
      spec: {
        ...SPEC_V1A1,
        module: 'grpc',
        file: 'codes/codes.go',
        section: 'FailedPrecondition',
        text: 'x',
      },
      expected: 'FailedPrecondition',
      outcome: 'fail',
      answer: 'Internal "The bucket you tried to delete is not empty." (hook `seed` ran)',
      backendControl: 'hook',
      calls: [],
      durationMs: 30,
    },
    {
      id: 'backend-stopped',
      era: 'v1alpha2',
      title: 'DriverCreateBucket with the backend stopped: Unavailable',
      level: 'SHOULD',
      spec: { ...SPEC_V1A1, section: 'Unavailable', text: 'y' },
      expected: 'Unavailable',
      outcome: 'skip',
      answer: 'no hook',
      backendControl: 'none',
      calls: [],
      durationMs: 0,
    },
    {
      id: 'revoke-ok',
      era: 'v1alpha2',
      title: 'DriverRevokeBucketAccess, a granted access: OK',
      level: 'MUST',
      spec: {
        ...SPEC_V1A1,
        section: 'DriverRevokeBucketAccess',
        text: 'A Plugin MUST implement this RPC call.',
      },
      expected: 'OK',
      outcome: 'pass',
      answer: 'OK',
      calls: [
        {
          method: 'DriverRevokeBucketAccess',
          request: { account_id: 'a1' },
          code: 'OK',
          response: { credentials: { s3: { access_key_id: '<redacted, 4 chars>' } } },
          latencyMs: 1,
          deadlineMs: 10000,
        },
      ],
      durationMs: 2,
    },
  ],
  summary: { pass: 1, fail: 2, error: 1, skip: 1, mustNotPassed: 2, shouldNotPassed: 1 },
  cleanup: {
    removed: 3,
    leftovers: [
      { kind: 'bucket', bucketId: 'cc-0000test-non-empty', code: 'Internal', message: 'not empty' },
    ],
  },
};

function expectKeys(node: ObjectSchema | undefined, kinds: Record<string, string>, where: string): void {
  expect(node, where).toBeDefined();
  expect(Object.keys(node?.properties ?? {}).sort(), where).toEqual(Object.keys(kinds).sort());
  expect([...(node?.required ?? [])].sort(), where).toEqual(
    Object.entries(kinds)
      .filter(([, k]) => k === 'required')
      .map(([key]) => key)
      .sort(),
  );
  expect(node?.additionalProperties, where).toBe(false);
}

describe('conform-results.schema.json', () => {
  it('has exactly the keys of the TypeScript types, required where they are', () => {
    expectKeys(schema, results, 'ConformResults');
    expectKeys(schema.properties.target, target, 'ConformTargetInfo');
    expectKeys(caseSchema, caseResult, 'ConformCaseResult');
    expectKeys(caseSchema.properties.calls?.items, call, 'ConformCall');
    expectKeys(caseSchema.properties.spec, spec, 'SpecCitation');
    expectKeys(schema.properties.summary, summary, 'ConformSummary');
    expectKeys(schema.properties.cleanup?.properties.leftovers?.items, leftover, 'ConformLeftover');
  });

  it('accepts the fixture and names what is wrong in a broken one', () => {
    expect(conformResultsIssues(FIXTURE)).toEqual([]);
    const broken = JSON.parse(JSON.stringify(FIXTURE)) as { cases: { outcome: string; extra?: number }[] };
    (broken.cases[0] as { outcome: string }).outcome = 'maybe';
    (broken.cases[1] as { extra?: number }).extra = 1;
    const issues = conformResultsIssues(broken);
    expect(issues).toContain('/cases/0/outcome must be equal to one of the allowed values');
    expect(issues).toContain('/cases/1 must NOT have additional properties');
  });
});

describe('conform report writers', () => {
  it('terminal table', () => expectGolden('conform.table.txt', renderConformTable(FIXTURE)));
  it('Markdown: the table, then failures first with the spec sentence and every call', () =>
    expectGolden('conform.md', renderConformMarkdown(FIXTURE)));
  it('JUnit: a MUST not passed is a failure, a SHOULD not met is only reported, a skip is skipped', () => {
    const xml = renderConformJunit(FIXTURE);
    expectGolden('conform.junit.xml', xml);
    expect(xml.match(/<failure /g)).toHaveLength(2);
    expect(xml).toContain('SHOULD not met (not failed)');
  });
});
