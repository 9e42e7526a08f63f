import { createHash } from 'node:crypto';
import type { GrpcCodeName } from './grpc-code-names.ts';

// What the driver asks of the store, era-neutral. bucketIds on grant/revoke: v1alpha1 sends one, v1alpha2 a list.
export type BackendRequest =
  | { rpc: 'getInfo' }
  | { rpc: 'create'; name: string; parameters: Record<string, string> }
  | { rpc: 'getExisting'; bucketId: string }
  | { rpc: 'delete'; bucketId: string }
  | { rpc: 'grant'; bucketIds: string[]; accountName: string }
  | { rpc: 'revoke'; bucketIds: string[]; accountId: string };

// Deterministic fake secrets (derived from the account id), so repeated grants hand out the same keys.
export interface FakeCredentials {
  accessKeyId: string;
  secretAccessKey: string;
}

export type BackendResult =
  | { ok: true; bucketId?: string; bucketName?: string; accountId?: string; credentials?: FakeCredentials }
  | { ok: false; code: GrpcCodeName; message: string };

export interface StoredBucket {
  bucketId: string;
  bucketName: string;
  parameters: Record<string, string>;
  objects: number;
  // Creates that returned OK for this bucket; more than one is a duplicate create.
  successfulCreates: number;
}

export interface BucketIdentity {
  bucketName: string;
  parameters: Record<string, string>;
}

// Ids derive from the name so a restarted driver hands out the same id for the same bucket.
export function bucketIdFor(name: string): string {
  return `bkt-${digest(name).slice(0, 16)}`;
}

// In-memory object store that answers calls no rule claims, with the idempotency COSI drivers must have.
// `force` is the `ok` action: succeed whatever the state (overwrite parameters, delete despite objects).
export class ObjectStoreBackend {
  private readonly buckets = new Map<string, StoredBucket>();
  private readonly pendingObjects = new Map<string, number>();
  private readonly accounts = new Map<string, { bucketIds: string[] }>();
  // id -> the create that made it; survives delete and reset so late calls are still attributed.
  private readonly directory = new Map<string, BucketIdentity>();

  handle(request: BackendRequest, force = false): BackendResult {
    // A REQUIRED field left empty is the caller's error whatever the store holds (and whatever a rule forces).
    const missing = missingRequiredField(request);
    if (missing)
      return { ok: false, code: 'InvalidArgument', message: `${missing} is REQUIRED and was empty` };
    switch (request.rpc) {
      case 'getInfo':
        return { ok: true };
      case 'create':
        return this.create(request.name, request.parameters, force);
      case 'getExisting':
        return this.getExisting(request.bucketId, force);
      case 'delete':
        return this.delete(request.bucketId, force);
      case 'grant':
        return this.grant(request.bucketIds, request.accountName, force);
      case 'revoke':
        // Unknown accounts and buckets are fine: revoking twice must succeed.
        this.accounts.delete(request.accountId);
        return { ok: true };
    }
  }

  // The create that produced this id, if this driver (or its journal) has seen one.
  identify(bucketId: string): BucketIdentity | undefined {
    return this.directory.get(bucketId);
  }

  // Teach the directory an id without creating anything (replaying a journal after restart).
  learn(bucketId: string, identity: BucketIdentity): void {
    this.directory.set(bucketId, identity);
  }

  // Objects in a bucket; applies now if the bucket exists, else when it is created.
  seedObjects(bucketName: string, count: number): void {
    const id = bucketIdFor(bucketName);
    const bucket = this.buckets.get(id);
    if (bucket) bucket.objects = count;
    else this.pendingObjects.set(bucketName, count);
  }

  // Buckets still present: created and never (successfully) deleted.
  orphans(): StoredBucket[] {
    return [...this.buckets.values()].map((bucket) => ({ ...bucket }));
  }

  duplicates(): StoredBucket[] {
    return this.orphans().filter((bucket) => bucket.successfulCreates > 1);
  }

  // Empties the store; the id directory stays so calls for older buckets keep their attribution.
  reset(): void {
    this.buckets.clear();
    this.pendingObjects.clear();
    this.accounts.clear();
  }

  private create(name: string, parameters: Record<string, string>, force: boolean): BackendResult {
    const bucketId = bucketIdFor(name);
    const existing = this.buckets.get(bucketId);
    if (existing) {
      if (!force && !sameParameters(existing.parameters, parameters)) {
        return {
          ok: false,
          code: 'AlreadyExists',
          message: `bucket ${name} already exists with different parameters`,
        };
      }
      existing.parameters = { ...parameters };
      existing.successfulCreates++;
      this.directory.set(bucketId, { bucketName: name, parameters: { ...parameters } });
      return { ok: true, bucketId, bucketName: name };
    }
    this.buckets.set(bucketId, {
      bucketId,
      bucketName: name,
      parameters: { ...parameters },
      objects: this.pendingObjects.get(name) ?? 0,
      successfulCreates: 1,
    });
    this.pendingObjects.delete(name);
    this.directory.set(bucketId, { bucketName: name, parameters: { ...parameters } });
    return { ok: true, bucketId, bucketName: name };
  }

  private getExisting(bucketId: string, force: boolean): BackendResult {
    const bucket = this.buckets.get(bucketId);
    if (bucket) return { ok: true, bucketId, bucketName: bucket.bucketName };
    if (!force) return { ok: false, code: 'NotFound', message: `bucket ${bucketId} does not exist` };
    const identity = this.directory.get(bucketId) ?? { bucketName: bucketId, parameters: {} };
    this.buckets.set(bucketId, { bucketId, ...identity, objects: 0, successfulCreates: 0 });
    return { ok: true, bucketId, bucketName: identity.bucketName };
  }

  private delete(bucketId: string, force: boolean): BackendResult {
    const bucket = this.buckets.get(bucketId);
    if (!bucket) return { ok: true };
    if (bucket.objects > 0 && !force) {
      return {
        ok: false,
        code: 'FailedPrecondition',
        message: `bucket ${bucket.bucketName} is not empty (${bucket.objects} objects)`,
      };
    }
    this.buckets.delete(bucketId);
    return { ok: true };
  }

  private grant(bucketIds: string[], accountName: string, force: boolean): BackendResult {
    const missing = bucketIds.find((id) => !this.buckets.has(id));
    if (missing !== undefined && !force) {
      return { ok: false, code: 'NotFound', message: `bucket ${missing} does not exist` };
    }
    const accountId = `acct-${digest(`${bucketIds.join(',')}/${accountName}`).slice(0, 16)}`;
    this.accounts.set(accountId, { bucketIds: [...bucketIds] });
    const secret = digest(`secret/${accountId}`);
    return {
      ok: true,
      accountId,
      credentials: {
        accessKeyId: `AKCC${secret.slice(0, 16).toUpperCase()}`,
        secretAccessKey: secret.slice(16, 56),
      },
    };
  }
}

// COSI specs: a REQUIRED field missing from the request is INVALID_ARGUMENT (v1alpha1's "Missing required field",
// v1alpha2's "Invalid or unsupported field"); proto3 sends a missing string as empty.
function missingRequiredField(request: BackendRequest): string | undefined {
  switch (request.rpc) {
    case 'create':
      return request.name === '' ? 'the bucket name' : undefined;
    case 'getExisting':
    case 'delete':
      return request.bucketId === '' ? 'the bucket id' : undefined;
    case 'grant':
      if (request.bucketIds.length === 0 || request.bucketIds.includes('')) return 'the bucket id';
      return request.accountName === '' ? 'the account name' : undefined;
    case 'revoke':
      if (request.bucketIds.length === 0 || request.bucketIds.includes('')) return 'the bucket id';
      return request.accountId === '' ? 'the account id' : undefined;
    default:
      return undefined;
  }
}

function sameParameters(a: Record<string, string>, b: Record<string, string>): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((key) => a[key] === b[key]);
}

function digest(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
