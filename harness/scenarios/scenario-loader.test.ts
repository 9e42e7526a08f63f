import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { InvalidScenariosError } from './invalid-scenarios-error.ts';
import type { ScenarioError } from './scenario-error.ts';
import { loadScenarioFile, parseScenario } from './scenario-loader.ts';

const root = join(import.meta.dirname, '..', '..');
const cosi86 = readFileSync(join(root, 'scenarios', 'cosi-86.yaml'), 'utf8');

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

describe('scenario loader', () => {
  it('loads scenarios/cosi-86.yaml with its 62-character class name and every upstream build', async () => {
    const s = await loadScenarioFile(join(root, 'scenarios', 'cosi-86.yaml'));
    expect(s.bucketClass.name).toHaveLength(62);
    expect(s.windowMs).toBe(60_000);
    expect(s.variants.map((v) => v.sidecar)).toEqual([
      'v1alpha1-cosi86',
      'v1alpha1-v0.1.0',
      'v1alpha1-v0.2.0',
      'v1alpha1-v0.2.1',
      'v1alpha1-v0.2.2',
      'seed-patch',
      'correct-fix',
      'tiered-fix',
      'v1alpha2-main',
    ]);
  });

  it('derives the trigger from the rpc and needs a BucketAccess for grant and revoke', async () => {
    const s = await loadScenarioFile(join(root, 'scenarios', 'bucket-not-empty.yaml'));
    expect(s.trigger).toBe('delete-claim');
    expect(parseScenario(cosi86, 'x.yaml').trigger).toBe('apply');
    const grant = cosi86.replace('  rpc: create\n', '  rpc: grant\n  access: { name: ba-1 }\n');
    expect(parseScenario(grant, 'x.yaml')).toMatchObject({
      trigger: 'create-access',
      access: { name: 'ba-1', className: 'ba-1' },
    });
    expect(errorOf(cosi86.replace('  rpc: create\n', '  rpc: revoke\n')).message).toMatch(
      /rpc revoke \(trigger delete-access\) needs spec\.access/,
    );
    expect(
      errorOf(cosi86.replace('  rpc: create\n', '  rpc: create\n  access: { name: ba-1 }\n')).message,
    ).toMatch(/spec\.access is only used/);
  });

  const cases: [string, string, RegExp][] = [
    [
      'unknown field',
      cosi86.replace('  rpc: create\n', '  rpc: create\n  rcp: create\n'),
      /spec\.rcp: unknown field "rcp"/,
    ],
    ['bad rpc', cosi86.replace('  rpc: create\n', '  rpc: created\n'), /spec\.rpc: must be one of/],
    ['bad window', cosi86.replace('window: 60s', 'window: 1h'), /spec\.window/],
    [
      'duplicate variant',
      cosi86.replace('sidecar: v1alpha1-v0.2.2', 'sidecar: v1alpha1-v0.1.0'),
      /is listed twice/,
    ],
    ['bad outcome', cosi86.replace('outcome: terminal', 'outcome: stops'), /expect\.outcome: must be one of/],
    [
      'terminal with 2 attempts',
      cosi86.replace('attempts: 1', 'attempts: 2'),
      /terminal outcome means exactly one attempt/,
    ],
    [
      'within longer than window',
      cosi86.replace('within: 60s', 'within: 90s'),
      /variants\.0\.expect\.within: is longer than the scenario's window \(60 s\)/,
    ],
    ['YAML syntax', `${cosi86}\n  : [\n`, /YAML syntax error/],
    [
      'missing metadata.name',
      cosi86.replace('  name: cosi-86\n', ''),
      /metadata\.name: missing required field/,
    ],
    [
      'reserved parameter',
      cosi86.replace('      backend: s3\n  bucketClaim', '      cosi-chaos.io/scenario: x\n  bucketClaim'),
      /is set by the harness/,
    ],
  ];
  for (const [name, text, message] of cases) {
    it(`rejects ${name} with file, line and path`, () => {
      const e = errorOf(text);
      expect(e.message).toMatch(message);
      expect(e.message).toMatch(/^x\.yaml:\d+: /);
      expect(e.line).toBeGreaterThan(0);
    });
  }

  it('the CLI exits 2 with one line and starts nothing on a bad scenario', async () => {
    const bad = join(root, '.scratch-bad-scenario.yaml');
    const { writeFile, rm } = await import('node:fs/promises');
    await writeFile(bad, cosi86.replace('  rpc: create\n', '  rpc: created\n'));
    try {
      const res = await execa(
        process.execPath,
        [join(root, 'bin', 'cosi-chaos.js'), 'run', bad, '--out', join(root, '.scratch-out')],
        { reject: false },
      );
      expect(res.exitCode).toBe(2);
      expect(res.stderr.trim().split('\n')).toHaveLength(1);
      expect(res.stderr).toMatch(/\.scratch-bad-scenario\.yaml:\d+: spec\.rpc/);
    } finally {
      await rm(bad, { force: true });
      await rm(join(root, '.scratch-out'), { recursive: true, force: true });
    }
  });

  it('the CLI exits 2 on a bad --window and an unknown --sidecar', async () => {
    const cli = join(root, 'bin', 'cosi-chaos.js');
    const a = await execa(process.execPath, [cli, 'run', 'scenarios', '--window', 'soon'], {
      reject: false,
      cwd: root,
    });
    expect(a.exitCode).toBe(2);
    expect(a.stderr).toMatch(/--window "soon"/);
    const b = await execa(process.execPath, [cli, 'run', 'scenarios', '--sidecar', 'v9'], {
      reject: false,
      cwd: root,
    });
    expect(b.exitCode).toBe(2);
    expect(b.stderr).toMatch(/--sidecar "v9" is not one of/);
    // Two CLI starts (tsx compiles the CLI): on a cold machine still building binaries they took over 60 s.
  }, 300_000);
});
