import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { conformResultsIssues } from '../../reports/conform-results-file.ts';
import { renderConformTable } from '../../reports/conform-table.ts';
import { SAMPLE_COSI_DRIVER, VERSITYGW } from '../binaries/component-catalog.ts';
import { provisionBinary } from '../runner/start/binary-provisioner.ts';
import type { ConformCaseResult, ConformResults } from './conform-results.ts';
import { runConformance } from './conform-run.ts';
import { SampleConformTarget, type SampleMode } from './sample-target.ts';

// The suite against the real upstream sample driver (v1alpha1 only), in both its S3 modes, through real
// processes: versitygw and the driver on a unix socket. What it answers is the driver's; the test checks what
// was measured here (2026-12-07) and that the harness reached the backend states only where it runs the backend.

const byId = (r: ConformResults, id: string) => r.cases.find((c) => c.id === id) as ConformCaseResult;

describe.each<SampleMode>(['s3:impl', 's3:fake'])(
  'conform against the upstream sample driver, %s',
  (mode) => {
    let workDir: string;
    let results: ConformResults;
    let serverBuckets: string[];

    beforeAll(async () => {
      workDir = await mkdtemp(join(tmpdir(), 'cosi-chaos-conform-sample-'));
      // Cached under ~/.cache/cosi-chaos after the first build (cold here: 81 s and 484 s on a busy 2-core box).
      const driver = await provisionBinary(SAMPLE_COSI_DRIVER);
      const server = await provisionBinary(VERSITYGW);
      const target = await SampleConformTarget.start({
        mode,
        sampleDriver: driver.path,
        versitygw: server.path,
        workDir,
        components: [driver.component, server.component],
      });
      try {
        results = await runConformance({ target, driverFlag: `sample:${mode}`, toolVersion: 'test' });
        serverBuckets = await target.serverBuckets();
      } finally {
        await target.stop();
      }
      process.stdout.write(`conform ${mode}:\n${renderConformTable(results)}`);
    }, 1_200_000);

    afterAll(async () => {
      if (workDir) await rm(workDir, { recursive: true, force: true });
    });

    it('runs every v1alpha1 case once, writes schema-valid results and removes everything it created', () => {
      expect(results.target.eras).toEqual(['v1alpha1']);
      expect(results.cases.map((c) => c.id)).not.toContain('get-existing-missing');
      expect(results.cases).toHaveLength(25);
      expect(results.cleanup.leftovers).toEqual([]);
      // The server's own view: no bucket directory of the run is left (s3:fake never made any there).
      expect(serverBuckets.filter((b) => b.startsWith(results.runPrefix))).toEqual([]);
      expect(conformResultsIssues(JSON.parse(JSON.stringify(results)))).toEqual([]);
    });

    it('passes the happy path: a valid name, create with a bucket id and S3 info, idempotent create, delete, revoke', () => {
      for (const id of ['get-info-name', 'create-valid', 'create-idempotent', 'delete-existing', 'revoke-ok'])
        expect([id, byId(results, id).outcome]).toEqual([id, 'pass']);
    });

    it('measured: the same name with other parameters is answered OK (its IsBucketEqual is a no-op), not AlreadyExists', () => {
      expect(byId(results, 'create-conflict')).toMatchObject({ outcome: 'fail', level: 'MUST' });
      expect(byId(results, 'create-conflict').answer).toMatch(/^OK bucket_id=/);
    });

    it('measured: its S3 credentials key is accessKeyId, the v1alpha1 sidecar reads accessKeyID', () => {
      expect(byId(results, 'grant-credentials').answer).toMatch(
        /credentials\["s3"\]\.secrets\.accessKeyID is empty$/,
      );
      const granted = byId(results, 'grant-credentials').calls.find(
        (c) => c.method === 'DriverGrantBucketAccess',
      );
      expect(JSON.stringify(granted?.response)).toContain('"accessKeyId":"<redacted');
    });

    if (mode === 's3:impl') {
      it("measured: COSI-86's name and a name the server refuses are Internal, not InvalidArgument", () => {
        expect(byId(results, 'create-name-98')).toMatchObject({ outcome: 'fail' });
        expect(byId(results, 'create-name-98').answer).toBe(
          'Internal "Bucket name cannot be longer than 63 characters"',
        );
        expect(byId(results, 'create-name-chars').answer).toMatch(/^Internal /);
      });

      it('reaches the backend states through the harness: an object in the bucket, the server stopped', () => {
        const full = byId(results, 'delete-non-empty');
        expect(full.backendControl).toBe('harness');
        expect(full.answer).toMatch(
          /object conform-object\.txt written into \S+ on the server; the object was still there after the call/,
        );
        const stopped = byId(results, 'backend-stopped');
        expect(stopped.backendControl).toBe('harness');
        expect(stopped.answer).toMatch(
          /versitygw stopped \((signal|exit code) [^,]+, \S+ refusing connections\)/,
        );
        expect(results.target.backendControl).toEqual({ nonEmptyBucket: 'harness', stopBackend: 'harness' });
      });
    } else {
      it('measured: it accepts names S3 refuses and answers them as the bucket id (no S3 behind it)', () => {
        for (const id of ['create-name-64', 'create-name-98', 'create-name-chars'])
          expect([id, byId(results, id).outcome, byId(results, id).answer]).toEqual([
            id,
            'fail',
            expect.stringMatching(
              /^OK bucket_id=.*: accepted, and the bucket it answers is not a name S3 allows$/,
            ),
          ]);
      });

      it('skips the backend states with the reason: its buckets are in its own memory', () => {
        for (const id of ['delete-non-empty', 'backend-stopped']) {
          expect(byId(results, id)).toMatchObject({ outcome: 'skip', backendControl: 'none' });
          expect(byId(results, id).answer).toMatch(/s3:fake mode/);
        }
        expect(results.target.backendControl).toEqual({ nonEmptyBucket: 'none', stopBackend: 'none' });
      });
    }
  },
);
