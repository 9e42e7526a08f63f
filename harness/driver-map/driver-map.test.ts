import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderDriverMapMarkdown } from '../../reports/index.ts';
import { SAMPLE_COSI_DRIVER, VERSITYGW } from '../binaries/component-catalog.ts';
import { buildFromGoModules } from '../binaries/go-module-builder.ts';
import type { DriverMapCase } from '../results/driver-map-results.ts';
import type { RunResults } from '../results/run-results.ts';
import { BACKEND_FAILURES } from './backend-failure-cases.ts';
import { runDriverMap, sampleMapTarget } from './driver-map-run.ts';
import { sidecarReactions } from './sidecar-reactions.ts';

// The error-mapping report through real processes: versitygw and the upstream sample driver, each failure caused
// for real. The codes are whatever the driver answers; the test checks that each failure really happened and
// that the report says what was measured.
describe('driver error mapping against the real sample driver and S3 server', () => {
  let workDir: string;
  let cases: DriverMapCase[];

  beforeAll(async () => {
    workDir = await mkdtemp(join(tmpdir(), 'cosi-chaos-driver-map-'));
    const [driver, server] = [
      await buildFromGoModules(SAMPLE_COSI_DRIVER),
      await buildFromGoModules(VERSITYGW),
    ];
    cases = await runDriverMap(
      await sampleMapTarget({ sampleDriver: driver.path, versitygw: server.path }, { workDir }),
      { workDir },
    );
  }, 900_000);

  afterAll(async () => {
    if (workDir) await rm(workDir, { recursive: true, force: true });
  });

  const byId = (id: string) => cases.find((c) => c.id === id) as DriverMapCase;

  it('measures every failure, each code from the driver and judged against the spec codes', () => {
    expect(cases.map((c) => c.id)).toEqual(BACKEND_FAILURES.map((c) => c.id));
    for (const c of cases) {
      expect(c.returned.code, c.id).toMatch(/^[A-Z][A-Za-z]+$/);
      expect(c.conforms, c.id).toBe(c.specCodes.includes(c.returned.code));
    }
  });

  it('each failure was real: the refused buckets never reached the server, the object stayed, the server was down', () => {
    for (const id of ['name-too-long', 'name-refused-by-server', 'wrong-credentials'])
      expect(byId(id).evidence, id).toMatch(/is not in the data dir$/);
    const full = byId('delete-not-empty');
    expect(full.evidence).toBe(
      full.returned.code === 'OK'
        ? 'the object is gone after the call'
        : 'the object is still in the bucket after the call',
    );
    expect(byId('server-stopped').evidence).toMatch(
      /^the server had exited \((signal|exit code) [^,]+, \S+ refusing connections\)$/,
    );
  });

  it('measured here: the sample driver answers Internal where the spec asks InvalidArgument (COSI-86, driver half)', () => {
    // The same answer harness/driver/sample-driver.test.ts sees through the interposer.
    expect([byId('name-too-long').returned.code, byId('name-too-long').conforms]).toEqual([
      'Internal',
      false,
    ]);
  });

  it('joins what each sidecar build of a matrix run did with the returned code, and writes it as Markdown', () => {
    const matrix = JSON.parse(
      readFileSync(
        join(import.meta.dirname, '..', '..', 'reports', 'testdata', 'matrix.results.json'),
        'utf8',
      ),
    ) as RunResults;
    const joined = cases.map((c) => ({ ...c, sidecars: sidecarReactions(c, matrix) }));
    for (const c of joined) {
      for (const s of c.sidecars) {
        const cell = matrix.scenarios.find(
          (r) =>
            r.variant === s.variant &&
            r.cell?.rpc === c.rpc &&
            r.cell.code === c.returned.code &&
            r.cell.pattern === 'always',
        );
        if (c.returned.code === 'OK') expect(s.outcome).toBe('success');
        else if (!cell) expect(s.outcome).toBe('not-measured');
        else expect([s.outcome, s.attempts]).toEqual([cell.outcome, cell.attempts.length]);
      }
    }
    const md = renderDriverMapMarkdown({
      schemaVersion: 1,
      startedAt: '',
      finishedAt: '',
      components: [],
      sidecarResults: 'matrix.results.json',
      cases: joined,
    });
    for (const c of joined) expect(md).toContain(`| ${c.failure} | ${c.rpc} | ${c.returned.code}`);
    expect(md).toContain('| upstream-v1alpha1 | correct-fix |');
  });
});
