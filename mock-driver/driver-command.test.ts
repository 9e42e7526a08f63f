import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { execa, type ResultPromise } from 'execa';
import { afterEach, describe, expect, it } from 'vitest';
import { readJournalFile } from './call-journal.ts';
import { connectCosiClient } from './cosi-client.ts';
import { requests } from './test-driver.ts';

const MAIN = fileURLToPath(new URL('./main.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const children: ResultPromise[] = [];
const dirs: string[] = [];

afterEach(async () => {
  const killed = children.splice(0);
  for (const child of killed) child.kill('SIGKILL');
  await Promise.allSettled(killed);
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function spawnDriver(args: string[]) {
  const child = execa('node', ['--import', 'tsx', MAIN, ...args], {
    cwd: ROOT,
    reject: false,
    stdin: 'pipe',
  });
  children.push(child);
  return child;
}

interface Listening {
  event: 'listening';
  socket: string;
  admin: string;
  pid: number;
}

function firstLine(child: ResultPromise): Promise<Listening> {
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
    lines.once('line', (line) => {
      lines.close();
      resolve(JSON.parse(line) as Listening);
    });
    child.then((result) =>
      reject(new Error(`driver exited ${result.exitCode} before listening: ${result.stderr}`)),
    );
  });
}

function setup(rules = 'rules: []\n') {
  const dir = mkdtempSync(join(tmpdir(), 'cosi-chaos-cli-'));
  dirs.push(dir);
  const rulesFile = join(dir, 'rules.yaml');
  writeFileSync(rulesFile, rules);
  return { dir, rulesFile, socket: join(dir, 'cosi.sock'), journal: join(dir, 'journal.jsonl') };
}

describe('cosi-chaos driver (CLI process)', () => {
  it('exits 2 with one file:line message for a bad rule file, starting nothing', async () => {
    const { rulesFile, socket } = setup('rules:\n  - name: a\n    action: { error: { code: Nope } }\n');
    const result = await spawnDriver(['--socket', socket, '--name', 'n.io', '--rules', rulesFile]);
    expect(result.exitCode).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr.trim().split('\n')).toEqual([
      `cosi-chaos driver: ${rulesFile}:3:30: rules[0].action.error.code: unknown gRPC code "Nope"; use one of: ${[
        'OK',
        'Canceled',
        'Unknown',
        'InvalidArgument',
        'DeadlineExceeded',
        'NotFound',
        'AlreadyExists',
        'PermissionDenied',
        'ResourceExhausted',
        'FailedPrecondition',
        'Aborted',
        'OutOfRange',
        'Unimplemented',
        'Internal',
        'Unavailable',
        'DataLoss',
        'Unauthenticated',
      ].join(', ')}`,
    ]);
    expect(existsSync(socket)).toBe(false);
  });

  it('exits 2 for missing or bad flags', async () => {
    const { rulesFile, socket } = setup();
    const missing = await spawnDriver(['--name', 'n.io', '--rules', rulesFile]);
    expect(missing.exitCode).toBe(2);
    expect(missing.stderr).toMatch(/required option '--socket <path>' not specified/);
    const badAdmin = await spawnDriver([
      '--socket',
      socket,
      '--name',
      'n',
      '--rules',
      rulesFile,
      '--admin',
      'nowhere',
    ]);
    expect(badAdmin.exitCode).toBe(2);
    expect(badAdmin.stderr).toMatch(/--admin "nowhere": expected HOST:PORT/);
    // bind() would cut this path silently and clients would dial a socket nobody serves.
    const longSocket = `/tmp/${'d'.repeat(110)}.sock`;
    const tooLong = await spawnDriver(['--socket', longSocket, '--name', 'n', '--rules', rulesFile]);
    expect(tooLong.exitCode).toBe(2);
    expect(tooLong.stderr).toMatch(/a unix socket path can have at most 107/);
    expect(existsSync(longSocket)).toBe(false);
  });

  it('prints one listening line, serves, reloads rules on change (keeping them on a bad reload), exits 0 on SIGTERM', async () => {
    const { rulesFile, socket } = setup();
    const child = spawnDriver(['--socket', socket, '--name', 'cli.cosi-chaos.io', '--rules', rulesFile]);
    const listening = await firstLine(child);
    expect(listening).toEqual({
      event: 'listening',
      socket,
      admin: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/),
      pid: child.pid,
    });
    const client = connectCosiClient('v1alpha2', `unix:${socket}`);
    try {
      expect((await client.call('DriverGetInfo', {})).response?.name).toBe('cli.cosi-chaos.io');
      writeFileSync(rulesFile, 'rules: [{ name: deny, action: { error: { code: PermissionDenied } } }]\n');
      await expect
        .poll(async () => (await client.call('DriverGetInfo', {})).code, { timeout: 5000, interval: 25 })
        .toBe('PermissionDenied');
      writeFileSync(rulesFile, 'rules: [{ name: deny, action: { error: { code: Bad } } }]\n');
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect((await client.call('DriverGetInfo', {})).code).toBe('PermissionDenied');
    } finally {
      client.close();
    }
    child.kill('SIGTERM');
    const result = await child;
    expect(result.exitCode).toBe(0);
    expect(result.stderr).toMatch(/reloaded 1 rule\(s\)/);
    expect(result.stderr).toMatch(
      /keeping previous rules: .*rules\.yaml:1:\d+: rules\[0\]\.action\.error\.code: unknown gRPC code "Bad"/,
    );
  });

  it('exits when stdin reaches EOF with --exit-on-stdin-eof', async () => {
    const { rulesFile, socket } = setup();
    const child = spawnDriver([
      '--socket',
      socket,
      '--name',
      'n.io',
      '--rules',
      rulesFile,
      '--exit-on-stdin-eof',
    ]);
    await firstLine(child);
    child.stdin?.end();
    expect((await child).exitCode).toBe(0);
  });

  it('crash rule: journal flushed, process dies with the exit code; a restart keeps entries and continues seq', async () => {
    const { rulesFile, socket, journal } = setup(`
rules:
  - name: boom
    match: { rpc: delete, call: { nth: 1 } }
    action: { crash: { exitCode: 137 } }
`);
    const args = ['--socket', socket, '--name', 'n.io', '--rules', rulesFile, '--journal', journal];
    const first = spawnDriver(args);
    await firstLine(first);
    let client = connectCosiClient('v1alpha1', `unix:${socket}`);
    const scenario = { 'cosi-chaos.io/scenario': 'crashy' };
    const created = await client.call(
      'DriverCreateBucket',
      requests.create('v1alpha1', 'crash-me', scenario),
    );
    const id = String(created.response?.bucket_id);
    const crashed = await client.call('DriverDeleteBucket', requests.delete('v1alpha1', id));
    expect(crashed.code).toBe('Unavailable');
    expect((await first).exitCode).toBe(137);
    client.close();
    expect(readJournalFile(journal).map((e) => [e.seq, e.rpc, e.code])).toEqual([
      [1, 'create', 'OK'],
      [2, 'delete', 'Crashed'],
    ]);

    const second = spawnDriver(args);
    await firstLine(second);
    client = connectCosiClient('v1alpha1', `unix:${socket}`);
    try {
      expect((await client.call('DriverDeleteBucket', requests.delete('v1alpha1', id))).code).toBe('OK');
    } finally {
      client.close();
    }
    second.kill('SIGTERM');
    expect((await second).exitCode).toBe(0);
    const entries = readJournalFile(journal);
    expect(entries.map((e) => e.seq)).toEqual([1, 2, 3]);
    // Attribution and call numbers survive the restart: the retry is delete #2 of the same bucket.
    expect(entries[2]).toMatchObject({
      rpc: 'delete',
      bucketName: 'crash-me',
      parameters: scenario,
      callNumber: 2,
      code: 'OK',
    });
    expect(readFileSync(journal, 'utf8').trim().split('\n')).toHaveLength(3);
  });
});
