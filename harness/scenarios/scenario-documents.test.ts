import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidScenariosError } from './invalid-scenarios-error.ts';
import { loadScenarioFile, loadScenarios } from './scenario-loader.ts';

const root = join(import.meta.dirname, '..', '..');
const scenarioFile = (name: string) => join(root, 'scenarios', name);
const cosi86 = readFileSync(scenarioFile('cosi-86.yaml'), 'utf8');
const notEmpty = readFileSync(scenarioFile('bucket-not-empty.yaml'), 'utf8');

/** 1-based line of the first line of `text` that contains `fragment`. */
function lineOf(text: string, fragment: string): number {
  const index = text.split('\n').findIndex((l) => l.includes(fragment));
  if (index < 0) throw new Error(`no line with "${fragment}"`);
  return index + 1;
}

describe('several scenarios in one file (YAML documents separated by ---)', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cosi-chaos-documents-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('loads each document as the scenario its own file would be', async () => {
    const file = join(dir, 'two.yaml');
    // As Kubernetes users write them: a leading ---, and a trailing one that starts an empty document.
    await writeFile(file, `---\n${cosi86}---\n${notEmpty}---\n`);
    const { scenarios, loadErrors } = await loadScenarios([file]);
    expect(loadErrors).toEqual([]);
    const alone = [
      await loadScenarioFile(scenarioFile('cosi-86.yaml')),
      await loadScenarioFile(scenarioFile('bucket-not-empty.yaml')),
    ];
    expect(scenarios).toEqual(alone.map((s) => ({ ...s, file })));
  });

  it('a file that must hold one scenario says how many it holds', async () => {
    const file = join(dir, 'two-for-one.yaml');
    await writeFile(file, `${cosi86}---\n${notEmpty}`);
    await expect(loadScenarioFile(file)).rejects.toThrow(
      `${file}: (document): holds 2 scenarios where one was expected`,
    );
  });

  it('the CLI names the line in the later document, and a name two scenarios share, exits 2 and starts nothing', async () => {
    const multi = join(dir, 'multi.yaml');
    const other = join(dir, 'other.yaml');
    const out = join(dir, 'out');
    const second = notEmpty.replace('  rpc: delete\n', '  rpc: deleted\n');
    const multiText = `${cosi86}---\n${second}`;
    await writeFile(multi, multiText);
    // The first document's name again, in another file.
    await writeFile(other, cosi86);
    const res = await execa(
      process.execPath,
      [join(root, 'bin', 'cosi-chaos.js'), 'run', multi, other, '--out', out],
      { reject: false },
    );
    expect(res.exitCode).toBe(2);
    const rpcLine = lineOf(multiText, 'rpc: deleted');
    expect(rpcLine).toBeGreaterThan(cosi86.split('\n').length);
    const nameLine = lineOf(cosi86, 'name: cosi-86');
    expect(res.stderr.trim().split('\n')).toEqual([
      'error: 2 problems in 2 scenario files:',
      expect.stringMatching(new RegExp(`^${multi}:${rpcLine}: spec\\.rpc: must be one of "create"`)),
      `${other}:${nameLine}: metadata.name: scenario "cosi-86" is also named at ${multi}:${nameLine}; ` +
        'give each scenario its own name (results and driver rules are keyed by it)',
    ]);
    expect(res.stderr).not.toContain('parseAllDocuments');
    expect(existsSync(out)).toBe(false);
  }, 120_000);

  it('two documents of one file with one name: the later one is named, with the line of the first', async () => {
    const file = join(dir, 'same-name.yaml');
    const text = `${cosi86}---\n${cosi86}`;
    await writeFile(file, text);
    const error = await loadScenarios([file]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidScenariosError);
    const nameLine = lineOf(cosi86, 'name: cosi-86');
    const secondLine = cosi86.split('\n').length + nameLine;
    expect(text.split('\n')[secondLine - 1]).toBe('  name: cosi-86');
    expect((error as Error).message).toBe(
      `${file}:${secondLine}: metadata.name: scenario "cosi-86" is also named at line ${nameLine}; ` +
        'give each scenario its own name (results and driver rules are keyed by it)',
    );
  });

  it('a file of comments only holds no scenario', async () => {
    const file = join(dir, 'comments.yaml');
    await writeFile(file, '# nothing here yet\n---\n');
    await expect(loadScenarios([file])).rejects.toThrow(`${file}:1: (document): holds no scenario`);
  });
});
