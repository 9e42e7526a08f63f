import { mkdtempSync, rmSync } from 'node:fs';
import {
  createServer,
  type Http2Server,
  constants as http2Constants,
  type IncomingHttpHeaders,
  type ServerHttp2Stream,
} from 'node:http2';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, credentials, Metadata, type ServiceError } from '@grpc/grpc-js';
import { afterEach, describe, expect, it } from 'vitest';
import { loadCosiServices } from './cosi-protos.ts';
import { startMockDriver } from './mock-driver.ts';
import { encodeRpcStatus } from './rpc-status-details.ts';
import { requests, startTestDriver } from './test-driver.ts';

// The interposer's forwarding (UpstreamDriver, gRPC unary calls on node:http2) against a scripted HTTP/2 peer on a
// unix socket: what reaches the driver, and what each kind of answer (or breakage) becomes for the caller.
const create = loadCosiServices('v1alpha1').provisioner.DriverCreateBucket;
if (!create) throw new Error('v1alpha1 proto has no DriverCreateBucket');
const CREATE_PATH = create.path;

const dirs: string[] = [];
const servers: Http2Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function socketIn(name: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'cosi-chaos-up-'));
  dirs.push(dir);
  return join(dir, name);
}

interface Seen {
  headers: IncomingHttpHeaders;
  body: Buffer;
}

// A peer that answers every stream with `answer` once the request is complete, and keeps what it received.
async function scriptedDriver(
  answer: (stream: ServerHttp2Stream) => void,
): Promise<{ socket: string; seen: Seen[] }> {
  const socket = socketIn('driver.sock');
  const seen: Seen[] = [];
  const server = createServer();
  server.on('stream', (stream, headers) => {
    const chunks: Buffer[] = [];
    // Resetting a stream on purpose (RST_STREAM) reports it as this side's stream error too.
    stream.on('error', () => {});
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.on('end', () => {
      seen.push({ headers, body: Buffer.concat(chunks) });
      answer(stream);
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(socket, resolve));
  return { socket, seen };
}

function framed(message: Buffer): Buffer {
  const out = Buffer.alloc(5 + message.length);
  out.writeUInt32BE(message.length, 1);
  message.copy(out, 5);
  return out;
}

const okResponse = (bucketId: string) => create.responseSerialize({ bucket_id: bucketId });

function answerOk(bucketId: string) {
  return (stream: ServerHttp2Stream) => {
    stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
    stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
    stream.end(framed(okResponse(bucketId)));
  };
}

describe('UpstreamDriver: gRPC unary forwarding on node:http2', () => {
  it('sends the request bytes as they came, the caller metadata, its deadline as grpc-timeout, and answers the bytes back', async () => {
    const upstream = await scriptedDriver(answerOk('from-driver'));
    await using t = await startTestDriver('rules: []', { upstream: `unix://${upstream.socket}` });
    const client = new Client(`unix:${t.driver.socketPath}`, credentials.createInsecure());
    const metadata = new Metadata();
    metadata.set('x-trace', 'abc');
    metadata.set('x-blob-bin', Buffer.from([0, 1, 2, 250]));
    const requestBytes = create.requestSerialize({ name: 'b1', parameters: { tier: 'gold' } });
    const answer = await new Promise<{ error: ServiceError | null; bytes?: Buffer }>((resolve) =>
      client.makeUnaryRequest(
        CREATE_PATH,
        (b: Buffer) => b,
        (b: Buffer) => b,
        requestBytes,
        metadata,
        { deadline: Date.now() + 4_000 },
        (error, bytes) => resolve({ error, ...(bytes ? { bytes } : {}) }),
      ),
    );
    client.close();
    expect(answer.error).toBeNull();
    expect(answer.bytes).toEqual(okResponse('from-driver'));
    const [seen] = upstream.seen;
    expect(seen?.body).toEqual(framed(requestBytes));
    expect(seen?.headers).toMatchObject({
      ':method': 'POST',
      ':path': CREATE_PATH,
      'content-type': 'application/grpc',
      te: 'trailers',
      'x-trace': 'abc',
      'x-blob-bin': Buffer.from([0, 1, 2, 250]).toString('base64'),
      'user-agent': 'cosi-chaos-interposer',
    });
    const timeout = /^(\d+)m$/.exec(String(seen?.headers['grpc-timeout']));
    expect(Number(timeout?.[1])).toBeGreaterThan(3_000);
    expect(Number(timeout?.[1])).toBeLessThanOrEqual(4_000);
    expect(t.driver.journal.entries().map((e) => [e.code, e.answeredBy, e.bucketId])).toEqual([
      ['OK', 'driver', 'from-driver'],
    ]);
  });

  it("passes the driver's status on: code, percent-decoded message and its status details", async () => {
    const details = encodeRpcStatus(9, 'bucket not empty', [
      {
        type: 'google.rpc.ErrorInfo',
        reason: 'BUCKET_NOT_EMPTY',
        domain: 'example.com',
        metadata: { objects: '3' },
      },
    ]);
    const upstream = await scriptedDriver((stream) => {
      stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
      stream.on('wantTrailers', () =>
        stream.sendTrailers({
          'grpc-status': '9',
          'grpc-message': 'bucket%20not%20empty%3A%203%20objects',
          'grpc-status-details-bin': details.toString('base64'),
        }),
      );
      stream.end();
    });
    await using t = await startTestDriver('rules: []', { upstream: `unix://${upstream.socket}` });
    const answer = await t.clients.v1alpha1.call('DriverCreateBucket', requests.create('v1alpha1', 'full'));
    expect(answer).toMatchObject({
      code: 'FailedPrecondition',
      message: 'bucket not empty: 3 objects',
      status: { details: [{ reason: 'BUCKET_NOT_EMPTY', metadata: { objects: '3' } }] },
    });
    expect(t.driver.journal.entries().map((e) => [e.code, e.message, e.answeredBy])).toEqual([
      ['FailedPrecondition', 'bucket not empty: 3 objects', 'driver'],
    ]);
  });

  it.each([
    [
      'a trailers-only status',
      (s: ServerHttp2Stream) =>
        s.respond(
          {
            ':status': 200,
            'content-type': 'application/grpc',
            'grpc-status': '3',
            'grpc-message': 'bad name',
          },
          { endStream: true },
        ),
      'InvalidArgument',
    ],
    [
      'HTTP 503, not gRPC',
      (s: ServerHttp2Stream) => s.respond({ ':status': 503 }, { endStream: true }),
      'Unavailable',
    ],
    [
      'HTTP 404, not gRPC',
      (s: ServerHttp2Stream) => s.respond({ ':status': 404 }, { endStream: true }),
      'Unimplemented',
    ],
    [
      'RST_STREAM REFUSED_STREAM',
      (s: ServerHttp2Stream) => s.close(http2Constants.NGHTTP2_REFUSED_STREAM),
      'Unavailable',
    ],
    [
      'OK with a length prefix that does not match',
      (s: ServerHttp2Stream) => {
        s.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
        s.on('wantTrailers', () => s.sendTrailers({ 'grpc-status': '0' }));
        const bad = framed(okResponse('x'));
        bad.writeUInt32BE(1000, 1);
        s.end(bad);
      },
      'Internal',
    ],
    [
      'OK without a message',
      (s: ServerHttp2Stream) => {
        s.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
        s.on('wantTrailers', () => s.sendTrailers({ 'grpc-status': '0' }));
        s.end();
      },
      'Internal',
    ],
  ] as const)('%s reaches the caller as %s, journaled as the driver', async (_name, answer, code) => {
    const upstream = await scriptedDriver(answer);
    await using t = await startTestDriver('rules: []', { upstream: `unix://${upstream.socket}` });
    const result = await t.clients.v1alpha1.call('DriverCreateBucket', requests.create('v1alpha1', 'b'));
    expect(result.code).toBe(code);
    expect(t.driver.journal.entries().map((e) => [e.code, e.answeredBy])).toEqual([[code, 'driver']]);
  });

  it('dials again after the driver restarts: Unavailable while it is down, answers once it is back', async () => {
    const driverSocket = socketIn('real.sock');
    let real = await startMockDriver({ socketPath: driverSocket });
    await using t = await startTestDriver('rules: []', { upstream: `unix://${driverSocket}` });
    const call = async (name: string) =>
      (await t.clients.v1alpha1.call('DriverCreateBucket', requests.create('v1alpha1', name))).code;
    expect(await call('before')).toBe('OK');
    await real.stop();
    expect(await call('while-down')).toBe('Unavailable');
    real = await startMockDriver({ socketPath: driverSocket });
    try {
      expect(await call('after')).toBe('OK');
      expect(real.journal.entries().map((e) => e.bucketName)).toEqual(['after']);
    } finally {
      await real.stop();
    }
    expect(t.driver.journal.entries().map((e) => [e.bucketName, e.code, e.answeredBy])).toEqual([
      ['before', 'OK', 'driver'],
      ['while-down', 'Unavailable', 'driver'],
      ['after', 'OK', 'driver'],
    ]);
  });
});
