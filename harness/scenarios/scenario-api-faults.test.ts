import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { InvalidScenariosError } from './invalid-scenarios-error.ts';
import type { ScenarioError } from './scenario-error.ts';
import { loadScenarioFile, parseScenario } from './scenario-loader.ts';

const root = join(import.meta.dirname, '..', '..');
const conflict = readFileSync(join(root, 'scenarios', 'status-write-conflict.yaml'), 'utf8');

/** The one problem of a scenario text that has exactly one. */
function errorOf(text: string): ScenarioError {
  try {
    parseScenario(text, 'x.yaml');
  } catch (e) {
    if (!(e instanceof InvalidScenariosError)) throw e;
    expect(e.problems.map((p) => p.message)).toHaveLength(1);
    return e.problems[0] as ScenarioError;
  }
  throw new Error('expected an InvalidScenariosError');
}

const lineOf = (text: string, fragment: string) =>
  text.split('\n').findIndex((l) => l.includes(fragment)) + 1;

describe('spec.apiFaults in scenario files', () => {
  it('compiles the rules: the status write of a Bucket matches, its spec update does not', () => {
    const s = parseScenario(conflict, 'x.yaml');
    expect(s.apiFaultsClients).toEqual(['sidecar']);
    const rule = s.apiFaults?.rules[0];
    expect(rule?.name).toBe('status-conflict-3x');
    const request = {
      verb: 'update' as const,
      isResourceRequest: true,
      apiGroup: 'objectstorage.k8s.io',
      resource: 'buckets',
      name: 'bucket-1',
      path: '/apis/objectstorage.k8s.io/v1alpha1/buckets/bucket-1/status',
      callNumber: 1,
    };
    expect(rule?.matches({ ...request, subresource: 'status' })).toBe(true);
    expect(rule?.matches({ ...request, path: '/apis/objectstorage.k8s.io/v1alpha1/buckets/bucket-1' })).toBe(
      false,
    );
  });

  it('names file, line and path of a bad rule, with the fault schema own wording', () => {
    const bad = conflict.replace(
      'action:\n          sequence:',
      'action:\n          explode: {}\n          sequence:',
    );
    const e = errorOf(bad);
    expect(e.path).toMatch(/^spec\.apiFaults\.rules\.0\.action/);
    expect(e.problem).toMatch(/an action has exactly one kind/);
    expect(e.line).toBe(lineOf(bad, 'explode: {}'));
    const wrongVerb = errorOf(conflict.replace('verb: [update, patch]', 'verb: [update, put]'));
    expect(wrongVerb.path).toMatch(/^spec\.apiFaults\.rules\.0\.match\.verb/);
    expect(wrongVerb.line).toBe(lineOf(conflict, 'verb: [update, patch]'));
  });

  it('refuses apiFaultsClients without apiFaults and deleteClaimAfter on a delete scenario', () => {
    const cosi86 = readFileSync(join(root, 'scenarios', 'cosi-86.yaml'), 'utf8');
    expect(
      errorOf(cosi86.replace('  rpc: create\n', '  rpc: create\n  apiFaultsClients: [controller]\n')).message,
    ).toMatch(/spec\.apiFaultsClients: is only used with spec\.apiFaults/);
    const notEmpty = readFileSync(join(root, 'scenarios', 'bucket-not-empty.yaml'), 'utf8');
    expect(
      errorOf(notEmpty.replace('  rpc: delete\n', '  rpc: delete\n  deleteClaimAfter: 5s\n')).message,
    ).toMatch(
      /spec\.deleteClaimAfter: is only used with trigger apply \(this scenario's trigger is delete-claim\)/,
    );
  });

  it('loads every shipped apiFaults scenario; deleteClaimAfter becomes milliseconds', async () => {
    const s = await loadScenarioFile(join(root, 'scenarios', 'delete-during-create-retry.yaml'));
    expect(s.deleteClaimAfterMs).toBe(10_000);
    expect(s.apiFaults?.rules.map((r) => r.name)).toEqual(['status-500']);
  });

  it('the CLI stops on a bad apiFaults section with file:line: path and exit code 2', async () => {
    const dir = await import('node:fs/promises').then((fs) => fs.mkdtemp(join(import.meta.dirname, '.tmp-')));
    try {
      const file = join(dir, 'bad.yaml');
      const bad = conflict.replace('code: 409', 'code: 200');
      await import('node:fs/promises').then((fs) => fs.writeFile(file, bad));
      const run = await execa(process.execPath, [join(root, 'bin', 'cosi-chaos.js'), 'run', file], {
        reject: false,
        all: true,
      });
      expect(run.exitCode).toBe(2);
      expect(run.all).toContain(
        `${file}:${lineOf(bad, 'code: 200')}: spec.apiFaults.rules.0.action.sequence.0.action.status.code`,
      );
    } finally {
      await import('node:fs/promises').then((fs) => fs.rm(dir, { recursive: true, force: true }));
    }
  });
});
