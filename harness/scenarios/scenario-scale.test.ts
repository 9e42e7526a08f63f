import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { InvalidScenariosError } from './invalid-scenarios-error.ts';
import type { ScenarioError } from './scenario-error.ts';
import { loadScenarioFile, parseScenario } from './scenario-loader.ts';

const root = join(import.meta.dirname, '..', '..');
const scale10 = readFileSync(join(root, 'scenarios', 'scale', 'scale-10.yaml'), 'utf8');

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

describe('spec.scale', () => {
  it('loads scenarios/scale/*.yaml with N claims on every upstream build', async () => {
    for (const n of [10, 100]) {
      const s = await loadScenarioFile(join(root, 'scenarios', 'scale', `scale-${n}.yaml`));
      expect(s.scale).toEqual({ claims: n });
      expect(s.trigger).toBe('apply');
      expect(s.variants).toHaveLength(6);
    }
  });

  it.each([
    ['0', 'spec.scale.claims', 'must be >= 1'],
    ['5001', 'spec.scale.claims', 'must be <= 5000'],
    ['2.5', 'spec.scale.claims', 'must be integer'],
    ['ten', 'spec.scale.claims', 'must be integer'],
  ])('claims: %s is refused at its line', (value, path, message) => {
    const e = errorOf(scale10.replace('    claims: 10\n', `    claims: ${value}\n`));
    expect(e.path).toBe(path);
    expect(e.message).toContain(message);
    const line = scale10.split('\n').indexOf('    claims: 10') + 1;
    expect(e.line).toBe(line);
  });

  it('is refused for an RPC other than create, naming the trigger', () => {
    const e = errorOf(scale10.replace('  rpc: create\n', '  rpc: delete\n'));
    expect(e.path).toBe('spec.scale');
    expect(e.message).toMatch(/only used with rpc create .*trigger is delete-claim/);
  });

  it('an unknown field under scale is refused', () => {
    const e = errorOf(scale10.replace('    claims: 10\n', '    claims: 10\n    parallel: 4\n'));
    expect(e.path).toBe('spec.scale.parallel');
    expect(e.message).toMatch(/: unknown field "parallel"$/);
  });

  it('the CLI exits 2 with file:line for a bad N, before anything starts', async () => {
    const { mkdtemp, writeFile, rm } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const dir = await mkdtemp(join(tmpdir(), 'cosi-chaos-scale-'));
    const file = join(dir, 'bad.yaml');
    await writeFile(file, scale10.replace('    claims: 10\n', '    claims: 0\n'));
    const res = await execa(
      process.execPath,
      [join(root, 'bin', 'cosi-chaos.js'), 'run', file, '--out', dir],
      {
        reject: false,
        all: true,
      },
    );
    await rm(dir, { recursive: true, force: true });
    expect(res.exitCode).toBe(2);
    const line = scale10.split('\n').indexOf('    claims: 10') + 1;
    expect(res.all).toContain(`${file}:${line}: spec.scale.claims: must be >= 1`);
  });
});
