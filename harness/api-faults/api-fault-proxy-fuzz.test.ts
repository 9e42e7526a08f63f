import { connect } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seededRandom } from '../../mock-driver/index.ts';
import { ETCD, KUBE_APISERVER } from '../binaries/component-catalog.ts';
import { LocalControlPlane } from '../control-plane/local-control-plane.ts';
import { provisionBinary } from '../runner/start/binary-provisioner.ts';
import { ApiFaultProxy } from './api-fault-proxy.ts';
import { parseApiFaultsYaml } from './api-faults-loader.ts';

// Malformed HTTP sent over raw TLS to the proxy in front of a real kube-apiserver: every request must get an HTTP
// status, the proxy must keep serving, and every request it handed on (or faulted) must be journaled once.

const SEED = 22;
const REQUESTS = 400;
// A request without a status line by then is a hang.
const DEADLINE_MS = 5_000;
const CONCURRENCY = 6;

// 'reaches' kinds are valid HTTP/1.1 framing (the proxy's handler sees them); the others are refused by Node's
// HTTP parser (400, or 431 for huge headers) before any proxy code runs, so they are not journaled.
const KINDS = {
  'well-formed': { reaches: true },
  'odd-target': { reaches: true },
  'random-body': { reaches: true },
  'short-body': { reaches: true },
  'unknown-method': { reaches: false },
  'bad-header': { reaches: false },
  'huge-header': { reaches: false },
  'garbage-bytes': { reaches: false },
} as const;
type Kind = keyof typeof KINDS;

interface ProxyFuzzCase {
  kind: Kind;
  bytes: Buffer;
  // Half-close after sending (what makes a short body end); others wait for the proxy to close.
  halfClose: boolean;
}

function generate(random: () => number, token: string): ProxyFuzzCase[] {
  const int = (below: number) => Math.floor(random() * below);
  const pick = <T>(items: readonly T[]): T => items[int(items.length)] as T;
  const bytes = (length: number) => Buffer.from(Array.from({ length }, () => int(256)));
  const auth = () =>
    int(3) === 0 ? '' : `Authorization: Bearer ${int(4) === 0 ? 'not-a-token' : token}\r\n`;
  const head = (method: string, target: string, extra = '') =>
    `${method} ${target} HTTP/1.1\r\nHost: api\r\n${auth()}${extra}Connection: close\r\n\r\n`;
  const paths = [
    '/version',
    '/api',
    '/apis',
    '/api/v1/namespaces',
    '/api/v1/namespaces/default/configmaps',
    '/api/v1/namespaces/default/configmaps/missing',
    '/apis/objectstorage.k8s.io/v1alpha1/buckets',
    '/readyz',
  ];
  const cases: ProxyFuzzCase[] = [];
  while (cases.length < REQUESTS) {
    const roll = random();
    if (roll < 0.25) {
      cases.push({
        kind: 'well-formed',
        bytes: Buffer.from(head(pick(['GET', 'GET', 'DELETE', 'HEAD']), pick(paths))),
        halfClose: false,
      });
    } else if (roll < 0.4) {
      const target = pick([
        'http://[',
        '/api/v1/namespaces/%ZZ/pods',
        `/api/v1/namespaces/${bytes(8).toString('hex')}/%E0%A4%A/x`,
        `${pick(paths)}?watch=${bytes(2).toString('hex')}&fieldSelector=metadata.name%3D%FF`,
        `/${'a/'.repeat(500)}`,
        '*',
      ]);
      cases.push({ kind: 'odd-target', bytes: Buffer.from(head('GET', target)), halfClose: false });
    } else if (roll < 0.6) {
      const body =
        int(2) === 0 ? bytes(int(2048)) : Buffer.from(`{"kind":"ConfigMap","metadata":{"name":"x${int(9)}"`);
      const method = pick(['POST', 'PUT', 'PATCH']);
      const text = head(
        method,
        pick(paths),
        `Content-Type: ${pick(['application/json', 'application/yaml', 'text/plain'])}\r\nContent-Length: ${body.length}\r\n`,
      );
      cases.push({ kind: 'random-body', bytes: Buffer.concat([Buffer.from(text), body]), halfClose: false });
    } else if (roll < 0.68) {
      const body = Buffer.from('{"kind":"ConfigMap"');
      const text = head(
        'POST',
        '/api/v1/namespaces/default/configmaps',
        `Content-Length: ${body.length + 1 + int(400)}\r\n`,
      );
      cases.push({ kind: 'short-body', bytes: Buffer.concat([Buffer.from(text), body]), halfClose: true });
    } else if (roll < 0.76) {
      cases.push({
        kind: 'unknown-method',
        bytes: Buffer.from(head(pick(['BREW', 'G3T', 'FOO BAR']), pick(paths))),
        halfClose: false,
      });
    } else if (roll < 0.84) {
      const bad = pick(['X-Bad Header: 1\r\n', 'NoColonHere\r\n', `X-Ctl: a\u0001b\r\n`, ': empty-name\r\n']);
      cases.push({
        kind: 'bad-header',
        bytes: Buffer.from(head('GET', '/version', bad), 'latin1'),
        halfClose: false,
      });
    } else if (roll < 0.87) {
      cases.push({
        kind: 'huge-header',
        bytes: Buffer.from(head('GET', '/version', `X-Big: ${'y'.repeat(100_000)}\r\n`)),
        halfClose: false,
      });
    } else {
      cases.push({
        kind: 'garbage-bytes',
        bytes: Buffer.concat([bytes(1 + int(300)), Buffer.from('\r\n\r\n')]),
        halfClose: true,
      });
    }
  }
  return cases;
}

let cp: LocalControlPlane;

beforeAll(async () => {
  const [etcd, api] = await Promise.all([provisionBinary(ETCD), provisionBinary(KUBE_APISERVER)]);
  cp = await LocalControlPlane.start({ etcdBinary: etcd.path, apiServerBinary: api.path });
  // The first run on a fresh machine builds etcd and kube-apiserver here (minutes on two cores).
}, 30 * 60_000);

afterAll(async () => {
  await cp?.stop();
});

// One request on a fresh TLS connection; resolves with the status line's code, or why there is none.
function send(proxy: ApiFaultProxy, c: ProxyFuzzCase): Promise<number | 'no answer' | 'hang'> {
  const url = new URL(proxy.url);
  return new Promise((resolve) => {
    const socket = connect({
      host: url.hostname,
      port: Number(url.port),
      ca: proxy.caPem,
      servername: 'localhost',
    });
    let received = '';
    // A watch is answered (status line sent) and stays open: only no status line by the deadline is a hang.
    const timer = setTimeout(() => {
      socket.destroy();
      const status = /^HTTP\/1\.1 (\d{3}) /.exec(received)?.[1];
      resolve(status ? Number(status) : 'hang');
    }, DEADLINE_MS);
    socket.on('secureConnect', () => (c.halfClose ? socket.end(c.bytes) : socket.write(c.bytes)));
    socket.on('data', (chunk) => {
      if (received.length < 64) received += chunk.toString('latin1');
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      clearTimeout(timer);
      const status = /^HTTP\/1\.1 (\d{3}) /.exec(received)?.[1];
      resolve(status ? Number(status) : 'no answer');
    });
  });
}

describe('ApiFaultProxy under malformed HTTP (seeded fuzz, real kube-apiserver behind it)', () => {
  it(`answers each of ${REQUESTS} generated requests, journals those it handled, keeps serving`, async () => {
    const proxy = await ApiFaultProxy.start({
      upstreamUrl: cp.serverUrl,
      upstreamCaPem: cp.apiServer.caPem,
      // One fault rule, so faulted requests are in the mix too.
      faults: parseApiFaultsYaml(
        'apiFaults:\n  rules:\n    - name: readyz-503\n      match: { path: { prefix: /readyz } }\n      action: { status: { code: 503 } }\n',
        'fuzz-faults.yaml',
      ),
    });
    try {
      const cases = generate(seededRandom(SEED), cp.adminToken);
      const answers: (number | 'no answer' | 'hang')[] = new Array(cases.length);
      let next = 0;
      const startedMs = performance.now();
      await Promise.all(
        Array.from({ length: CONCURRENCY }, async () => {
          while (next < cases.length) {
            const index = next++;
            answers[index] = await send(proxy, cases[index] as ProxyFuzzCase);
          }
        }),
      );
      // Watches the client dropped at its deadline are journaled as the proxy sees the close.
      for (let i = 0; i < 100 && proxy.openRequests() > 0; i++) await new Promise((r) => setTimeout(r, 20));
      const tally = (values: (string | number)[]) =>
        values.reduce<Record<string, number>>((counts, value) => {
          counts[String(value)] = (counts[String(value)] ?? 0) + 1;
          return counts;
        }, {});
      const reaching = cases.filter((c) => KINDS[c.kind].reaches).length;
      console.log(
        JSON.stringify({
          seed: SEED,
          requests: cases.length,
          answered: answers.filter((a) => typeof a === 'number').length,
          reachingHandler: reaching,
          journaled: proxy.journal().length,
          wallMs: Math.round(performance.now() - startedMs),
          statuses: tally(answers),
          outcomes: tally(proxy.journal().map((e) => e.outcome)),
          byKind: Object.fromEntries(
            Object.keys(KINDS).map((kind) => [
              kind,
              tally(answers.filter((_, i) => cases[i]?.kind === kind)),
            ]),
          ),
        }),
      );

      const firstLine = (c: ProxyFuzzCase) => c.bytes.subarray(0, 80).toString('latin1').split('\r\n')[0];
      const unanswered = cases.flatMap((c, i) =>
        typeof answers[i] === 'number' ? [] : [`${c.kind} (${firstLine(c)}): ${answers[i]}`],
      );
      expect(unanswered).toEqual([]);
      // 502 is the proxy's own "could not reach the API server".
      expect(answers.filter((a) => a === 502)).toEqual([]);
      expect(proxy.openRequests()).toBe(0);
      expect(proxy.journal()).toHaveLength(reaching);
      expect(
        proxy
          .journal()
          .filter((e) => e.fault?.rule === 'readyz-503')
          .every((e) => e.status === 503),
      ).toBe(true);

      // Still serving: a plain request goes through to the API server.
      const version = await send(proxy, {
        kind: 'well-formed',
        bytes: Buffer.from(
          `GET /version HTTP/1.1\r\nHost: api\r\nAuthorization: Bearer ${cp.adminToken}\r\nConnection: close\r\n\r\n`,
        ),
        halfClose: false,
      });
      expect(version).toBe(200);
    } finally {
      await proxy.stop();
    }
  });
});
