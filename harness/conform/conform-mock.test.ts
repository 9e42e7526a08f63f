import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RuleSpec } from '../../mock-driver/index.ts';
import { conformResultsIssues } from '../../reports/conform-results-file.ts';
import { CONFORM_CASE_IDS, CONFORM_CASES } from './conform-cases.ts';
import type { ConformResults } from './conform-results.ts';
import { runConformance } from './conform-run.ts';
import { MockConformTarget } from './mock-target.ts';

// The mock driver is the suite's reference: it passes every case on both eras. Then each case is shown able to
// fail: rules loaded into the same mock make it answer wrongly for exactly that case's calls (its own bucket
// names), and that case, and only that case, fails.

// Long enough that a loaded CI machine never makes the mock late by accident (the deadline mutation waits it out once).
const DEADLINE_MS = 8_000;
const INTERNAL = { error: { code: 'Internal', message: 'conform mutation' } } as const;
const name = (glob: string) => ({ bucketName: { glob } });

/** Per case: rules that make the mock answer that case wrongly (never Unknown, never slow, but for the cases judging those). */
const MUTATIONS: Record<string, RuleSpec[]> = {
  'get-info-name': [{ name: 'm', match: { rpc: 'getInfo' }, action: INTERNAL }],
  'create-valid': [{ name: 'm', match: { rpc: 'create', ...name('*-valid') }, action: INTERNAL }],
  'create-idempotent': [
    {
      name: 'm',
      match: { rpc: 'create', ...name('*-idem'), call: { nth: 2 } },
      action: { error: { code: 'AlreadyExists', message: 'conform mutation' } },
    },
  ],
  // `ok` overwrites the parameters and answers OK: the driver that ignores them.
  'create-conflict': [
    { name: 'm', match: { rpc: 'create', ...name('*-conflict'), call: { nth: 2 } }, action: { ok: {} } },
  ],
  'create-name-empty': [
    { name: 'm', match: { rpc: 'create', bucketName: { maxLength: 0 } }, action: INTERNAL },
  ],
  'create-name-64': [{ name: 'm', match: { rpc: 'create', ...name('*-n64-*') }, action: INTERNAL }],
  'create-name-98': [{ name: 'm', match: { rpc: 'create', ...name('*-n98-*') }, action: INTERNAL }],
  'create-name-chars': [{ name: 'm', match: { rpc: 'create', ...name('*-Upper_Case') }, action: INTERNAL }],
  'create-concurrent': [
    { name: 'm', match: { rpc: 'create', ...name('*-concurrent'), call: { nth: 3 } }, action: INTERNAL },
  ],
  // `ok` makes the bucket up: a driver that answers OK for a bucket it does not have.
  'get-existing-missing': [{ name: 'm', match: { rpc: 'getExisting' }, action: { ok: {} } }],
  'delete-existing': [{ name: 'm', match: { rpc: 'delete', ...name('*-delete') }, action: INTERNAL }],
  'delete-again': [
    { name: 'm', match: { rpc: 'delete', ...name('*-delete-twice'), call: { nth: 2 } }, action: INTERNAL },
  ],
  'delete-never-created': [
    { name: 'm', match: { rpc: 'delete', bucketId: { glob: '*-never-created' } }, action: INTERNAL },
  ],
  'delete-id-empty': [{ name: 'm', match: { rpc: 'delete', bucketId: { maxLength: 0 } }, action: INTERNAL }],
  // `ok` deletes despite the objects.
  'delete-non-empty': [{ name: 'm', match: { rpc: 'delete', ...name('*-non-empty') }, action: { ok: {} } }],
  'grant-credentials': [{ name: 'm', match: { rpc: 'grant', ...name('*-grant') }, action: INTERNAL }],
  'grant-again': [
    { name: 'm', match: { rpc: 'grant', ...name('*-grant-twice'), call: { nth: 2 } }, action: INTERNAL },
  ],
  'grant-missing-bucket': [
    { name: 'm', match: { rpc: 'grant', bucketId: { glob: '*-no-bucket' } }, action: { ok: {} } },
  ],
  'grant-fields-empty': [
    { name: 'm', match: { rpc: 'grant', bucketId: { maxLength: 0 } }, action: INTERNAL },
  ],
  'revoke-ok': [{ name: 'm', match: { rpc: 'revoke', ...name('*-revoke') }, action: INTERNAL }],
  'revoke-again': [
    { name: 'm', match: { rpc: 'revoke', ...name('*-revoke-twice'), call: { nth: 2 } }, action: INTERNAL },
  ],
  'revoke-never-granted': [
    { name: 'm', match: { rpc: 'revoke', ...name('*-never-granted') }, action: INTERNAL },
  ],
  'revoke-fields-empty': [
    { name: 'm', match: { rpc: 'revoke', bucketId: { maxLength: 0 } }, action: INTERNAL },
  ],
  deadline: [
    {
      name: 'm',
      match: { rpc: 'create', ...name('*-deadline') },
      // biome-ignore lint/suspicious/noThenProperty: `then` is the rule file's delay field (schemas/rules.schema.json)
      action: { delay: { ms: DEADLINE_MS + 1_000, then: { backend: {} } } },
    },
  ],
  'canonical-codes': [
    {
      name: 'm',
      match: { rpc: 'create', ...name('*-n129-*') },
      action: { error: { code: 'Unknown', message: 'conform mutation' } },
    },
  ],
  'backend-stopped': [{ name: 'm', match: { rpc: 'create', ...name('*-unreachable') }, action: INTERNAL }],
};

const notPassed = (r: ConformResults) =>
  [...new Set(r.cases.filter((c) => c.outcome !== 'pass').map((c) => c.id))].sort();

describe('conform against the mock driver (the reference)', () => {
  let workDir: string;
  let target: MockConformTarget;

  beforeAll(async () => {
    workDir = await mkdtemp(join(tmpdir(), 'cosi-chaos-conform-mock-'));
    target = await MockConformTarget.start({ workDir });
  }, 180_000);

  afterAll(async () => {
    await target?.stop();
    if (workDir) await rm(workDir, { recursive: true, force: true });
  });

  const run = () =>
    runConformance({ target, driverFlag: 'mock', toolVersion: 'test', deadlineMs: DEADLINE_MS });

  it('passes every case on both eras, the backend cases through the harness, and leaves nothing behind', async () => {
    await target.reset();
    const results = await run();
    expect(results.target.eras).toEqual(['v1alpha1', 'v1alpha2']);
    expect(notPassed(results)).toEqual([]);
    // Every case ran on every era whose spec has its rule (get-existing-missing is v1alpha2 only).
    const ran = (era: string) => results.cases.filter((c) => c.era === era).map((c) => c.id);
    expect(ran('v1alpha2')).toEqual([...CONFORM_CASE_IDS]);
    expect(ran('v1alpha1')).toEqual(CONFORM_CASE_IDS.filter((id) => id !== 'get-existing-missing'));
    for (const id of ['delete-non-empty', 'backend-stopped'])
      for (const c of results.cases.filter((x) => x.id === id)) expect(c.backendControl).toBe('harness');
    expect(results.cleanup.leftovers).toEqual([]);
    expect(await target.storedBuckets()).toEqual([]);
    expect(results.cleanup.removed).toBeGreaterThan(10);
    expect(results.summary).toMatchObject({ fail: 0, error: 0, skip: 0, mustNotPassed: 0 });
    // Each case shows what it sent and got, and names its sentence.
    for (const c of results.cases) {
      expect(c.calls.length, c.id).toBeGreaterThan(0);
      expect(c.spec.text.length, c.id).toBeGreaterThan(20);
    }
    expect(conformResultsIssues(JSON.parse(JSON.stringify(results)))).toEqual([]);
  }, 120_000);

  it('has a mutation for every case, and no mutation for a case that does not exist', () => {
    expect(Object.keys(MUTATIONS).sort()).toEqual([...CONFORM_CASE_IDS].sort());
  });

  it('shows every case able to fail: a rule answering wrongly for its calls fails that case and only it', async () => {
    const shown: string[] = [];
    const wrong: string[] = [];
    for (const c of CONFORM_CASES) {
      await target.reset();
      await target.setRules(MUTATIONS[c.id] ?? []);
      const failed = notPassed(await run());
      if (failed.length === 1 && failed[0] === c.id) shown.push(c.id);
      else wrong.push(`${c.id}: not passed ${JSON.stringify(failed)}`);
    }
    await target.reset();
    process.stdout.write(
      `conform mutation test: cases shown able to fail ${shown.length} / ${CONFORM_CASES.length}\n`,
    );
    expect(wrong).toEqual([]);
    expect(shown.length).toBe(CONFORM_CASES.length);
  }, 600_000);
});
