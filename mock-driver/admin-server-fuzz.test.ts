import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import { MAX_ADMIN_BODY_BYTES } from './admin-server.ts';
import { seededRandom } from './seeded-random.ts';
import { startTestDriver } from './test-driver.ts';

const SEED = 22;
const REQUESTS = 600;
// A request without a status line by then is a hang.
const DEADLINE_MS = 5_000;
const CONCURRENCY = 8;

// How a request was made; the kinds with an `expected` status below are wrong by construction.
type AdminFuzzKind =
  | 'well-formed'
  | 'random-body'
  | 'malformed-json'
  | 'mutated-rules'
  | 'huge-body'
  | 'unknown-path'
  | 'invalid-target'
  | 'short-body'
  | 'garbage-bytes';

interface AdminFuzzCase {
  kind: AdminFuzzKind;
  bytes: Buffer;
}

const EXPECTED: Partial<Record<AdminFuzzKind, number>> = {
  'huge-body': 413,
  'unknown-path': 404,
  'invalid-target': 400,
  'malformed-json': 400,
  'garbage-bytes': 400,
};

const ROUTES = [
  'GET /healthz',
  'GET /journal',
  'GET /counts',
  'GET /orphans',
  'GET /duplicates',
  'GET /metrics',
  'PUT /rules',
  'POST /seed',
  'POST /reset',
];
const RULES_YAML =
  'rules:\n  - name: fuzz\n    match: { rpc: create }\n    action: { error: { code: Unavailable } }\n';

function generate(random: () => number): AdminFuzzCase[] {
  const int = (below: number) => Math.floor(random() * below);
  const pick = <T>(items: readonly T[]): T => items[int(items.length)] as T;
  const bytes = (length: number) => Buffer.from(Array.from({ length }, () => int(256)));
  const request = (method: string, target: string, body?: Buffer, extra = '') => {
    const length = body ? `Content-Length: ${body.length}\r\n` : '';
    const head = `${method} ${target} HTTP/1.1\r\nHost: admin\r\n${length}${extra}Connection: close\r\n\r\n`;
    return Buffer.concat([Buffer.from(head, 'latin1'), body ?? Buffer.alloc(0)]);
  };
  const mutate = (text: string) => {
    const out = Buffer.from(text);
    for (let flips = 1 + int(6); flips > 0; flips--) out[int(out.length)] = int(256);
    return int(2) === 0 ? out.subarray(0, int(out.length + 1)) : out;
  };
  const cases: AdminFuzzCase[] = [];
  while (cases.length < REQUESTS) {
    const roll = random();
    const [method, path] = pick(ROUTES).split(' ') as [string, string];
    if (roll < 0.15) {
      const query =
        path === '/journal'
          ? pick(['', '?rpc=create', `?since=${int(99)}`, `?rpc=${bytes(3).toString('hex')}`, '?since=-1'])
          : '';
      const body = method === 'POST' && path === '/seed' ? Buffer.from('{"objects":{"fuzz":1}}') : undefined;
      cases.push({ kind: 'well-formed', bytes: request(method, `${path}${query}`, body) });
    } else if (roll < 0.35) {
      cases.push({
        kind: 'random-body',
        bytes: request(pick(['PUT', 'POST']), pick(['/rules', '/seed']), bytes(int(4096))),
      });
    } else if (roll < 0.5) {
      const json = JSON.stringify({ objects: { [`b${int(9)}`]: int(5) } });
      cases.push({
        kind: 'malformed-json',
        bytes: request('POST', '/seed', Buffer.from(json.slice(0, int(json.length - 1)))),
      });
    } else if (roll < 0.62) {
      cases.push({ kind: 'mutated-rules', bytes: request('PUT', '/rules', mutate(RULES_YAML)) });
    } else if (roll < 0.64) {
      const body = Buffer.alloc(MAX_ADMIN_BODY_BYTES + 1 + int(1024), 0x61);
      const chunked = int(2) === 0;
      const [hugeMethod, target] = pick([
        ['PUT', '/rules'],
        ['POST', '/seed'],
      ] as const);
      cases.push({
        kind: 'huge-body',
        bytes: chunked
          ? Buffer.concat([
              request(hugeMethod, target, undefined, 'Transfer-Encoding: chunked\r\n'),
              Buffer.from(`${body.length.toString(16)}\r\n`),
              body,
              Buffer.from('\r\n0\r\n\r\n'),
            ])
          : request(hugeMethod, target, body),
      });
    } else if (roll < 0.74) {
      const target = pick([
        '/nope',
        '/journal/1',
        '/../../etc/passwd',
        `/${bytes(4).toString('hex')}`,
        '/rules/x',
      ]);
      cases.push({ kind: 'unknown-path', bytes: request(pick(['GET', 'POST', 'DELETE', 'PATCH']), target) });
    } else if (roll < 0.8) {
      cases.push({
        kind: 'invalid-target',
        bytes: request('GET', pick(['http://[', '//\\\\..%00', 'http://a:99999/healthz'])),
      });
    } else if (roll < 0.88) {
      // Declares more body than it sends, then half-closes: the server must not wait for the rest forever.
      const body = Buffer.from(RULES_YAML.slice(0, int(RULES_YAML.length)));
      const head = `PUT /rules HTTP/1.1\r\nHost: admin\r\nContent-Length: ${body.length + 1 + int(500)}\r\n\r\n`;
      cases.push({ kind: 'short-body', bytes: Buffer.concat([Buffer.from(head), body]) });
    } else {
      cases.push({
        kind: 'garbage-bytes',
        bytes: Buffer.concat([bytes(1 + int(300)), Buffer.from('\r\n\r\n')]),
      });
    }
  }
  return cases;
}

// Sends the bytes on a fresh TCP connection, half-closes, and reads the status line of whatever comes back.
function send(port: number, bytes: Buffer): Promise<number | 'no answer' | 'hang'> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let received = '';
    const timer = setTimeout(() => {
      socket.destroy();
      resolve('hang');
    }, DEADLINE_MS);
    socket.on('data', (chunk) => {
      if (received.length < 64) received += chunk.toString('latin1');
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      clearTimeout(timer);
      const status = /^HTTP\/1\.1 (\d{3}) /.exec(received)?.[1];
      resolve(status ? Number(status) : 'no answer');
    });
    socket.end(bytes);
  });
}

describe('admin API under malformed HTTP (seeded fuzz)', () => {
  it(`answers each of ${REQUESTS} generated requests with a 2xx or 4xx and keeps serving`, async () => {
    await using t = await startTestDriver();
    const port = Number(new URL(String(t.driver.adminUrl)).port);
    const cases = generate(seededRandom(SEED));
    const answers: (number | 'no answer' | 'hang')[] = new Array(cases.length);
    let next = 0;
    const startedMs = performance.now();
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < cases.length) {
          const index = next++;
          answers[index] = await send(port, (cases[index] as AdminFuzzCase).bytes);
        }
      }),
    );
    const tally = (values: (string | number)[]) =>
      values.reduce<Record<string, number>>((counts, value) => {
        counts[String(value)] = (counts[String(value)] ?? 0) + 1;
        return counts;
      }, {});
    console.log(
      JSON.stringify({
        seed: SEED,
        requests: cases.length,
        answered: answers.filter((a) => typeof a === 'number').length,
        wallMs: Math.round(performance.now() - startedMs),
        statuses: tally(answers),
        byKind: Object.fromEntries(
          [...new Set(cases.map((c) => c.kind))].map((kind) => [
            kind,
            tally(answers.filter((_, i) => cases[i]?.kind === kind)),
          ]),
        ),
      }),
    );

    const unanswered = cases.flatMap((c, i) =>
      typeof answers[i] === 'number' ? [] : [`${c.kind}: ${answers[i]}`],
    );
    expect(unanswered).toEqual([]);
    const serverErrors = cases.flatMap((c, i) =>
      (answers[i] as number) >= 500 ? [`${c.kind}: ${answers[i]}`] : [],
    );
    expect(serverErrors).toEqual([]);
    cases.forEach((c, i) => {
      const expected = EXPECTED[c.kind];
      if (expected !== undefined) expect(`${c.kind}: ${answers[i]}`).toBe(`${c.kind}: ${expected}`);
    });

    // Still serving: health, a rules update, and gRPC calls on both eras.
    const base = String(t.driver.adminUrl);
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    expect((await fetch(`${base}/rules`, { method: 'PUT', body: 'rules: []' })).status).toBe(200);
    expect((await t.clients.v1alpha1.call('DriverGetInfo', {})).code).toBe('OK');
    expect((await t.clients.v1alpha2.call('DriverGetInfo', {})).code).toBe('OK');
  });
});
