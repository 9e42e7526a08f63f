import { mkdtempSync, rmSync } from 'node:fs';
import { connect as http2Connect } from 'node:http2';
import { connect as netConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, credentials, Metadata, type ServiceError } from '@grpc/grpc-js';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { readJournalFile } from './call-journal.ts';
import { COSI_ERAS, COSI_PACKAGES, loadCosiRequestTypes } from './cosi-protos.ts';
import { type GrpcCodeName, grpcCodeName } from './grpc-code-names.ts';
import { MAX_REQUEST_BYTES } from './grpc-driver-server.ts';
import {
  craftedOverLongRequest,
  type GrpcFuzzCase,
  type GrpcFuzzTarget,
  generateGrpcFuzzCases,
  MALFORMED_BY_CONSTRUCTION,
} from './grpc-fuzz-cases.ts';
import { seededRandom } from './seeded-random.ts';
import { startTestDriver } from './test-driver.ts';

const SEED = 22;
const CASES = 3_000;
// A call without a status by then is a hang (the client waited 3 s; 5 s is the repo's default client
// deadline and leaves room for a busy machine).
const DEADLINE_MS = 5_000;
const CONCURRENCY = 8;

interface RawAnswer {
  code: GrpcCodeName;
  details: string;
}

// A plain grpc-js client that sends the payload's bytes as they are, the way a broken or hostile peer would.
function rawCall(client: Client, path: string, payload: Buffer): Promise<RawAnswer> {
  return new Promise((resolve) => {
    client.makeUnaryRequest(
      path,
      (bytes: Buffer) => bytes,
      (bytes: Buffer) => bytes,
      payload,
      new Metadata(),
      { deadline: Date.now() + DEADLINE_MS },
      (error: ServiceError | null) =>
        resolve(
          error ? { code: grpcCodeName(error.code), details: error.details } : { code: 'OK', details: '' },
        ),
    );
  });
}

async function runPool<T, R>(items: T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: limit }, worker));
  return results;
}

function methodPath(era: (typeof COSI_ERAS)[number], method: string): string {
  return `/${COSI_PACKAGES[era]}.${method === 'DriverGetInfo' ? 'Identity' : 'Provisioner'}/${method}`;
}

function targets(): GrpcFuzzTarget[] {
  return COSI_ERAS.flatMap((era) =>
    Object.entries(loadCosiRequestTypes(era)).map(([method, requestType]) => ({
      era,
      method,
      path: methodPath(era, method),
      requestType,
    })),
  );
}

function tally(values: string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const value of [...values].sort()) counts[value] = (counts[value] ?? 0) + 1;
  return counts;
}

const RPC_BY_METHOD: Record<string, string> = {
  DriverGetInfo: 'getInfo',
  DriverCreateBucket: 'create',
  DriverGetExistingBucket: 'getExisting',
  DriverDeleteBucket: 'delete',
  DriverGrantBucketAccess: 'grant',
  DriverRevokeBucketAccess: 'revoke',
};

async function scrape(adminUrl: string | undefined, metric: string): Promise<number> {
  const text = await (await fetch(`${adminUrl}/metrics`)).text();
  const pattern = new RegExp(`^${metric}(?:\\{[^}]*\\})? (\\d+)$`, 'gm');
  return [...text.matchAll(pattern)].reduce((sum, match) => sum + Number(match[1]), 0);
}

const dir = mkdtempSync(join(tmpdir(), 'cosi-chaos-fuzz-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('malformed gRPC requests (seeded fuzz, both eras, every method)', () => {
  it(`answers and journals each of ${CASES} generated and mutated payloads`, async () => {
    const journalFile = join(dir, 'journal.jsonl');
    await using t = await startTestDriver('rules: []', { journalFile });
    const client = new Client(`unix:${t.driver.socketPath}`, credentials.createInsecure());
    try {
      const cases = generateGrpcFuzzCases(targets(), seededRandom(SEED), {
        count: CASES,
        maxRandomBytes: 70_000,
        oversizeBytes: MAX_REQUEST_BYTES + 1,
        oversizeCases: 3,
      });
      const startedMs = performance.now();
      const answers = await runPool(cases, CONCURRENCY, (c) => rawCall(client, c.path, c.payload));
      const wallMs = performance.now() - startedMs;
      const unanswered = answers.filter((a) => a.code === 'DeadlineExceeded' || a.code === 'Unavailable');
      const entries = t.driver.journal.entries();
      console.log(
        JSON.stringify({
          seed: SEED,
          calls: cases.length,
          answered: cases.length - unanswered.length,
          hangs: unanswered.length,
          journaled: entries.length,
          wallMs: Math.round(wallMs),
          codes: tally(answers.map((a) => a.code)),
          byKind: Object.fromEntries(
            [...new Set(cases.map((c) => c.kind))].map((kind) => [
              kind,
              tally(answers.filter((_, i) => cases[i]?.kind === kind).map((a) => a.code)),
            ]),
          ),
        }),
      );

      expect(unanswered).toEqual([]);
      const pairs = cases.map((c, i) => ({ c, a: answers[i] as RawAnswer }));
      const byKind = (kind: GrpcFuzzCase['kind']) => pairs.filter(({ c }) => c.kind === kind);
      for (const { a } of pairs.filter(({ c }) => MALFORMED_BY_CONSTRUCTION.includes(c.kind))) {
        expect(a.code).toBe('InvalidArgument');
        expect(a.details).toMatch(/^request does not decode as \S+: .+ \(at byte \d+\); send a complete/);
      }
      for (const { a } of byKind('valid'))
        expect(['OK', 'NotFound', 'AlreadyExists', 'InvalidArgument']).toContain(a.code);
      for (const { a } of byKind('valid').filter(({ a }) => a.code === 'InvalidArgument'))
        expect(a.details).toMatch(/is REQUIRED and was empty$/);
      for (const { a } of byKind('oversize')) expect(a.code).toBe('ResourceExhausted');
      for (const { a } of byKind('unknown-method')) expect(a.code).toBe('Unimplemented');
      expect(answers.filter((a) => a.code === 'Internal' || a.code === 'Unknown')).toEqual([]);

      // A path nobody registered is answered by grpc-js before any of our code: the only calls not journaled.
      const served = pairs.filter(({ c }) => c.kind !== 'unknown-method');
      const rpcOf = (c: GrpcFuzzCase) => RPC_BY_METHOD[c.method ?? ''];
      expect(tally(entries.map((e) => `${e.era} ${e.rpc} ${e.code}`))).toEqual(
        tally(served.map(({ c, a }) => `${c.era} ${rpcOf(c)} ${a.code}`)),
      );
      // Refused for their bytes: not decodable or too large. A request that decodes with a REQUIRED field empty is
      // InvalidArgument too, from the driver core (and journaled with no size).
      const refusedForBytes = served.filter(
        ({ a }) =>
          (a.code === 'InvalidArgument' && /^request does not decode/.test(a.details)) ||
          a.code === 'ResourceExhausted',
      );
      expect(
        tally(entries.filter((e) => e.size !== undefined).map((e) => `${e.rpc} ${e.code} ${e.size}`)),
      ).toEqual(tally(refusedForBytes.map(({ c, a }) => `${rpcOf(c)} ${a.code} ${c.payload.length}`)));
      expect(
        entries.filter(
          (e) =>
            e.code === 'InvalidArgument' &&
            !e.decodeError &&
            !/is REQUIRED and was empty$/.test(e.message ?? ''),
        ),
      ).toEqual([]);
      // The file gets the same lines, batched (CallJournal's flush interval).
      await vi.waitFor(() => expect(readJournalFile(journalFile)).toHaveLength(entries.length));

      // The same connection still serves a valid call, and so does a new one.
      expect(await rawCall(client, methodPath('v1alpha1', 'DriverGetInfo'), Buffer.alloc(0))).toEqual({
        code: 'OK',
        details: '',
      });
      for (const era of COSI_ERAS) expect((await t.clients[era].call('DriverGetInfo', {})).code).toBe('OK');
      const after = t.driver.journal.entries().length;
      expect(await scrape(t.driver.adminUrl, 'cosi_mock_driver_calls_total')).toBe(after);
      // grpc-js's own count holds the unknown methods too: nothing it accepted is missing from /metrics.
      expect(await scrape(t.driver.adminUrl, 'cosi_mock_driver_grpc_calls_started_total')).toBe(
        after + byKind('unknown-method').length,
      );
    } finally {
      client.close();
    }
  });

  it.each([
    ['DriverCreateBucket', 5_000_000_000],
    ['DriverGrantBucketAccess', 5_000_000_000],
    ['DriverCreateBucket', 100_000],
  ])(
    'v1alpha1 %s with field 1 declaring %d bytes (the issue’s crafted request) is InvalidArgument',
    async (method, declared) => {
      await using t = await startTestDriver();
      const client = new Client(`unix:${t.driver.socketPath}`, credentials.createInsecure());
      try {
        const payload = craftedOverLongRequest(declared, seededRandom(SEED));
        const answer = await rawCall(client, `/cosi.v1alpha1.Provisioner/${method}`, payload);
        console.log(JSON.stringify({ method, declared, bytes: payload.length, ...answer }));
        expect(answer.code).toBe('InvalidArgument');
        expect(answer.details).toContain(`declares ${declared} bytes but only 100 bytes remain`);
        expect(t.driver.orphans()).toEqual([]);
        expect(t.driver.journal.entries()).toMatchObject([
          {
            era: 'v1alpha1',
            rpc: RPC_BY_METHOD[method],
            code: 'InvalidArgument',
            callNumber: 0,
            size: payload.length,
            decodeError: expect.stringContaining(`declares ${declared} bytes`),
          },
        ]);
      } finally {
        client.close();
      }
    },
  );
});

describe('what a conforming encoder may send is still accepted', () => {
  it('unknown fields of every wire type (a closed group too), a field sent twice (the last wins)', async () => {
    await using t = await startTestDriver();
    const client = new Client(`unix:${t.driver.socketPath}`, credentials.createInsecure());
    try {
      const type = loadCosiRequestTypes('v1alpha2').DriverCreateBucket;
      if (!type) throw new Error('v1alpha2 has no DriverCreateBucket');
      const encode = (object: object) => Buffer.from(type.encode(type.fromObject(object)).finish());
      const unknown = Buffer.from([
        // field 90 varint 300, field 91 fixed64, field 92 length-delimited "hi", field 93 fixed32
        0xd0, 0x05, 0xac, 0x02, 0xd9, 0x05, 1, 2, 3, 4, 5, 6, 7, 8, 0xe2, 0x05, 2, 0x68, 0x69, 0xed, 0x05, 1,
        2, 3, 4,
        // field 15 as a group holding field 1 varint 7, closed by its end-group tag
        0x7b, 0x08, 0x07, 0x7c,
      ]);
      const payload = Buffer.concat([
        encode({ name: 'first', protocols: [{ type: 'S3' }] }),
        unknown,
        encode({ name: 'second', parameters: { k: 'v' } }),
      ]);
      const answer = await rawCall(client, methodPath('v1alpha2', 'DriverCreateBucket'), payload);
      expect(answer).toEqual({ code: 'OK', details: '' });
      expect(t.driver.journal.entries()).toMatchObject([
        { rpc: 'create', bucketName: 'second', parameters: { k: 'v' }, code: 'OK', callNumber: 1 },
      ]);
      expect(t.driver.journal.entries()[0]?.decodeError).toBeUndefined();
    } finally {
      client.close();
    }
  });
});

interface Http2Answer {
  httpStatus?: number;
  grpcStatus?: GrpcCodeName;
  grpcMessage?: string;
  hung?: true;
}

// gRPC's length-prefixed message: 1 flag byte (compressed or not), 4 bytes big-endian length, the message.
function frame(payload: Buffer, options: { compressed?: boolean; declared?: number } = {}): Buffer {
  const header = Buffer.alloc(5);
  header.writeUInt8(options.compressed ? 1 : 0, 0);
  header.writeUInt32BE(options.declared ?? payload.length, 1);
  return Buffer.concat([header, payload]);
}

// One request over a raw HTTP/2 stream, for framing a grpc-js client never produces. Bounded by DEADLINE_MS.
async function http2Call(
  socketPath: string,
  path: string,
  headers: Record<string, string>,
  body: Buffer,
): Promise<Http2Answer> {
  const session = http2Connect('http://localhost', { createConnection: () => netConnect(socketPath) });
  session.on('error', () => {});
  try {
    return await new Promise<Http2Answer>((resolve) => {
      const answer: Http2Answer = {};
      const read = (fields: Record<string, unknown>) => {
        if (fields['grpc-status'] !== undefined)
          answer.grpcStatus = grpcCodeName(Number(fields['grpc-status']));
        if (fields['grpc-message'] !== undefined)
          answer.grpcMessage = decodeURIComponent(String(fields['grpc-message']));
      };
      const stream = session.request({
        ':method': 'POST',
        ':path': path,
        'content-type': 'application/grpc',
        te: 'trailers',
        ...headers,
      });
      const timer = setTimeout(() => {
        stream.close();
        resolve({ ...answer, hung: true });
      }, DEADLINE_MS);
      stream.on('response', (fields) => {
        answer.httpStatus = Number(fields[':status']);
        read(fields);
      });
      stream.on('trailers', read);
      stream.on('error', () => {});
      stream.on('close', () => {
        clearTimeout(timer);
        resolve(answer);
      });
      stream.resume();
      stream.end(body);
    });
  } finally {
    session.destroy();
  }
}

describe('gRPC framing errors grpc-js answers before our handler runs', () => {
  const validCreate = () => {
    const type = loadCosiRequestTypes('v1alpha1').DriverCreateBucket;
    if (!type) throw new Error('v1alpha1 has no DriverCreateBucket');
    return Buffer.from(type.encode(type.fromObject({ name: 'framed' })).finish());
  };
  const create = methodPath('v1alpha1', 'DriverCreateBucket');
  // Expected codes are grpc-js's choices (server-interceptors.ts, server.ts handleUnary), except InvalidArgument.
  const framings: [string, Record<string, string>, () => Buffer, GrpcCodeName | 'HTTP 415', boolean][] = [
    ['no request message', {}, () => Buffer.alloc(0), 'Unimplemented', true],
    ['a frame cut short', {}, () => frame(Buffer.alloc(10), { declared: 100 }), 'Unimplemented', true],
    [
      'two request messages',
      {},
      () => Buffer.concat([frame(validCreate()), frame(validCreate())]),
      'Unimplemented',
      true,
    ],
    [
      'a gzip frame that is not gzip',
      { 'grpc-encoding': 'gzip' },
      () => frame(Buffer.from('not gzip'), { compressed: true }),
      'Internal',
      true,
    ],
    [
      'an unsupported grpc-encoding',
      { 'grpc-encoding': 'snappy' },
      () => frame(validCreate(), { compressed: true }),
      'Unimplemented',
      true,
    ],
    ['a malformed grpc-timeout', { 'grpc-timeout': 'soon' }, () => frame(validCreate()), 'Internal', true],
    [
      'a frame declaring more than the limit',
      {},
      () => frame(Buffer.alloc(10), { declared: MAX_REQUEST_BYTES + 1 }),
      'ResourceExhausted',
      true,
    ],
    [
      'a framed message with a length past its end',
      {},
      () => frame(craftedOverLongRequest(100_000, seededRandom(SEED))),
      'InvalidArgument',
      true,
    ],
    [
      'a non-gRPC content-type',
      { 'content-type': 'text/plain' },
      () => frame(validCreate()),
      'HTTP 415',
      false,
    ],
  ];

  it.each(framings)(
    '%s is answered and (when it reaches a registered method) journaled',
    async (_name, headers, body, expected, journaled) => {
      await using t = await startTestDriver();
      const answer = await http2Call(t.driver.socketPath, create, headers, body());
      expect(answer.hung).toBeUndefined();
      if (expected === 'HTTP 415') expect(answer).toMatchObject({ httpStatus: 415 });
      else
        expect(answer).toMatchObject({
          httpStatus: 200,
          grpcStatus: expected,
          grpcMessage: expect.any(String),
        });
      // The journal entry is written as the status goes out; poll briefly rather than race it.
      if (journaled) {
        const entry = await t.driver.journal.waitFor(() => true, 2_000);
        expect(entry).toMatchObject({ era: 'v1alpha1', rpc: 'create', code: expected, callNumber: 0 });
        if (expected === 'ResourceExhausted') expect(entry.size).toBe(MAX_REQUEST_BYTES + 1);
      } else expect(t.driver.journal.entries()).toEqual([]);
      expect(await scrape(t.driver.adminUrl, 'cosi_mock_driver_grpc_calls_started_total')).toBe(1);
      expect(t.driver.orphans()).toEqual([]);
    },
  );
});
