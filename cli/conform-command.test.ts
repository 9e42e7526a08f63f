import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SAMPLE_COSI_DRIVER } from '../harness/binaries/component-catalog.ts';
import type { ConformResults } from '../harness/conform/index.ts';
import { reservePort } from '../harness/process/free-port.ts';
import { provisionBinary } from '../harness/runner/start/binary-provisioner.ts';
import { type MockDriverHandle, parseRules, startMockDriver } from '../mock-driver/index.ts';
import { conformResultsIssues } from '../reports/conform-results-file.ts';
import { conformCommand } from './conform-command.ts';
import { exitCodeFor } from './error-exit.ts';
import { EXIT } from './exit-codes.ts';

// `cosi-chaos conform` end to end through its command function: real drivers on real sockets, the files it
// writes, and the exit code (0 every MUST passed, 1 one did not, 2 bad input, 3 a driver it cannot reach).

let dir: string;
const lines: string[] = [];
const run = async (flags: Record<string, unknown>): Promise<number> => {
  try {
    return await conformCommand(
      { out: join(dir, String(flags.outName ?? 'out')), ...flags },
      (l) => lines.push(l),
      () => {},
    );
  } catch (error) {
    lines.push(`error: ${exitCodeFor(error).message}`);
    return exitCodeFor(error).code;
  }
};
const readResults = (outName: string) =>
  JSON.parse(readFileSync(join(dir, outName, 'conform-results.json'), 'utf8')) as ConformResults;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cosi-chaos-conform-cli-'));
});
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('conform command: bad input exits 2 before anything starts', () => {
  it.each([
    [{ driver: 'unix:///no/such/driver.sock' }, /no such socket \/no\/such\/driver\.sock/],
    [
      { driver: 'mock', only: 'create-valid,no-such-case' },
      /unknown case id\(s\): no-such-case; the cases are: get-info-name/,
    ],
    [{ driver: 'mock', protocol: 'NFS' }, /--protocol NFS is not one of S3, Azure, GCS/],
    [{ driver: 'mock', parameters: ['novalue'] }, /--parameters "novalue" is not KEY=VALUE/],
    [
      { driver: './no-such-driver-binary' },
      /not mock, sample, sample:fake, scality\[@COMMIT\], unix:\/\/\/path\.sock, HOST:PORT, nor an executable file/,
    ],
    [{}, /conform needs --driver/],
    [{ driver: 'sample', hookStopBackend: 'true' }, /--hook-\* apply to a running driver or a binary/],
    [{ driver: 'mock', driverEnv: ['A=b'] }, /--driver-arg and --driver-env apply to a driver binary only/],
  ])('%j', async (flags, message) => {
    const code = await conformCommand(
      { out: join(dir, 'bad'), ...flags },
      () => {},
      () => {},
    ).then(
      () => -1,
      (e: unknown) => {
        expect(exitCodeFor(e).message).toMatch(message);
        return exitCodeFor(e).code;
      },
    );
    expect(code).toBe(EXIT.badInput);
    expect(existsSync(join(dir, 'bad'))).toBe(false);
  });
});

describe('conform command against running drivers', () => {
  let failing: MockDriverHandle;

  beforeAll(async () => {
    // A driver already running, answering Internal to every empty name: one MUST case fails.
    failing = await startMockDriver({
      socketPath: join(dir, 'failing.sock'),
      driverName: 'failing.cosi-chaos.io',
      rules: parseRules(
        'rules:\n  - { name: wrong, match: { rpc: create, bucketName: { maxLength: 0 } }, action: { error: { code: Internal, message: empty } } }\n',
        'conform-command.test.ts',
      ),
    });
  });
  afterAll(async () => {
    await failing?.stop();
  });

  it('exits 0 against the mock, with the table printed and JSON (schema-valid), Markdown and JUnit written', async () => {
    expect(await run({ driver: 'mock', outName: 'mock' })).toBe(EXIT.ok);
    const results = readResults('mock');
    expect(conformResultsIssues(results)).toEqual([]);
    expect(results.summary.mustNotPassed).toBe(0);
    expect(readFileSync(join(dir, 'mock', 'conform-results.md'), 'utf8')).toContain('**Every MUST passed**');
    expect(readFileSync(join(dir, 'mock', 'conform-results.junit.xml'), 'utf8')).toContain(
      '<testsuite name="conform v1alpha1"',
    );
    expect(lines.join('\n')).toMatch(/CASE +ERA +RULE +LEVEL +RESULT +ANSWERED/);
  }, 120_000);

  it('runs again into the same --out: the logs of the first run are not read as the second driver being ready', async () => {
    const first = readResults('mock').runPrefix;
    expect(await run({ driver: 'mock', outName: 'mock', only: 'get-info-name' })).toBe(EXIT.ok);
    expect(readResults('mock').runPrefix).not.toBe(first);
  }, 120_000);

  it('exits 1 when a MUST case fails, and says which with the answer (--only keeps the run to the cases named)', async () => {
    const code = await run({
      driver: `unix://${failing.socketPath}`,
      only: 'get-info-name,create-name-empty,delete-non-empty',
      outName: 'failing',
    });
    expect(code).toBe(EXIT.expectationFailed);
    const results = readResults('failing');
    expect(results.cases.map((c) => `${c.era} ${c.id} ${c.outcome}`)).toEqual([
      'v1alpha1 get-info-name pass',
      'v1alpha2 get-info-name pass',
      'v1alpha1 create-name-empty fail',
      'v1alpha2 create-name-empty fail',
      'v1alpha1 delete-non-empty skip',
      'v1alpha2 delete-non-empty skip',
    ]);
    expect(results.cases[2]?.answer).toBe('Internal "empty"');
    expect(results.cases[4]?.answer).toMatch(/give --hook-nonempty/);
  }, 60_000);

  it('reaches backend states through the user hooks on a running driver, and says so', async () => {
    const admin = String(failing.adminUrl);
    const seed = join(dir, 'seed.mjs');
    await writeFile(
      seed,
      `await fetch('${admin}/seed', { method: 'POST', body: JSON.stringify({ objects: { [process.env.COSI_BUCKET_NAME]: Number(process.argv[2]) } }) });\nconsole.log('seeded', process.env.COSI_BUCKET_NAME);\n`,
    );
    const stop = join(dir, 'stop.mjs');
    await writeFile(
      stop,
      `await fetch('${admin}/rules', { method: 'PUT', body: 'rules:\\n  - { name: down, action: { error: { code: Unavailable, message: backend down } } }\\n' });\n`,
    );
    const code = await run({
      driver: `unix://${failing.socketPath}`,
      only: 'delete-non-empty,backend-stopped',
      hookNonempty: `node ${seed} 1`,
      hookEmpty: `node ${seed} 0`,
      hookStopBackend: `node ${stop}`,
      outName: 'hooks',
    });
    expect(code).toBe(EXIT.ok);
    const results = readResults('hooks');
    expect(results.target.backendControl).toEqual({ nonEmptyBucket: 'hook', stopBackend: 'hook' });
    for (const c of results.cases)
      expect([c.id, c.outcome, c.backendControl]).toEqual([c.id, 'pass', 'hook']);
    expect(results.cases[0]?.answer).toMatch(/^FailedPrecondition .*hook `node .*seed\.mjs 1` ran: seeded /);
    expect(results.cleanup.leftovers).toEqual([]);
  }, 60_000);

  it('exits 3 when nothing answers at HOST:PORT', async () => {
    const port = await reservePort();
    try {
      expect(await run({ driver: `127.0.0.1:${port.port}`, deadline: '2s', outName: 'nothing' })).toBe(
        EXIT.infrastructure,
      );
    } finally {
      port.release();
    }
    expect(lines.at(-1)).toMatch(/does not answer DriverGetInfo .*is it running and listening there\?/);
  }, 60_000);

  it('starts a driver binary with COSI_ENDPOINT and --driver-env (the sample driver in s3:fake, as a CI step would)', async () => {
    const binary = await provisionBinary(SAMPLE_COSI_DRIVER);
    const config = join(dir, 'sample-fake.yaml');
    await writeFile(config, 'mode: s3:fake\n');
    const code = await run({
      driver: binary.path,
      driverEnv: [`X_COSI_CONFIG=${config}`, 'X_COSI_DRIVER_NAME=sample.ci.example.com'],
      driverArg: ['-v=2'],
      outName: 'binary',
    });
    expect([code, lines.at(-1)]).toEqual([
      EXIT.expectationFailed,
      expect.stringMatching(/^conform results: /),
    ]);
    const results = readResults('binary');
    expect(results.target.driverNames).toEqual({ v1alpha1: 'sample.ci.example.com' });
    expect(results.target.eras).toEqual(['v1alpha1']);
    expect(results.cases.find((c) => c.id === 'create-valid')?.outcome).toBe('pass');
    expect(results.cleanup.leftovers).toEqual([]);
  }, 1_200_000);
});
