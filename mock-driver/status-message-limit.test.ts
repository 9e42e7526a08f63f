import { describe, expect, it } from 'vitest';
import { MAX_STATUS_MESSAGE_CHARS } from './status-message-limit.ts';
import { requests, startTestDriver } from './test-driver.ts';

describe('status messages the driver sends', () => {
  it('cuts a message echoing a 60,000-character bucket id; the same connection keeps answering', async () => {
    await using t = await startTestDriver();
    const client = t.clients.v1alpha2;
    const bucketId = 'x'.repeat(60_000);
    const missing = await client.call(
      'DriverGetExistingBucket',
      { existing_bucket_id: bucketId, protocols: [], parameters: {} },
      { deadlineMs: 3_000 },
    );
    expect(missing.code).toBe('NotFound');
    expect(missing.message?.length).toBeLessThanOrEqual(MAX_STATUS_MESSAGE_CHARS);
    expect(missing.message).toMatch(/^bucket x+… \(\d+ more characters cut\)$/);
    expect(missing.status?.message).toBe(missing.message);
    expect((await client.call('DriverGetInfo', {}, { deadlineMs: 3_000 })).code).toBe('OK');
    expect(t.driver.journal.entries()[0]).toMatchObject({
      rpc: 'getExisting',
      bucketId,
      code: 'NotFound',
      message: missing.message,
    });
  });

  it('replaces a lone surrogate in a rule message instead of failing to send it', async () => {
    await using t = await startTestDriver(
      'rules:\n  - name: odd-text\n    match: { rpc: create }\n    action: { error: { code: Aborted, message: "bad \\uD800 text" } }\n',
    );
    const answer = await t.clients.v1alpha1.call('DriverCreateBucket', requests.create('v1alpha1', 'b'), {
      deadlineMs: 3_000,
    });
    expect(answer).toMatchObject({ code: 'Aborted', message: 'bad \uFFFD text' });
    expect(t.driver.journal.entries()).toMatchObject([{ code: 'Aborted', message: 'bad \uFFFD text' }]);
    expect((await t.clients.v1alpha1.call('DriverGetInfo', {}, { deadlineMs: 3_000 })).code).toBe('OK');
  });
});
