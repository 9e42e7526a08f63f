import { type CosiClient, connectCosiClient } from '../../mock-driver/index.ts';
import type { ConformCall, ConformEra } from './conform-results.ts';
import type { ConformProtocol, EraMessages } from './era-messages.ts';
import { ERA_MESSAGES } from './era-messages.ts';
import type { ResourceLedger } from './resource-ledger.ts';

type Message = Record<string, unknown>;

// Credentials a driver hands out are secrets even for a test bucket: reports keep their shape, not their value.
const SECRET_CONTAINERS = new Set(['credentials', 'secrets']);

/** A copy of an answer with every string under `credentials` replaced by its length. */
export function redactSecrets(value: unknown, inSecret = false): unknown {
  if (typeof value === 'string')
    return inSecret && value !== '' ? `<redacted, ${value.length} chars>` : value;
  if (Array.isArray(value)) return value.map((v) => redactSecrets(v, inSecret));
  if (value !== null && typeof value === 'object')
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, redactSecrets(v, inSecret || SECRET_CONTAINERS.has(k))]),
    );
  return value;
}

/** The answer of one call, with the parsed response for the case to read. */
export interface CallAnswer {
  call: ConformCall;
  response?: Message;
}

/**
 * One era's client for the suite: every call goes out with the run's deadline, is recorded (request, code,
 * message, redacted response, latency) for the case that made it and for the run, and OK answers to creates and
 * grants are written to the ledger so the cleanup can remove them.
 */
export class RecordingClient {
  readonly messages: EraMessages;
  private readonly client: CosiClient;
  /** Every call of the run on this client, in order. */
  readonly calls: ConformCall[] = [];

  constructor(
    readonly era: ConformEra,
    address: string,
    readonly deadlineMs: number,
    private readonly ledger: ResourceLedger,
    private readonly beforeCall?: (method: string, request: Message) => Promise<void>,
  ) {
    this.messages = ERA_MESSAGES[era];
    this.client = connectCosiClient(era, address);
  }

  async call(method: string, request: Message, sink?: ConformCall[]): Promise<CallAnswer> {
    await this.beforeCall?.(method, request);
    const started = performance.now();
    const result = await this.client.call<Message>(method, request, { deadlineMs: this.deadlineMs });
    const latencyMs = Math.round((performance.now() - started) * 10) / 10;
    const call: ConformCall = {
      method,
      request,
      code: result.code,
      ...(result.message ? { message: result.message } : {}),
      ...(result.response ? { response: redactSecrets(result.response) as Message } : {}),
      latencyMs,
      deadlineMs: this.deadlineMs,
    };
    this.calls.push(call);
    sink?.push(call);
    if (result.code === 'OK') this.learn(method, request, result.response ?? {});
    return { call, ...(result.response ? { response: result.response } : {}) };
  }

  /** Requests built for this era, sent and recorded. */
  create(name: string, parameters: Record<string, string>, protocol: ConformProtocol, sink?: ConformCall[]) {
    return this.call('DriverCreateBucket', this.messages.create(name, parameters, protocol), sink);
  }

  remove(bucketId: string, sink?: ConformCall[]) {
    return this.call('DriverDeleteBucket', this.messages.remove(bucketId, {}), sink);
  }

  grant(
    bucketId: string,
    accountName: string,
    parameters: Record<string, string>,
    protocol: ConformProtocol,
    sink?: ConformCall[],
  ) {
    return this.call(
      'DriverGrantBucketAccess',
      this.messages.grant(bucketId, accountName, parameters, protocol),
      sink,
    );
  }

  revoke(bucketId: string, accountId: string, protocol: ConformProtocol, sink?: ConformCall[]) {
    return this.call(
      'DriverRevokeBucketAccess',
      this.messages.revoke(bucketId, accountId, {}, protocol),
      sink,
    );
  }

  getInfo(sink?: ConformCall[]) {
    return this.call('DriverGetInfo', {}, sink);
  }

  close(): void {
    this.client.close();
  }

  private learn(method: string, request: Message, response: Message): void {
    const text = (m: Message, k: string) => (typeof m[k] === 'string' ? (m[k] as string) : '');
    if (method === 'DriverCreateBucket' && text(response, 'bucket_id'))
      this.ledger.created({
        era: this.era,
        bucketId: text(response, 'bucket_id'),
        name: text(request, 'name'),
        parameters: (request.parameters as Record<string, string>) ?? {},
      });
    else if (method === 'DriverDeleteBucket') this.ledger.deleted(this.era, text(request, 'bucket_id'));
    else if (method === 'DriverGrantBucketAccess' && text(response, 'account_id'))
      this.ledger.granted({
        era: this.era,
        bucketId: grantBucketId(this.era, request),
        accountId: text(response, 'account_id'),
        accountName: text(request, this.era === 'v1alpha1' ? 'name' : 'account_name'),
      });
    else if (method === 'DriverRevokeBucketAccess')
      this.ledger.revoked(this.era, grantBucketId(this.era, request), text(request, 'account_id'));
  }
}

function grantBucketId(era: ConformEra, request: Message): string {
  if (era === 'v1alpha1') return typeof request.bucket_id === 'string' ? request.bucket_id : '';
  const first = (request.buckets as { bucket_id?: string }[] | undefined)?.[0];
  return first?.bucket_id ?? '';
}
