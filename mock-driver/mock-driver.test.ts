import { describe, expect, it } from 'vitest';
import { COSI_ERAS } from './cosi-protos.ts';
import { bucketIdFor } from './object-store-backend.ts';
import { requests, startTestDriver } from './test-driver.ts';

describe.each(COSI_ERAS)('mock driver over gRPC, era %s', (era) => {
  it('answers DriverGetInfo with the configured name (and protocols on v1alpha2) and journals it', async () => {
    await using t = await startTestDriver();
    const result = await t.clients[era].call('DriverGetInfo', {});
    expect(result.code).toBe('OK');
    expect(result.response?.name).toBe('test.cosi-chaos.io');
    if (era === 'v1alpha2') {
      expect(result.response?.supported_protocols).toEqual([
        { type: 'S3' },
        { type: 'AZURE' },
        { type: 'GCS' },
      ]);
    }
    expect(t.driver.journal.entries()).toMatchObject([
      { seq: 1, era, rpc: 'getInfo', code: 'OK', callNumber: 1 },
    ]);
  });

  it('backend: create is idempotent, conflicts are AlreadyExists, duplicates and orphans are tracked', async () => {
    await using t = await startTestDriver();
    const client = t.clients[era];
    const first = await client.call('DriverCreateBucket', requests.create(era, 'b1', { tier: 'gold' }));
    const again = await client.call('DriverCreateBucket', requests.create(era, 'b1', { tier: 'gold' }));
    const conflict = await client.call('DriverCreateBucket', requests.create(era, 'b1', { tier: 'silver' }));
    expect(first.code).toBe('OK');
    expect(first.response?.bucket_id).toBe(bucketIdFor('b1'));
    expect(again.response?.bucket_id).toBe(first.response?.bucket_id);
    expect(conflict.code).toBe('AlreadyExists');
    if (era === 'v1alpha1')
      expect(first.response?.bucket_info).toMatchObject({ s3: { region: 'us-east-1' } });
    else
      expect(first.response?.protocols).toMatchObject({ s3: { bucket_id: bucketIdFor('b1') }, azure: null });
    expect(t.driver.duplicates()).toMatchObject([{ bucketName: 'b1', successfulCreates: 2 }]);
    expect(t.driver.orphans()).toHaveLength(1);
    expect(t.driver.journal.entries().map((e) => [e.callNumber, e.code])).toEqual([
      [1, 'OK'],
      [2, 'OK'],
      [3, 'AlreadyExists'],
    ]);
  });

  it('backend: delete of a bucket holding objects is FailedPrecondition; unknown delete/revoke are OK', async () => {
    await using t = await startTestDriver('rules: []\nseed: { objects: { full: 2 } }\n');
    const client = t.clients[era];
    const created = await client.call('DriverCreateBucket', requests.create(era, 'full'));
    const id = String(created.response?.bucket_id);
    expect((await client.call('DriverDeleteBucket', requests.delete(era, id))).code).toBe(
      'FailedPrecondition',
    );
    t.driver.seedObjects('full', 0);
    expect((await client.call('DriverDeleteBucket', requests.delete(era, id))).code).toBe('OK');
    expect(t.driver.orphans()).toEqual([]);
    expect((await client.call('DriverDeleteBucket', requests.delete(era, 'bkt-nope'))).code).toBe('OK');
    expect((await client.call('DriverRevokeBucketAccess', requests.revoke(era, 'bkt-nope', 'a'))).code).toBe(
      'OK',
    );
  });

  it('backend: grant returns protocol credentials; delete/grant/revoke are attributed to the create', async () => {
    await using t = await startTestDriver();
    const client = t.clients[era];
    const scenario = { 'cosi-chaos.io/scenario': 's1' };
    const created = await client.call('DriverCreateBucket', requests.create(era, 'attributed', scenario));
    const id = String(created.response?.bucket_id);
    const grant = await client.call(
      'DriverGrantBucketAccess',
      requests.grant(era, id, 'acc', { extra: 'x' }),
    );
    expect(grant.code).toBe('OK');
    if (era === 'v1alpha1') {
      expect(grant.response?.credentials).toMatchObject({
        s3: { secrets: { accessKeyID: expect.any(String) } },
      });
    } else {
      expect(grant.response?.credentials).toMatchObject({
        s3: { access_key_id: expect.stringMatching(/^AKCC/) },
      });
      expect(grant.response?.buckets).toMatchObject([
        { bucket_id: id, bucket_info: { s3: { bucket_id: id } } },
      ]);
    }
    const accountId = String(grant.response?.account_id);
    await client.call('DriverRevokeBucketAccess', requests.revoke(era, id, accountId));
    await client.call('DriverDeleteBucket', requests.delete(era, id, { reason: 'test' }));
    const [, g, r, d] = t.driver.journal.entries();
    expect(g).toMatchObject({
      rpc: 'grant',
      bucketName: 'attributed',
      bucketId: id,
      parameters: { ...scenario, extra: 'x' },
    });
    expect(r).toMatchObject({ rpc: 'revoke', bucketName: 'attributed', parameters: scenario });
    expect(d).toMatchObject({
      rpc: 'delete',
      bucketName: 'attributed',
      parameters: { ...scenario, reason: 'test' },
    });
  });

  it('backend: grant on an unknown bucket is NotFound', async () => {
    await using t = await startTestDriver();
    const result = await t.clients[era].call(
      'DriverGrantBucketAccess',
      requests.grant(era, 'bkt-missing', 'a'),
    );
    expect(result.code).toBe('NotFound');
  });

  it('error action sends code, message and ErrorInfo in grpc-status-details-bin', async () => {
    await using t = await startTestDriver(`
rules:
  - name: long-names-invalid
    match: { rpc: create, bucketName: { minLength: 10 } }
    action:
      error:
        code: InvalidArgument
        message: Invalid bucket name
        details: [{ type: google.rpc.ErrorInfo, reason: NAME_TOO_LONG, domain: cosi-chaos.io, metadata: { max: "9" } }]
`);
    const client = t.clients[era];
    const result = await client.call('DriverCreateBucket', requests.create(era, 'a-very-long-name'));
    expect(result).toMatchObject({ code: 'InvalidArgument', message: 'Invalid bucket name' });
    expect(result.status).toEqual({
      code: 3,
      message: 'Invalid bucket name',
      details: [
        {
          type: 'google.rpc.ErrorInfo',
          reason: 'NAME_TOO_LONG',
          domain: 'cosi-chaos.io',
          metadata: { max: '9' },
        },
      ],
    });
    expect((await client.call('DriverCreateBucket', requests.create(era, 'short'))).code).toBe('OK');
    expect(t.driver.journal.entries()[0]).toMatchObject({
      rule: 'long-names-invalid',
      code: 'InvalidArgument',
    });
    expect(t.driver.journal.entries()[1]?.rule).toBeUndefined();
  });

  it('every gRPC code can be returned by name', async () => {
    await using t = await startTestDriver();
    const codes = [
      'Canceled',
      'Unknown',
      'DeadlineExceeded',
      'PermissionDenied',
      'ResourceExhausted',
      'Aborted',
      'OutOfRange',
      'Unimplemented',
      'Internal',
      'Unavailable',
      'DataLoss',
      'Unauthenticated',
    ];
    t.rules(
      `rules:\n${codes.map((code) => `  - { name: ${code}, match: { bucketName: ${code} }, action: { error: { code: ${code} } } }`).join('\n')}\n`,
    );
    for (const code of codes) {
      expect((await t.clients[era].call('DriverCreateBucket', requests.create(era, code))).code).toBe(code);
    }
  });

  it('string matchers: exact, prefix, suffix, glob, regex, minLength, maxLength, combined, bucketId', async () => {
    await using t = await startTestDriver(`
rules:
  - { name: exact, match: { bucketName: { exact: exact-one } }, action: { error: { code: Aborted } } }
  - { name: bare, match: { bucketName: bare-one }, action: { error: { code: Aborted } } }
  - { name: prefix, match: { bucketName: { prefix: "pre-" } }, action: { error: { code: Aborted } } }
  - { name: suffix, match: { bucketName: { suffix: "-suf" } }, action: { error: { code: Aborted } } }
  - { name: glob, match: { bucketName: { glob: "g?b-*-x" } }, action: { error: { code: Aborted } } }
  - { name: regex, match: { bucketName: { regex: "^re[0-9]+$" } }, action: { error: { code: Aborted } } }
  - { name: long, match: { bucketName: { minLength: 30 } }, action: { error: { code: Aborted } } }
  - { name: short, match: { bucketName: { maxLength: 2 } }, action: { error: { code: Aborted } } }
  - { name: both, match: { bucketName: { prefix: "c-", suffix: "-c" } }, action: { error: { code: Aborted } } }
  - { name: by-id, match: { rpc: delete, bucketId: { prefix: "bkt-" } }, action: { error: { code: Aborted } } }
`);
    const client = t.clients[era];
    const cases: [string, string | undefined][] = [
      ['exact-one', 'exact'],
      ['exact-one-not', undefined],
      ['bare-one', 'bare'],
      ['pre-x', 'prefix'],
      ['x-suf', 'suffix'],
      ['gab-anything-x', 'glob'],
      ['gab-anything-y', undefined],
      ['re123', 'regex'],
      ['re12a', undefined],
      ['a'.repeat(30), 'long'],
      ['ab', 'short'],
      ['abc', undefined],
      ['c-mid-c', 'both'],
      ['c-mid', undefined],
    ];
    for (const [name, rule] of cases) {
      const result = await client.call('DriverCreateBucket', requests.create(era, name));
      expect([name, result.code]).toEqual([name, rule ? 'Aborted' : 'OK']);
      expect(t.driver.journal.entries().at(-1)?.rule).toBe(rule);
    }
    expect((await client.call('DriverDeleteBucket', requests.delete(era, 'bkt-123'))).code).toBe('Aborted');
    expect((await client.call('DriverDeleteBucket', requests.delete(era, 'other'))).code).toBe('OK');
  });

  it('matchers: rpc list, era, parameters (resolved for delete), call nth/from/upTo', async () => {
    const other = era === 'v1alpha1' ? 'v1alpha2' : 'v1alpha1';
    await using t = await startTestDriver(`
rules:
  - name: other-era
    match: { era: ${other} }
    action: { error: { code: Internal } }
  - name: scenario
    match: { rpc: [delete, grant], parameters: { "cosi-chaos.io/scenario": { equals: cosi-86 }, tier: { regex: "^gold" } } }
    action: { error: { code: Unavailable } }
  - name: second
    match: { rpc: create, bucketName: { prefix: nth- }, call: { nth: 2 } }
    action: { error: { code: Aborted } }
  - name: range
    match: { rpc: create, bucketName: { prefix: range- }, call: { from: 2, upTo: 3 } }
    action: { error: { code: ResourceExhausted } }
  - name: up-to
    match: { rpc: create, bucketName: { prefix: upto- }, call: { upTo: 1 } }
    action: { error: { code: Unavailable } }
`);
    const client = t.clients[era];
    const params = { 'cosi-chaos.io/scenario': 'cosi-86', tier: 'gold-plus' };
    const created = await client.call('DriverCreateBucket', requests.create(era, 'p1', params));
    expect(created.code).toBe('OK');
    const id = String(created.response?.bucket_id);
    expect((await client.call('DriverDeleteBucket', requests.delete(era, id))).code).toBe('Unavailable');
    expect((await client.call('DriverGrantBucketAccess', requests.grant(era, id, 'a'))).code).toBe(
      'Unavailable',
    );
    const revoke = await client.call('DriverRevokeBucketAccess', requests.revoke(era, id, 'acct'));
    expect(revoke.code).toBe('OK');
    const codes = async (prefix: string) => {
      const out: string[] = [];
      for (let i = 0; i < 4; i++)
        out.push((await client.call('DriverCreateBucket', requests.create(era, `${prefix}b`))).code);
      return out;
    };
    expect(await codes('nth-')).toEqual(['OK', 'Aborted', 'OK', 'OK']);
    expect(await codes('range-')).toEqual(['OK', 'ResourceExhausted', 'ResourceExhausted', 'OK']);
    expect(await codes('upto-')).toEqual(['Unavailable', 'OK', 'OK', 'OK']);
    const otherClient = t.clients[other];
    expect((await otherClient.call('DriverGetInfo', {})).code).toBe('Internal');
  });

  it('priority: higher wins, ties go to file order', async () => {
    await using t = await startTestDriver(`
rules:
  - { name: low, match: { rpc: create }, action: { error: { code: Aborted } } }
  - { name: tie-first, priority: 5, match: { rpc: create }, action: { error: { code: Internal } } }
  - { name: tie-second, priority: 5, match: { rpc: create }, action: { error: { code: DataLoss } } }
`);
    expect((await t.clients[era].call('DriverCreateBucket', requests.create(era, 'x'))).code).toBe(
      'Internal',
    );
    expect(t.driver.journal.entries()[0]?.rule).toBe('tie-first');
  });

  it('ok action forces success and records in the backend; backend action defers to the store', async () => {
    await using t = await startTestDriver(`
rules:
  - { name: force, match: { rpc: [create, delete], bucketName: { prefix: f- } }, action: { ok: {} } }
  - { name: pass, match: { rpc: create, bucketName: { prefix: p- } }, action: { backend: {} } }
seed: { objects: { f-full: 5 } }
`);
    const client = t.clients[era];
    expect((await client.call('DriverCreateBucket', requests.create(era, 'f-a', { a: '1' }))).code).toBe(
      'OK',
    );
    expect((await client.call('DriverCreateBucket', requests.create(era, 'f-a', { a: '2' }))).code).toBe(
      'OK',
    );
    const full = await client.call('DriverCreateBucket', requests.create(era, 'f-full'));
    expect(
      (await client.call('DriverDeleteBucket', requests.delete(era, String(full.response?.bucket_id)))).code,
    ).toBe('OK');
    expect((await client.call('DriverCreateBucket', requests.create(era, 'p-a', { a: '1' }))).code).toBe(
      'OK',
    );
    expect((await client.call('DriverCreateBucket', requests.create(era, 'p-a', { a: '2' }))).code).toBe(
      'AlreadyExists',
    );
    expect(
      t.driver
        .orphans()
        .map((b) => b.bucketName)
        .sort(),
    ).toEqual(['f-a', 'p-a']);
  });

  it('delay action waits, then applies its then-action', async () => {
    await using t = await startTestDriver(`
rules:
  - { name: slow, match: { rpc: create }, action: { delay: { ms: 120, then: { error: { code: Unavailable } } } } }
`);
    const started = performance.now();
    const result = await t.clients[era].call('DriverCreateBucket', requests.create(era, 'slow'));
    expect(result.code).toBe('Unavailable');
    expect(performance.now() - started).toBeGreaterThanOrEqual(110);
    expect(t.driver.journal.entries()[0]?.latencyMs).toBeGreaterThanOrEqual(110);
  });

  it('a delay longer than the deadline is journaled as DeadlineExceeded', async () => {
    await using t = await startTestDriver(
      'rules: [{ name: slow, match: { rpc: create }, action: { delay: { ms: 5000 } } }]',
    );
    // Connected first, so a loaded machine cannot spend the short deadline before the call reaches the driver.
    expect((await t.clients[era].call('DriverGetInfo', {})).code).toBe('OK');
    const result = await t.clients[era].call('DriverCreateBucket', requests.create(era, 'x'), {
      deadlineMs: 100,
    });
    expect(result.code).toBe('DeadlineExceeded');
    await expect(t.driver.journal.waitFor((e) => e.rpc === 'create')).resolves.toMatchObject({
      code: 'DeadlineExceeded',
    });
  });

  it('hang action never answers; the journal records what the client saw (deadline)', async () => {
    await using t = await startTestDriver(
      'rules: [{ name: stuck, match: { rpc: create }, action: { hang: {} } }]',
    );
    expect((await t.clients[era].call('DriverGetInfo', {})).code).toBe('OK');
    const result = await t.clients[era].call('DriverCreateBucket', requests.create(era, 'h'), {
      deadlineMs: 150,
    });
    expect(result.code).toBe('DeadlineExceeded');
    const entry = await t.driver.journal.waitFor((e) => e.rpc === 'create');
    expect(entry).toMatchObject({ rule: 'stuck', code: 'DeadlineExceeded', bucketName: 'h' });
    expect(entry.latencyMs).toBeGreaterThanOrEqual(100);
  });

  it('hang calls still open at stop() are journaled as Canceled', async () => {
    const t = await startTestDriver('rules: [{ name: stuck, action: { hang: {} } }]');
    const pending = t.clients[era].call('DriverCreateBucket', requests.create(era, 'h'), {
      deadlineMs: 10_000,
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    await t[Symbol.asyncDispose]();
    expect((await pending).code).not.toBe('OK');
    expect(t.driver.journal.entries()).toMatchObject([{ rpc: 'create', code: 'Canceled' }]);
  });

  it('drop action destroys the connection: the client sees Unavailable, the next call reconnects', async () => {
    await using t = await startTestDriver(
      'rules: [{ name: cut, match: { rpc: create, call: { nth: 1 } }, action: { drop: {} } }]',
    );
    const client = t.clients[era];
    const dropped = await client.call('DriverCreateBucket', requests.create(era, 'd'));
    expect(dropped.code).toBe('Unavailable');
    expect((await client.call('DriverCreateBucket', requests.create(era, 'd'))).code).toBe('OK');
    expect(t.driver.journal.entries().map((e) => e.code)).toEqual(['Dropped', 'OK']);
  });

  it('sequence action follows the call number per bucket and repeats its last step', async () => {
    await using t = await startTestDriver(`
rules:
  - name: seq
    match: { rpc: create }
    action:
      sequence:
        - { times: 2, action: { error: { code: Unavailable } } }
        - { action: { error: { code: Aborted } } }
        - { action: { ok: {} } }
`);
    const client = t.clients[era];
    const codes: string[] = [];
    for (let i = 0; i < 5; i++)
      codes.push((await client.call('DriverCreateBucket', requests.create(era, 'seq'))).code);
    expect(codes).toEqual(['Unavailable', 'Unavailable', 'Aborted', 'OK', 'OK']);
    // Another bucket starts its own count.
    expect((await client.call('DriverCreateBucket', requests.create(era, 'seq-2'))).code).toBe('Unavailable');
  });

  it('flap action alternates per period', async () => {
    await using t = await startTestDriver(`
rules:
  - name: flap
    action: { flap: { period: 2, actions: [ { error: { code: Unavailable } }, { ok: {} } ] } }
`);
    const codes: string[] = [];
    for (let i = 0; i < 6; i++)
      codes.push((await t.clients[era].call('DriverCreateBucket', requests.create(era, 'f'))).code);
    expect(codes).toEqual(['Unavailable', 'Unavailable', 'OK', 'OK', 'Unavailable', 'Unavailable']);
  });

  it('random action is reproducible for a seed and restarts on reset', async () => {
    const yaml = `
rules:
  - name: coin
    action: { random: { probability: 0.5, seed: 42, then: { error: { code: Unavailable } }, else: { ok: {} } } }
`;
    await using t = await startTestDriver(yaml);
    const run = async () => {
      const codes: string[] = [];
      for (let i = 0; i < 20; i++)
        codes.push((await t.clients[era].call('DriverCreateBucket', requests.create(era, `r${i}`))).code);
      return codes;
    };
    const first = await run();
    expect(new Set(first)).toEqual(new Set(['OK', 'Unavailable']));
    t.driver.reset();
    expect(await run()).toEqual(first);
  });

  it('crash action (in-process): journals Crashed and closes the server', async () => {
    await using t = await startTestDriver(
      'rules: [{ name: boom, match: { rpc: create }, action: { crash: {} } }]',
    );
    const result = await t.clients[era].call('DriverCreateBucket', requests.create(era, 'c'), {
      deadlineMs: 2000,
    });
    expect(result.code).toBe('Unavailable');
    await t.driver.stopped;
    expect(t.driver.journal.entries()).toMatchObject([{ rpc: 'create', code: 'Crashed', rule: 'boom' }]);
  });
});

describe('getExisting (v1alpha2 only)', () => {
  it('is NotFound for unknown ids, OK for existing ones, attributed to the create', async () => {
    await using t = await startTestDriver();
    const client = t.clients.v1alpha2;
    const missing = await client.call('DriverGetExistingBucket', { existing_bucket_id: 'bkt-none' });
    expect(missing.code).toBe('NotFound');
    const created = await client.call(
      'DriverCreateBucket',
      requests.create('v1alpha2', 'static', { s: '1' }),
    );
    const id = String(created.response?.bucket_id);
    const found = await client.call('DriverGetExistingBucket', {
      existing_bucket_id: id,
      protocols: [{ type: 'GCS' }],
    });
    expect(found.response).toMatchObject({
      bucket_id: id,
      protocols: { gcs: { bucket_name: id }, s3: null },
    });
    expect(t.driver.journal.entries().at(-1)).toMatchObject({
      rpc: 'getExisting',
      bucketName: 'static',
      parameters: { s: '1' },
    });
  });

  it('ok action makes an unknown bucket exist', async () => {
    await using t = await startTestDriver(
      'rules: [{ name: adopt, match: { rpc: getExisting }, action: { ok: {} } }]',
    );
    const found = await t.clients.v1alpha2.call('DriverGetExistingBucket', {
      existing_bucket_id: 'bkt-adopted',
    });
    expect(found).toMatchObject({ code: 'OK', response: { bucket_id: 'bkt-adopted' } });
    expect(t.driver.orphans()).toMatchObject([{ bucketId: 'bkt-adopted' }]);
  });
});

describe('grant access modes (v1alpha2 only)', () => {
  it("journals each requested bucket's AccessMode.mode; v1alpha1 grants have none", async () => {
    await using t = await startTestDriver();
    const client = t.clients.v1alpha2;
    const ids: string[] = [];
    for (const name of ['reader', 'writer', 'modeless']) {
      const created = await client.call('DriverCreateBucket', requests.create('v1alpha2', name));
      ids.push(String(created.response?.bucket_id));
    }
    const [reader, writer, modeless] = ids;
    const grant = await client.call('DriverGrantBucketAccess', {
      ...requests.grant('v1alpha2', '', 'acc'),
      buckets: [
        { bucket_id: reader, access_mode: { mode: 'READ_ONLY' } },
        { bucket_id: writer, access_mode: { mode: 'WRITE_ONLY' } },
        { bucket_id: modeless },
      ],
    });
    expect(grant.code).toBe('OK');
    expect(t.driver.journal.entries({ rpc: 'grant' })).toMatchObject([
      {
        era: 'v1alpha2',
        bucketName: 'reader',
        code: 'OK',
        accessModes: [
          { bucketId: reader, accessMode: 'READ_ONLY' },
          { bucketId: writer, accessMode: 'WRITE_ONLY' },
          { bucketId: modeless, accessMode: 'UNKNOWN' },
        ],
      },
    ]);

    const v1 = t.clients.v1alpha1;
    const created = await v1.call('DriverCreateBucket', requests.create('v1alpha1', 'old'));
    await v1.call(
      'DriverGrantBucketAccess',
      requests.grant('v1alpha1', String(created.response?.bucket_id), 'a'),
    );
    expect(t.driver.journal.entries({ rpc: 'grant' }).at(-1)).not.toHaveProperty('accessModes');
  });
});

describe('both eras at once', () => {
  it('serves both packages on one socket and can also listen on TCP', async () => {
    await using t = await startTestDriver('rules: []', { tcp: '127.0.0.1:0' });
    expect(t.driver.tcpPort).toBeGreaterThan(0);
    const { connectCosiClient } = await import('./cosi-client.ts');
    const tcp = connectCosiClient('v1alpha2', `127.0.0.1:${t.driver.tcpPort}`);
    try {
      expect((await tcp.call('DriverGetInfo', {})).code).toBe('OK');
    } finally {
      tcp.close();
    }
    expect((await t.clients.v1alpha1.call('DriverGetInfo', {})).code).toBe('OK');
    expect(t.driver.journal.entries().map((e) => e.era)).toEqual(['v1alpha2', 'v1alpha1']);
  });

  it('replaceRules applies to later calls only', async () => {
    await using t = await startTestDriver();
    expect((await t.clients.v1alpha1.call('DriverCreateBucket', requests.create('v1alpha1', 'x'))).code).toBe(
      'OK',
    );
    t.rules('rules: [{ name: deny, action: { error: { code: PermissionDenied } } }]');
    expect((await t.clients.v1alpha1.call('DriverCreateBucket', requests.create('v1alpha1', 'x'))).code).toBe(
      'PermissionDenied',
    );
  });
});
