import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ResultsFileError, readResults, validateResults, writeResults } from './results-file.ts';
import { FIXTURE_PATH, loadFixture } from './testdata/fixture.ts';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'results-file-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function readError(path: string): Promise<ResultsFileError> {
  const error = await readResults(path).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(ResultsFileError);
  return error as ResultsFileError;
}

describe('results file', () => {
  it('round-trips the fixture through write and read, creating the directory', async () => {
    const results = await loadFixture();
    const path = join(dir, 'nested', 'results.json');
    await writeResults(path, results);
    expect(await readResults(path)).toEqual(results);
    expect(await readFile(path, 'utf8')).toBe(await readFile(FIXTURE_PATH, 'utf8'));
  });

  it('names the file and the JSON path of a schema violation on read', async () => {
    const raw = JSON.parse(await readFile(FIXTURE_PATH, 'utf8'));
    raw.scenarios[0].attempts[3].offsetMs = 'soon';
    delete raw.scenarios[1].verdict;
    const path = join(dir, 'bad.json');
    await writeFile(path, JSON.stringify(raw));
    const error = await readError(path);
    expect(error.problem).toBe('schema');
    expect(error.file).toBe(path);
    expect(error.path).toBe('/scenarios/0/attempts/3/offsetMs');
    expect(error.issues.map((i) => i.path)).toEqual(['/scenarios/0/attempts/3/offsetMs', '/scenarios/1']);
    expect(error.message).toContain(path);
    expect(error.message).toContain("/scenarios/1 must have required property 'verdict'");
  });

  it('rejects unknown properties and values outside an enum, naming them', async () => {
    const raw = JSON.parse(await readFile(FIXTURE_PATH, 'utf8'));
    raw.scenarios[2].retries = 3;
    raw.scenarios[4].cell.rpc = 'Create';
    const path = join(dir, 'extra.json');
    await writeFile(path, JSON.stringify(raw));
    const error = await readError(path);
    expect(error.message).toContain("/scenarios/2 must NOT have additional properties ('retries')");
    expect(error.message).toContain('/scenarios/4/cell/rpc must be equal to one of the allowed values');
  });

  it('refuses another schemaVersion with its own problem kind', async () => {
    const raw = JSON.parse(await readFile(FIXTURE_PATH, 'utf8'));
    raw.schemaVersion = 2;
    const path = join(dir, 'v2.json');
    await writeFile(path, JSON.stringify(raw));
    const error = await readError(path);
    expect(error.problem).toBe('version');
    expect(error.path).toBe('/schemaVersion');
    expect(error.message).toMatch(/schemaVersion 2 is not supported/);
  });

  it('reports a file that is not JSON, and a missing file, keeping the cause', async () => {
    const path = join(dir, 'broken.json');
    await writeFile(path, '{"schemaVersion": 1,');
    const notJson = await readError(path);
    expect(notJson.problem).toBe('json');
    expect(notJson.cause).toBeInstanceOf(SyntaxError);

    const missing = await readError(join(dir, 'absent.json'));
    expect(missing.problem).toBe('io');
    expect((missing.cause as NodeJS.ErrnoException).code).toBe('ENOENT');
  });

  it('refuses to write invalid results and leaves no file behind', async () => {
    const results = await loadFixture();
    (results.scenarios[0] as { outcome: string }).outcome = 'forever';
    const path = join(dir, 'out.json');
    const error = await writeResults(path, results).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ResultsFileError);
    expect((error as ResultsFileError).operation).toBe('write');
    expect((error as ResultsFileError).path).toBe('/scenarios/0/outcome');
    await expect(stat(path)).rejects.toThrow(/ENOENT/);
  });

  it('writes optional fields left undefined in memory as absent', async () => {
    const results = await loadFixture();
    const first = results.scenarios[0];
    if (!first) throw new Error('fixture has no scenarios');
    first.description = undefined;
    first.cell = undefined;
    const path = join(dir, 'undefined.json');
    await writeResults(path, results);
    expect('description' in ((await readResults(path)).scenarios[0] ?? {})).toBe(false);
  });

  it('reports a missing schemaVersion as a schema problem, not a version one', async () => {
    const raw = JSON.parse(await readFile(FIXTURE_PATH, 'utf8'));
    delete raw.schemaVersion;
    const path = join(dir, 'noversion.json');
    await writeFile(path, JSON.stringify(raw));
    const error = await readError(path);
    expect(error.problem).toBe('schema');
    expect(error.message).toContain("must have required property 'schemaVersion'");
  });

  it('accepts a fit without a cap (capMs null) and an empty run', async () => {
    const results = await loadFixture();
    expect(results.scenarios.some((r) => r.backoff?.capMs === null)).toBe(true);
    expect(() =>
      validateResults({ ...results, scenarios: [], components: [], loadErrors: [] }, 'empty', 'write'),
    ).not.toThrow();
  });
});
