import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { CosiCallResult } from '../../mock-driver/index.ts';

/** What a case can do to the stack it runs in: call the driver (or the one with wrong keys), reach the server. */
export interface FailureContext {
  call(method: string, request: object, driver?: 'own-keys' | 'wrong-keys'): Promise<CosiCallResult>;
  dataDir: string;
  /** What 'wrong-keys' calls go through, for the case's "how". */
  wrongKeys: string;
  /** Stops the S3 server for good (the last case run); resolves with how it exited. */
  stopServer(): Promise<string>;
}

/** One backend failure the harness causes for real, and the codes the COSI spec asks for it. */
export interface BackendFailureCase {
  id: string;
  failure: string;
  how: string;
  rpc: 'create' | 'delete';
  specCodes: string[];
  /** Where the spec codes come from. */
  specSource: string;
  /** Causes the failure, makes the counted call, and says what shows the failure was real. */
  run(ctx: FailureContext): Promise<{ result: CosiCallResult; evidence: string }>;
}

// COSI-86's name: a 62-character class name and a 36-character claim UID, valid for Kubernetes, too long for S3.
const COSI_86_NAME = `testlongnameforbucketgenerationerrorisexpectedtest-bucketclass${'0'.repeat(8)}-1111-2222-3333-${'4'.repeat(12)}`;

const create = (name: string, parameters: Record<string, string> = {}) => ({ name, parameters });
const remove = (bucketId: string) => ({ bucket_id: bucketId, delete_context: {} });
const present = (ctx: FailureContext, bucket: string) =>
  existsSync(join(ctx.dataDir, bucket)) ? `${bucket} is in the data dir` : `${bucket} is not in the data dir`;

/**
 * The failures an S3 backend really has, in the order they are run (the server is stopped last). Spec codes from
 * the COSI spec's error tables (proto/spec.md): InvalidArgument for a name the backend can never accept,
 * AlreadyExists for a bucket that exists with other parameters, FailedPrecondition for a non-empty bucket on
 * delete, OK for a delete of a bucket already gone, Unavailable when the backend cannot be reached, and
 * PermissionDenied or Unauthenticated when its credentials are refused.
 */
export const BACKEND_FAILURES: readonly BackendFailureCase[] = [
  {
    id: 'name-too-long',
    failure: "COSI-86's 98-character bucket name (S3 allows 63)",
    how: 'DriverCreateBucket with the name the v0.1 controller makes for the COSI-86 claim',
    rpc: 'create',
    specCodes: ['InvalidArgument'],
    specSource:
      "COSI spec (spec.md, v1alpha1), CreateBucket errors: Bucket Name invalid -> 3 INVALID_ARGUMENT, also when the backend's parameter check refuses it",
    run: async (ctx) => ({
      result: await ctx.call('DriverCreateBucket', create(COSI_86_NAME)),
      evidence: present(ctx, COSI_86_NAME),
    }),
  },
  {
    id: 'name-refused-by-server',
    failure: 'a bucket name the S3 server rejects',
    how: 'DriverCreateBucket "Bad_Bucket" (upper case and underscore: versitygw answers 400)',
    rpc: 'create',
    specCodes: ['InvalidArgument'],
    specSource:
      "COSI spec (spec.md, v1alpha1), CreateBucket errors: Bucket Name invalid -> 3 INVALID_ARGUMENT, also when the backend's parameter check refuses it",
    run: async (ctx) => ({
      result: await ctx.call('DriverCreateBucket', create('Bad_Bucket')),
      evidence: present(ctx, 'Bad_Bucket'),
    }),
  },
  {
    id: 'exists-other-parameters',
    failure: 'a bucket that already exists with other parameters',
    how: 'DriverCreateBucket "mapped-bucket" with tier=gold (OK), then again with tier=silver',
    rpc: 'create',
    specCodes: ['AlreadyExists'],
    specSource:
      'COSI spec (spec.md, v1alpha1), CreateBucket errors: Bucket already exists but is incompatible -> 6 ALREADY_EXISTS',
    run: async (ctx) => {
      const first = await ctx.call('DriverCreateBucket', create('mapped-bucket', { tier: 'gold' }));
      if (first.code !== 'OK')
        throw new Error(`setting up: the first create answered ${first.code} ${first.message}`);
      return {
        result: await ctx.call('DriverCreateBucket', create('mapped-bucket', { tier: 'silver' })),
        evidence: `the first create answered OK; ${present(ctx, 'mapped-bucket')}`,
      };
    },
  },
  {
    id: 'create-again-identical',
    failure:
      'the same create again, an identical request (a sidecar that lost its status write, or restarted)',
    how: 'DriverCreateBucket "again-bucket" (OK), then the identical request again',
    rpc: 'create',
    specCodes: ['OK'],
    specSource:
      'COSI spec (cosi.proto, v1alpha1), DriverCreateBucket: idempotent; a bucket that exists with the same name and parameters -> OK (ALREADY_EXISTS only when the parameters differ)',
    run: async (ctx) => {
      const first = await ctx.call('DriverCreateBucket', create('again-bucket', { tier: 'gold' }));
      if (first.code !== 'OK')
        throw new Error(`setting up: the first create answered ${first.code} ${first.message}`);
      return {
        result: await ctx.call('DriverCreateBucket', create('again-bucket', { tier: 'gold' })),
        evidence: `the first create answered OK; ${present(ctx, 'again-bucket')}`,
      };
    },
  },
  {
    id: 'delete-not-empty',
    failure: 'a bucket that is not empty, on delete',
    how: 'DriverCreateBucket "full-bucket", an object file written into its directory on the server, DriverDeleteBucket',
    rpc: 'delete',
    specCodes: ['FailedPrecondition'],
    specSource:
      "the COSI spec names no code for it; gRPC's code guide: FAILED_PRECONDITION, e.g. rmdir of a non-empty directory (the COSI-86 reporter's driver maps BucketNotEmpty to it)",
    run: async (ctx) => {
      const made = await ctx.call('DriverCreateBucket', create('full-bucket'));
      if (made.code !== 'OK') throw new Error(`setting up: the create answered ${made.code} ${made.message}`);
      // The posix backend keeps each object as a file under its bucket's directory.
      await mkdir(join(ctx.dataDir, 'full-bucket'), { recursive: true });
      await writeFile(join(ctx.dataDir, 'full-bucket', 'object.txt'), 'an object the bucket still holds\n');
      return {
        result: await ctx.call(
          'DriverDeleteBucket',
          remove(String(made.response?.bucket_id ?? 'full-bucket')),
        ),
        evidence: existsSync(join(ctx.dataDir, 'full-bucket', 'object.txt'))
          ? 'the object is still in the bucket after the call'
          : 'the object is gone after the call',
      };
    },
  },
  {
    id: 'delete-absent',
    failure: 'a bucket that is already gone, on delete',
    how: 'DriverDeleteBucket "never-created-bucket"',
    rpc: 'delete',
    specCodes: ['OK'],
    specSource:
      'COSI spec (spec.md, v1alpha2), DriverDeleteBucket: if the bucket does not exist, the plugin MUST reply OK',
    run: async (ctx) => ({
      result: await ctx.call('DriverDeleteBucket', remove('never-created-bucket')),
      evidence: present(ctx, 'never-created-bucket'),
    }),
  },
  {
    id: 'wrong-credentials',
    failure: 'credentials the S3 server refuses',
    how: 'a second sample driver signing with a secret key the server does not know, DriverCreateBucket',
    rpc: 'create',
    specCodes: ['PermissionDenied', 'Unauthenticated'],
    specSource:
      'COSI spec (spec.md, v1alpha1), general errors: 7 PERMISSION_DENIED (identity lacks permission) or 16 UNAUTHENTICATED (secrets not valid)',
    run: async (ctx) => ({
      result: await ctx.call('DriverCreateBucket', create('denied-bucket'), 'wrong-keys'),
      evidence: present(ctx, 'denied-bucket'),
    }),
  },
  {
    id: 'server-stopped',
    failure: 'the S3 server stopped',
    how: 'versitygw stopped (SIGTERM), then DriverCreateBucket',
    rpc: 'create',
    specCodes: ['Unavailable'],
    specSource:
      "the COSI spec names no code for it; gRPC's code guide: UNAVAILABLE, the service is currently unavailable, a transient condition to retry with backoff",
    run: async (ctx) => {
      const exit = await ctx.stopServer();
      return {
        result: await ctx.call('DriverCreateBucket', create('unreachable-bucket')),
        evidence: `the server had exited (${exit})`,
      };
    },
  },
];
