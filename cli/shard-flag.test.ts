// --shard as a user types it, through the real CLI: a bad value is one line naming the flag, exit 2, and nothing
// is started (no out dir, no build).
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exitCodeFor } from './error-exit.ts';
import { EXIT, UsageError } from './exit-codes.ts';
import { matrixCommand, shardFlag } from './matrix-command.ts';
import { sweepCommand } from './sweep-command.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CLI = join(ROOT, 'bin', 'cosi-chaos.js');
const RECORDED = join(ROOT, 'reports', 'testdata', 'matrix.results.json');

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cosi-chaos-shard-flag-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('shardFlag', () => {
  it('reads I/N', () => {
    expect(shardFlag(undefined)).toBeUndefined();
    expect(shardFlag('1/1')).toEqual({ index: 1, count: 1 });
    expect(shardFlag('3/4')).toEqual({ index: 3, count: 4 });
  });
  it.each(['0/2', '3/2', 'x/y', '1/0', '2', '1/2/3', '-1/2', '1.5/2', ''])('refuses "%s"', (v) => {
    expect(() => shardFlag(v)).toThrow(UsageError);
    expect(() => shardFlag(v)).toThrow(`--shard "${v}" is not I/N with 1 <= I <= N`);
  });
});

// Through the commands in-process: every bad value, on both commands (the CLI maps the error to its exit code).
describe('matrix and sweep --shard: bad values are refused before anything starts', () => {
  const noProgress = { phase: () => {}, attempts: () => {} };
  it.each([
    ['matrix', '0/2', /--shard "0\/2" is not I\/N with 1 <= I <= N/],
    ['matrix', '3/2', /--shard "3\/2" is not I\/N/],
    ['matrix', 'x/y', /--shard "x\/y" is not I\/N/],
    ['sweep', '0/2', /--shard "0\/2" is not I\/N/],
    ['sweep', '3/2', /--shard "3\/2" is not I\/N/],
    ['sweep', 'x/y', /--shard "x\/y" is not I\/N/],
    // More shards than cells: some shard would have none.
    ['matrix', '1/200', /--shard 1\/200: the plan has only 128 cell\(s\), fewer than 200 shards/],
    ['sweep', '2/300', /--shard 2\/300: the plan has only 128 cell\(s\), fewer than 300 shards/],
  ])('%s --shard %s', async (command, shard, message) => {
    const out = join(dir, `${command}-${shard.replace('/', '-')}`);
    const run =
      command === 'matrix'
        ? matrixCommand({ shard, out, window: '60s' }, () => {}, noProgress)
        : sweepCommand({ shard, out, window: '60s', pattern: 'both' }, () => {}, noProgress);
    const e = await run.then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(e).toBeInstanceOf(UsageError);
    expect(exitCodeFor(e)).toEqual({ code: EXIT.badInput, message: expect.stringMatching(message) });
    expect(existsSync(out), 'an out dir was created: something started').toBe(false);
  });
});

// The real CLI, as a user types it: one line on stderr, exit 2. Each start compiles the CLI (tens of seconds on a
// loaded 2-core machine), so only a few.
describe('cosi-chaos --shard and report merge: exit 2 through the real CLI', () => {
  const cli = (args: string[]) => execa(process.execPath, [CLI, ...args], { reject: false, cwd: ROOT });

  it.each([
    ['matrix', '3/2'],
    ['sweep', 'x/y'],
  ])(
    '%s --shard %s',
    async (command, value) => {
      const out = join(dir, `cli-${command}`);
      const run = await cli([command, '--shard', value, '--out', out]);
      expect(run.exitCode, run.stderr).toBe(EXIT.badInput);
      expect(run.stderr.trim()).toBe(
        `error: --shard "${value}" is not I/N with 1 <= I <= N (e.g. --shard 1/4)`,
      );
      expect(existsSync(out)).toBe(false);
    },
    180_000,
  );

  it('report merge of results that are no shard', async () => {
    const out = join(dir, 'merged');
    const run = await cli(['report', 'merge', RECORDED, '--out', out]);
    expect(run.exitCode, run.stderr).toBe(EXIT.badInput);
    expect(run.stderr).toMatch(/is not a shard's results .*--shard I\/N/);
    expect(existsSync(out)).toBe(false);
  }, 180_000);
});
