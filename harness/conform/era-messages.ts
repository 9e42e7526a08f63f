import type { ConformEra } from './conform-results.ts';

/** Object storage protocols as the --protocol flag names them. */
export type ConformProtocol = 'S3' | 'Azure' | 'GCS';
export const CONFORM_PROTOCOLS: readonly ConformProtocol[] = ['S3', 'Azure', 'GCS'];

type Message = Record<string, unknown>;
type Params = Record<string, string>;

const V1A2_PROTOCOL: Record<ConformProtocol, string> = { S3: 'S3', Azure: 'AZURE', GCS: 'GCS' };
// v1alpha1's Protocol oneof field per protocol (bucket_info), and the credentials map key the v1alpha1 sidecar reads.
const V1A1_BUCKET_INFO: Record<ConformProtocol, string> = { S3: 's3', Azure: 'azureBlob', GCS: 'gcs' };
const V1A2_INFO_FIELD: Record<ConformProtocol, string> = { S3: 's3', Azure: 'azure', GCS: 'gcs' };
/**
 * Credential fields per protocol. v1alpha1's proto leaves them to the sidecar: the v1alpha1 provisioner sidecar
 * reads credentials["s3"].secrets accessKeyID / accessSecretKey and credentials["azure"] accessToken (and writes
 * them to the BucketInfo Secret); v1alpha2's proto names them (S3CredentialInfo, AzureCredentialInfo,
 * GcsCredentialInfo).
 */
const V1A1_SECRETS: Record<ConformProtocol, { key: string; fields: string[] }> = {
  S3: { key: 's3', fields: ['accessKeyID', 'accessSecretKey'] },
  Azure: { key: 'azure', fields: ['accessToken'] },
  GCS: { key: 'gcs', fields: ['privateKeyName', 'serviceAccount'] },
};
const V1A2_CREDENTIALS: Record<ConformProtocol, string[]> = {
  S3: ['access_key_id', 'access_secret_key'],
  Azure: ['access_token'],
  GCS: ['access_id', 'access_secret'],
};

/** The requests of one era, built from era-neutral arguments; and readers of its answers. */
export interface EraMessages {
  create(name: string, parameters: Params, protocol: ConformProtocol): Message;
  remove(bucketId: string, parameters: Params): Message;
  grant(bucketId: string, accountName: string, parameters: Params, protocol: ConformProtocol): Message;
  revoke(bucketId: string, accountId: string, parameters: Params, protocol: ConformProtocol): Message;
  /** v1alpha2 only. */
  getExisting?(bucketId: string, parameters: Params, protocol: ConformProtocol): Message;
  /** Problems with a DriverGetInfo answer (empty: none). */
  getInfoProblems(response: Message, protocol: ConformProtocol): string[];
  /** Problems with a DriverCreateBucket answer. */
  createProblems(response: Message, protocol: ConformProtocol): string[];
  /** Problems with a DriverGrantBucketAccess answer. */
  grantProblems(response: Message, bucketId: string, protocol: ConformProtocol): string[];
}

// RFC 1035-style name as the GetInfo comment words it: 1-63 chars, alphanumeric at both ends, '-' '.' between.
const DRIVER_NAME = /^[a-zA-Z0-9]([a-zA-Z0-9.-]{0,61}[a-zA-Z0-9])?$/;
// v1alpha2: "at most 2048 characters long, consisting of alphanumeric characters ([a-z0-9A-Z]), dashes (-), and dots (.)".
const V1A2_ID = /^[a-zA-Z0-9.-]{1,2048}$/;

const str = (m: Message | undefined, key: string): string | undefined => {
  const v = m?.[key];
  return typeof v === 'string' ? v : undefined;
};
const obj = (m: Message | undefined, key: string): Message | undefined => {
  const v = m?.[key];
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Message) : undefined;
};

function nameProblems(response: Message): string[] {
  const name = str(response, 'name') ?? '';
  if (name === '') return ['name is empty'];
  if (!DRIVER_NAME.test(name))
    return [
      `name ${JSON.stringify(name)} is not domain-name notation of at most 63 characters (alphanumeric at both ends, '-' and '.' between)`,
    ];
  return [];
}

function bucketIdProblems(era: ConformEra, id: string | undefined): string[] {
  if (!id) return ['bucket_id is empty'];
  if (era === 'v1alpha2' && !V1A2_ID.test(id))
    return [`bucket_id ${JSON.stringify(id)} is not at most 2048 of [a-zA-Z0-9.-]`];
  return [];
}

function emptyFields(m: Message | undefined, fields: string[], where: string): string[] {
  return fields.filter((f) => !str(m, f)).map((f) => `${where}.${f} is empty`);
}

export const V1ALPHA1_MESSAGES: EraMessages = {
  create: (name, parameters) => ({ name, parameters }),
  remove: (bucketId) => ({ bucket_id: bucketId, delete_context: {} }),
  grant: (bucketId, accountName, parameters) => ({
    bucket_id: bucketId,
    name: accountName,
    authentication_type: 'Key',
    parameters,
  }),
  revoke: (bucketId, accountId) => ({
    bucket_id: bucketId,
    account_id: accountId,
    revoke_access_context: {},
  }),
  getInfoProblems: (response) => nameProblems(response),
  createProblems: (response, protocol) => {
    const problems = bucketIdProblems('v1alpha1', str(response, 'bucket_id'));
    const field = V1A1_BUCKET_INFO[protocol];
    if (!obj(obj(response, 'bucket_info'), field))
      problems.push(`bucket_info.${field} is not set (${protocol} bucket info)`);
    return problems;
  },
  grantProblems: (response, _bucketId, protocol) => {
    const problems = str(response, 'account_id') ? [] : ['account_id is empty'];
    const { key, fields } = V1A1_SECRETS[protocol];
    const secrets = obj(obj(obj(response, 'credentials'), key), 'secrets');
    if (!secrets) problems.push(`credentials["${key}"].secrets is not set`);
    else problems.push(...emptyFields(secrets, fields, `credentials["${key}"].secrets`));
    return problems;
  },
};

export const V1ALPHA2_MESSAGES: EraMessages = {
  create: (name, parameters, protocol) => ({
    name,
    protocols: [{ type: V1A2_PROTOCOL[protocol] }],
    parameters,
  }),
  remove: (bucketId, parameters) => ({ bucket_id: bucketId, parameters }),
  grant: (bucketId, accountName, parameters, protocol) => ({
    account_name: accountName,
    protocol: { type: V1A2_PROTOCOL[protocol] },
    authentication_type: { type: 'KEY' },
    parameters,
    // An empty bucket id stays in the list: the required-field cases send one empty id in both eras.
    buckets: [{ bucket_id: bucketId, access_mode: { mode: 'READ_WRITE' } }],
  }),
  revoke: (bucketId, accountId, parameters, protocol) => ({
    account_id: accountId,
    protocol: { type: V1A2_PROTOCOL[protocol] },
    authentication_type: { type: 'KEY' },
    parameters,
    buckets: [{ bucket_id: bucketId }],
  }),
  getExisting: (bucketId, parameters, protocol) => ({
    existing_bucket_id: bucketId,
    protocols: [{ type: V1A2_PROTOCOL[protocol] }],
    parameters,
  }),
  getInfoProblems: (response, protocol) => {
    const problems = nameProblems(response);
    const supported = (response.supported_protocols as { type?: unknown }[] | undefined) ?? [];
    if (supported.length === 0) problems.push('supported_protocols is empty (at least one is REQUIRED)');
    else if (!supported.some((p) => p.type === V1A2_PROTOCOL[protocol]))
      problems.push(`supported_protocols does not list ${V1A2_PROTOCOL[protocol]}`);
    return problems;
  },
  createProblems: (response, protocol) => {
    const problems = bucketIdProblems('v1alpha2', str(response, 'bucket_id'));
    const field = V1A2_INFO_FIELD[protocol];
    if (!obj(obj(response, 'protocols'), field))
      problems.push(`protocols.${field} is nil: support for the requested ${protocol} is not indicated`);
    return problems;
  },
  grantProblems: (response, bucketId, protocol) => {
    const problems = str(response, 'account_id') ? [] : ['account_id is empty'];
    const field = V1A2_INFO_FIELD[protocol];
    const buckets = (response.buckets as Message[] | undefined) ?? [];
    const mine = buckets.find((b) => str(b, 'bucket_id') === bucketId);
    if (!mine) problems.push(`buckets has no entry for ${bucketId}`);
    else {
      const info = obj(mine, 'bucket_info');
      if (!obj(info, field)) problems.push(`buckets[${bucketId}].bucket_info.${field} is nil`);
      const others = Object.values(V1A2_INFO_FIELD).filter((f) => f !== field && obj(info, f));
      if (others.length) problems.push(`buckets[${bucketId}].bucket_info also sets ${others.join(', ')}`);
    }
    const credentials = obj(obj(response, 'credentials'), field);
    if (!credentials) problems.push(`credentials.${field} is nil`);
    else problems.push(...emptyFields(credentials, V1A2_CREDENTIALS[protocol], `credentials.${field}`));
    return problems;
  },
};

export const ERA_MESSAGES: Record<ConformEra, EraMessages> = {
  v1alpha1: V1ALPHA1_MESSAGES,
  v1alpha2: V1ALPHA2_MESSAGES,
};
