import { statSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { requests, startTestDriver } from './test-driver.ts';

async function http(base: string, method: string, path: string, body?: string) {
  const response = await fetch(`${base}${path}`, { method, ...(body !== undefined ? { body } : {}) });
  const text = await response.text();
  return { status: response.status, text, json: () => JSON.parse(text) };
}

describe('admin HTTP API', () => {
  it('serves healthz, journal filters, counts, orphans, duplicates and metrics', async () => {
    await using t = await startTestDriver(
      'rules: [{ name: deny, match: { bucketName: denied }, action: { error: { code: PermissionDenied } } }]',
    );
    const base = String(t.driver.adminUrl);
    expect(base).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const client = t.clients.v1alpha1;
    await client.call('DriverCreateBucket', requests.create('v1alpha1', 'a'));
    await client.call('DriverCreateBucket', requests.create('v1alpha1', 'a'));
    await client.call('DriverCreateBucket', requests.create('v1alpha1', 'denied'));
    await client.call('DriverGetInfo', {});

    expect((await http(base, 'GET', '/healthz')).json()).toEqual({ ok: true });
    expect((await http(base, 'GET', '/journal')).json().entries).toHaveLength(4);
    expect((await http(base, 'GET', '/journal?bucketName=a')).json().entries).toHaveLength(2);
    expect((await http(base, 'GET', '/journal?rpc=getInfo')).json().entries).toMatchObject([
      { rpc: 'getInfo' },
    ]);
    expect(
      (await http(base, 'GET', '/journal?since=2')).json().entries.map((e: { seq: number }) => e.seq),
    ).toEqual([3, 4]);
    expect((await http(base, 'GET', '/journal?rpc=bogus')).status).toBe(400);
    expect((await http(base, 'GET', '/counts')).json().counts).toEqual([
      { bucketName: 'a', rpc: 'create', code: 'OK', count: 2 },
      { bucketName: 'denied', rpc: 'create', code: 'PermissionDenied', count: 1 },
      { bucketName: '', rpc: 'getInfo', code: 'OK', count: 1 },
    ]);
    expect((await http(base, 'GET', '/orphans')).json().buckets).toMatchObject([{ bucketName: 'a' }]);
    expect((await http(base, 'GET', '/duplicates')).json().buckets).toMatchObject([
      { bucketName: 'a', successfulCreates: 2 },
    ]);
    const metrics = (await http(base, 'GET', '/metrics')).text;
    expect(metrics).toContain('cosi_mock_driver_calls_total{era="v1alpha1",rpc="create",code="OK"} 2');
    expect(metrics).toContain('cosi_mock_driver_call_latency_seconds_count{era="v1alpha1",rpc="create"} 3');
    expect((await http(base, 'GET', '/nope')).status).toBe(404);
  });

  it('PUT /rules installs YAML or JSON; a bad body is 400 and the current rules stay in force', async () => {
    await using t = await startTestDriver();
    const base = String(t.driver.adminUrl);
    const yaml = 'rules:\n  - name: deny\n    action: { error: { code: PermissionDenied } }\n';
    expect(await http(base, 'PUT', '/rules', yaml).then((r) => [r.status, r.json()])).toEqual([
      200,
      { rules: 1 },
    ]);
    const bad = await http(
      base,
      'PUT',
      '/rules',
      'rules:\n  - name: x\n    action: { error: { code: Nope } }\n',
    );
    expect(bad.status).toBe(400);
    expect(bad.json().error).toMatch(
      /^PUT \/rules:3:\d+: rules\[0\]\.action\.error\.code: unknown gRPC code "Nope"/,
    );
    expect((await t.clients.v1alpha2.call('DriverCreateBucket', requests.create('v1alpha2', 'b'))).code).toBe(
      'PermissionDenied',
    );
    const json = JSON.stringify({ rules: [] });
    expect((await http(base, 'PUT', '/rules', json)).json()).toEqual({ rules: 0 });
    expect((await t.clients.v1alpha2.call('DriverCreateBucket', requests.create('v1alpha2', 'b'))).code).toBe(
      'OK',
    );
  });

  it('POST /seed and POST /reset', async () => {
    await using t = await startTestDriver();
    const base = String(t.driver.adminUrl);
    const client = t.clients.v1alpha1;
    expect((await http(base, 'POST', '/seed', '{"objects":{"full":1}}')).status).toBe(200);
    expect((await http(base, 'POST', '/seed', '{"objects":{"full":-1}}')).status).toBe(400);
    const created = await client.call('DriverCreateBucket', requests.create('v1alpha1', 'full'));
    const id = String(created.response?.bucket_id);
    expect((await client.call('DriverDeleteBucket', requests.delete('v1alpha1', id))).code).toBe(
      'FailedPrecondition',
    );
    expect((await http(base, 'POST', '/reset')).json()).toEqual({ ok: true });
    expect((await http(base, 'GET', '/journal')).json().entries).toEqual([]);
    expect((await http(base, 'GET', '/orphans')).json().buckets).toEqual([]);
    await client.call('DriverCreateBucket', requests.create('v1alpha1', 'full'));
    // Call numbers restart after reset.
    expect(t.driver.journal.entries()).toMatchObject([{ callNumber: 1, code: 'OK' }]);
  });

  it('can listen on a unix socket only its owner may use', async () => {
    const { mkdtempSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const dir = mkdtempSync(join(tmpdir(), 'cosi-admin-'));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    const socket = join(dir, 'admin.sock');
    await using t = await startTestDriver('rules: []', { admin: `unix:${socket}` });
    expect(t.driver.adminUrl).toBe(`unix:${socket}`);
    expect(statSync(socket).mode & 0o777).toBe(0o600);
    const body = await new Promise<string>((resolve, reject) => {
      request({ socketPath: socket, path: '/healthz' }, (response) => {
        let text = '';
        response.on('data', (chunk) => {
          text += chunk;
        });
        response.on('end', () => resolve(text));
      })
        .on('error', reject)
        .end();
    });
    expect(JSON.parse(body)).toEqual({ ok: true });
  });
});

describe('1,000 concurrent calls', () => {
  it('are all journaled, numbered and counted exactly', async () => {
    await using t = await startTestDriver(
      'rules: [{ name: odd, match: { rpc: create, bucketName: { suffix: "-odd" } }, action: { error: { code: Unavailable } } }]',
    );
    const calls = Array.from({ length: 1000 }, (_, i) => {
      const era = i % 2 === 0 ? 'v1alpha1' : 'v1alpha2';
      const name = `bucket-${i % 20}-${(i % 20) % 4 === 3 ? 'odd' : 'even'}`;
      return t.clients[era].call('DriverCreateBucket', requests.create(era, name), { deadlineMs: 20_000 });
    });
    const results = await Promise.all(calls);
    expect(results.filter((r) => r.code === 'Unavailable')).toHaveLength(250);
    const entries = t.driver.journal.entries();
    expect(entries).toHaveLength(1000);
    expect(entries.map((e) => e.seq)).toEqual(Array.from({ length: 1000 }, (_, i) => i + 1));
    const counts = (await (await fetch(`${t.driver.adminUrl}/counts`)).json()).counts as {
      count: number;
      code: string;
    }[];
    expect(counts.reduce((sum, c) => sum + c.count, 0)).toBe(1000);
    expect(counts.filter((c) => c.code === 'Unavailable').reduce((sum, c) => sum + c.count, 0)).toBe(250);
    // Each bucket name got 50 calls numbered 1..50 with no gaps or repeats.
    const byBucket = new Map<string, number[]>();
    for (const e of entries)
      byBucket.set(String(e.bucketName), [...(byBucket.get(String(e.bucketName)) ?? []), e.callNumber]);
    expect(byBucket.size).toBe(20);
    for (const numbers of byBucket.values()) {
      expect(numbers.sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    }
  });
});
