import { describe, expect, it } from 'vitest';
import { V1ALPHA1_MESSAGES, V1ALPHA2_MESSAGES } from './era-messages.ts';

// What the create, grant and get-info cases find wrong in an answer's fields (rules can change a code, not the
// fields of an OK answer, so these are checked here on answers shaped as each era's proto decodes them).
describe('v1alpha1 answers', () => {
  const m = V1ALPHA1_MESSAGES;
  it('get-info: a name in domain-name notation of at most 63 characters', () => {
    expect(m.getInfoProblems({ name: 'sample.objectstorage.k8s.io' }, 'S3')).toEqual([]);
    expect(m.getInfoProblems({ name: '' }, 'S3')).toEqual(['name is empty']);
    for (const bad of ['-leading.dash', 'trailing.', 'under_score', 'a'.repeat(64)])
      expect(m.getInfoProblems({ name: bad }, 'S3')[0]).toMatch(/is not domain-name notation/);
  });
  it('create: a bucket id and bucket_info of the protocol', () => {
    expect(m.createProblems({ bucket_id: 'b', bucket_info: { s3: { region: 'r' } } }, 'S3')).toEqual([]);
    expect(m.createProblems({ bucket_id: '', bucket_info: { azureBlob: {} } }, 'S3')).toEqual([
      'bucket_id is empty',
      'bucket_info.s3 is not set (S3 bucket info)',
    ]);
  });
  it("grant: an account id and the sidecar's secret keys for the protocol", () => {
    const ok = {
      account_id: 'a',
      credentials: { s3: { secrets: { accessKeyID: 'k', accessSecretKey: 's' } } },
    };
    expect(m.grantProblems(ok, 'b', 'S3')).toEqual([]);
    // The upstream sample driver's spelling.
    const sample = {
      account_id: 'a',
      credentials: { s3: { secrets: { accessKeyId: 'k', accessSecretKey: 's' } } },
    };
    expect(m.grantProblems(sample, 'b', 'S3')).toEqual(['credentials["s3"].secrets.accessKeyID is empty']);
    expect(m.grantProblems({ account_id: '' }, 'b', 'Azure')).toEqual([
      'account_id is empty',
      'credentials["azure"].secrets is not set',
    ]);
  });
});

describe('v1alpha2 answers', () => {
  const m = V1ALPHA2_MESSAGES;
  it('get-info: at least one protocol, the one under test among them', () => {
    expect(m.getInfoProblems({ name: 'd.example.com', supported_protocols: [{ type: 'S3' }] }, 'S3')).toEqual(
      [],
    );
    expect(m.getInfoProblems({ name: 'd.example.com', supported_protocols: [] }, 'S3')).toEqual([
      'supported_protocols is empty (at least one is REQUIRED)',
    ]);
    expect(
      m.getInfoProblems({ name: 'd.example.com', supported_protocols: [{ type: 'GCS' }] }, 'Azure'),
    ).toEqual(['supported_protocols does not list AZURE']);
  });
  it('create: a bucket id of [a-zA-Z0-9.-] and support for the requested protocol', () => {
    expect(m.createProblems({ bucket_id: 'b-1.x', protocols: { s3: {}, azure: null } }, 'S3')).toEqual([]);
    expect(m.createProblems({ bucket_id: 'b/1', protocols: { s3: null } }, 'S3')).toEqual([
      'bucket_id "b/1" is not at most 2048 of [a-zA-Z0-9.-]',
      'protocols.s3 is nil: support for the requested S3 is not indicated',
    ]);
  });
  it('grant: every bucket answered with exactly the requested protocol, and its credential fields', () => {
    const ok = {
      account_id: 'a',
      buckets: [{ bucket_id: 'b', bucket_info: { s3: {}, azure: null, gcs: null } }],
      credentials: { s3: { access_key_id: 'k', access_secret_key: 's' } },
    };
    expect(m.grantProblems(ok, 'b', 'S3')).toEqual([]);
    const wrong = {
      account_id: 'a',
      buckets: [{ bucket_id: 'b', bucket_info: { s3: {}, gcs: {} } }],
      credentials: { s3: { access_key_id: 'k', access_secret_key: '' } },
    };
    expect(m.grantProblems(wrong, 'b', 'S3')).toEqual([
      'buckets[b].bucket_info also sets gcs',
      'credentials.s3.access_secret_key is empty',
    ]);
    expect(m.grantProblems({ account_id: 'a', buckets: [] }, 'b', 'S3')).toEqual([
      'buckets has no entry for b',
      'credentials.s3 is nil',
    ]);
  });
});
