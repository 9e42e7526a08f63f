// report merge on recorded shards: a real matrix run (reports/testdata/matrix.results.json, recorded by the real
// runner) cut into N shards exactly as `--shard I/N` assigns its cells, merged, and compared with the run itself.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  BUILTIN_VARIANTS,
  loadPolicy,
  planMatrix,
  policyFileFor,
  type RetryPolicy,
  type RunResults,
  type Scenario,
} from '../harness/index.ts';
import { readResults, writeResults } from '../reports/index.ts';
import { exitCodeFor } from './error-exit.ts';
import { EXIT } from './exit-codes.ts';
import { matrixExitCode, shardPlan } from './matrix-command.ts';
import { renderMatrixTable } from './matrix-table.ts';
import { mergeCommand } from './report-command.ts';
import { writeRunOutputs } from './run-lifecycle.ts';
import { writeSweepOutputs } from './sweep-command.ts';

const RECORDED = new URL('../reports/testdata/matrix.results.json', import.meta.url).pathname;
const REPORTS = ['results.md', 'results.junit.xml', 'results.html'];

const dirs: string[] = [];
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});
async function tempDir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'cosi-chaos-merge-'));
  dirs.push(d);
  return d;
}

let recorded: RunResults;
let planned: Scenario[];

beforeAll(async () => {
  recorded = await readResults(RECORDED);
  // The recorded run's own plan: `matrix --only upstream-v1alpha1,correct-fix --codes InvalidArgument,Unavailable
  // --rpcs create,delete --full`.
  const policies = new Map<string, RetryPolicy>();
  for (const v of ['upstream-v1alpha1', 'correct-fix'])
    policies.set(v, await loadPolicy(policyFileFor(v, new Map()) as string));
  planned = planMatrix({
    codes: ['InvalidArgument', 'Unavailable'],
    rpcs: ['create', 'delete'],
    windowMs: recorded.windowMs,
    policies,
  });
});

interface Split {
  files: string[];
  shards: RunResults[];
}

/**
 * Writes the recorded run as `count` shard results, each with the cells shardPlan (the CLI's split) gives it.
 * The fields a shard legitimately has of its own differ: each shard's start and end lie inside the run's (the
 * first starts when the run did, the last ends when it did), and shards after the first list the components in
 * another order and at another home.
 */
async function splitRecorded(
  dir: string,
  count: number,
  of = recorded,
  command: 'matrix' | 'sweep' = 'matrix',
) {
  const t0 = Date.parse(of.startedAt);
  const t1 = Date.parse(of.finishedAt);
  const split: Split = { files: [], shards: [] };
  for (let index = 1; index <= count; index++) {
    const { scenarios, shard } = shardPlan(planned, { index, count }, { command, options: { full: true } });
    const names = new Set(scenarios.map((s) => s.name));
    const results: RunResults = {
      ...of,
      startedAt: new Date(index === 1 ? t0 : t0 + (index * (t1 - t0)) / (2 * count)).toISOString(),
      finishedAt: new Date(index === count ? t1 : t1 - index * 1000).toISOString(),
      components:
        index === 1
          ? of.components
          : [...of.components].reverse().map((c) => ({ ...c, path: c.path?.replace('~', '/home/ci') })),
      scenarios: of.scenarios.filter((r) => names.has(r.scenario)),
      shard,
    };
    const file = join(dir, `shard-${index}.json`);
    await writeResults(file, results); // schema-validated, as every shard's results are
    split.files.push(file);
    split.shards.push(results);
  }
  return split;
}

async function merged(files: string[]): Promise<{ code: number; out: string; log: string[] }> {
  const out = await tempDir();
  const log: string[] = [];
  const code = await mergeCommand(files, { out }, (s) => log.push(s));
  return { code, out, log };
}

describe('report merge: recorded matrix shards give the unsharded run', () => {
  it('the recorded file is a run of the plan it is split by', () => {
    expect([...new Set(recorded.scenarios.map((r) => r.scenario))]).toEqual(planned.map((s) => s.name));
    expect(recorded.scenarios).toHaveLength(16);
  });

  it.each([2, 3, 4, 8])(
    'N=%i: same results.json, Markdown, JUnit, HTML, verdicts and exit code',
    async (n) => {
      const whole = await tempDir();
      const unsharded = await writeRunOutputs(whole, recorded);
      const split = await splitRecorded(await tempDir(), n);
      // Every cell in exactly one shard, and the shards given in any order.
      expect(split.shards.reduce((sum, s) => sum + s.scenarios.length, 0)).toBe(recorded.scenarios.length);
      const run = await merged([...split.files].reverse());

      const mergedJson = JSON.parse(await readFile(join(run.out, 'results.json'), 'utf8')) as RunResults;
      const wholeJson = JSON.parse(await readFile(join(whole, 'results.json'), 'utf8')) as RunResults;
      // The one field an unsharded run does not have; startedAt, finishedAt and components are equal here because
      // the first shard started with the run, the last ended with it, and the first lists the components as it did.
      const { mergedFrom, ...rest } = mergedJson;
      expect(rest).toEqual(wholeJson);
      expect(mergedFrom).toEqual({
        command: 'matrix',
        plan: split.shards[0]?.shard?.plan,
        count: n,
        shards: split.shards.map((s, i) => ({
          index: i + 1,
          startedAt: s.startedAt,
          finishedAt: s.finishedAt,
        })),
      });
      for (const f of REPORTS)
        expect(await readFile(join(run.out, f), 'utf8'), f).toBe(await readFile(join(whole, f), 'utf8'));
      const verdicts = (r: RunResults) =>
        r.scenarios.map((s) => [s.scenario, s.variant, s.verdict, s.policy?.declared, s.policy?.conforms]);
      expect(verdicts(mergedJson)).toEqual(verdicts(recorded));
      // The recorded delete cells were never triggered (the v0.1 claim-write race, before the set-up waves): they do
      // not conform, so the gate says 1, sharded or not.
      expect(run.code).toBe(matrixExitCode(unsharded.results, false));
      expect(run.code).toBe(EXIT.expectationFailed);
      expect(run.log[0]).toBe(renderMatrixTable(unsharded.results));
    },
  );

  it('exit 0 when every cell conforms, as the unsharded run', async () => {
    const conforming: RunResults = {
      ...recorded,
      scenarios: recorded.scenarios.map((r) => ({
        ...r,
        policy: r.policy && { ...r.policy, conforms: true },
      })),
    };
    expect(matrixExitCode(conforming, false)).toBe(EXIT.ok);
    const split = await splitRecorded(await tempDir(), 3, conforming);
    expect((await merged(split.files)).code).toBe(EXIT.ok);
  });

  it('startedAt and finishedAt are the earliest and latest of the shards; components their union', async () => {
    const split = await splitRecorded(await tempDir(), 3);
    // The run's first and last instants taken by the middle shard; the first shard's home is another machine's.
    const [a, b, c] = split.shards as [RunResults, RunResults, RunResults];
    a.startedAt = '2026-11-30T05:12:20.000Z';
    b.startedAt = '2026-11-30T05:12:10.000Z';
    b.finishedAt = '2026-11-30T05:15:00.000Z';
    c.components = [...c.components, { name: 'extra', version: 'v1', source: 'test' }];
    for (const [i, s] of split.shards.entries()) await writeResults(split.files[i] as string, s);
    const run = await merged(split.files);
    const json = JSON.parse(await readFile(join(run.out, 'results.json'), 'utf8')) as RunResults;
    expect(json.startedAt).toBe('2026-11-30T05:12:10.000Z');
    expect(json.finishedAt).toBe('2026-11-30T05:15:00.000Z');
    expect(json.components).toEqual([
      ...recorded.components,
      { name: 'extra', version: 'v1', source: 'test' },
    ]);
    expect(json.shard).toBeUndefined();
  });

  it('sweep shards: the same sweep.md and sweep.json and exit code as the unsharded sweep', async () => {
    // The recorded upstream-v1alpha1 results are of 6a5a12c, the build the sweep runs as v1alpha1-cosi86.
    const asSweep: RunResults = {
      ...recorded,
      scenarios: recorded.scenarios
        .filter((r) => r.variant === 'upstream-v1alpha1')
        .map(({ policy: _policy, ...r }) => ({ ...r, variant: 'v1alpha1-cosi86', file: '(sweep)' })),
    };
    const whole = await tempDir();
    await writeRunOutputs(whole, asSweep);
    const cosi86 = BUILTIN_VARIANTS.filter((v) => v.name === 'v1alpha1-cosi86');
    const sweep = await writeSweepOutputs(whole, asSweep, cosi86);
    expect(sweep.rows).toHaveLength(8);
    const split = await splitRecorded(await tempDir(), 3, asSweep, 'sweep');
    const run = await merged(split.files);
    for (const f of ['sweep.md', 'sweep.json', ...REPORTS])
      expect(await readFile(join(run.out, f), 'utf8'), f).toBe(await readFile(join(whole, f), 'utf8'));
    expect(run.code).toBe(sweep.complete ? EXIT.ok : EXIT.expectationFailed);
  });
});

describe('report merge: anything but every shard of one run is refused, exit 2, naming it', () => {
  async function refusal(files: string[] | ((s: Split) => Promise<string[]>), n = 3): Promise<string> {
    const split = await splitRecorded(await tempDir(), n);
    const given = typeof files === 'function' ? await files(split) : files;
    const e = await mergeCommand(given, { out: await tempDir() }, () => {}).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(e, 'merge succeeded').toBeDefined();
    const { code, message } = exitCodeFor(e);
    expect(code, message).toBe(EXIT.badInput);
    return message;
  }
  const rewrite = async (file: string, change: (r: RunResults) => void) => {
    const r = await readResults(file);
    change(r);
    await writeResults(file, r);
    return file;
  };

  it('a shard missing', async () => {
    expect(await refusal(async (s) => [s.files[0] as string, s.files[2] as string])).toMatch(
      /shard 2\/3 missing: give the results of all 3 shards \(given: 1, 3\)/,
    );
  });

  it('a shard given twice', async () => {
    const msg = await refusal(async (s) => [...s.files, s.files[1] as string]);
    expect(msg).toMatch(/shard 2\/3 is given twice: .*shard-2\.json and .*shard-2\.json/);
  });

  it('a cell in two shards', async () => {
    const msg = await refusal(async (s) => {
      const extra = s.shards[0]?.scenarios[0];
      await rewrite(s.files[1] as string, (r) => r.scenarios.push(extra as RunResults['scenarios'][number]));
      return s.files;
    });
    expect(msg).toMatch(
      /cell create InvalidArgument always is in two shards: .*shard-1\.json \(shard 1\/3\) and .*shard-2\.json \(shard 2\/3\)/,
    );
  });

  it('a shard that lacks one of its cells', async () => {
    const msg = await refusal(async (s) => {
      await rewrite(s.files[2] as string, (r) => {
        r.scenarios = r.scenarios.filter((x) => x.scenario !== r.scenarios.at(-1)?.scenario);
      });
      return s.files;
    });
    expect(msg).toMatch(
      /shard-3\.json \(shard 3\/3\) has no result for cell delete Unavailable then-ok: run that shard again/,
    );
  });

  it('shards of different plans, N, versions or options', async () => {
    const changed = (change: (r: RunResults) => void) => async (s: Split) => [
      s.files[0] as string,
      await rewrite(s.files[1] as string, change),
      s.files[2] as string,
    ];
    expect(
      await refusal(
        changed((r) => {
          if (r.shard) r.shard.plan = '0123456789abcdef';
        }),
      ),
    ).toMatch(/not shards of one run: plan .* differs/);
    expect(
      await refusal(
        changed((r) => {
          r.tool.version = '9.9.9';
        }),
      ),
    ).toMatch(/not shards of one run: cosi-chaos version differs \(0\.1\.0 vs 9\.9\.9\)/);
    expect(
      await refusal(
        changed((r) => {
          if (r.shard) r.shard.count = 4;
        }),
      ),
    ).toMatch(/not shards of one run: shard count N differs \(3 vs 4\)/);
    expect(
      await refusal(
        changed((r) => {
          r.windowMs = 30_000;
        }),
      ),
    ).toMatch(/not shards of one run: window differs/);
    expect(
      await refusal(
        changed((r) => {
          const c = r.components.find((k) => k.name === 'etcd');
          if (c) c.version = 'v0.0.1';
        }),
      ),
    ).toMatch(/not shards of one run: etcd is v3\.5\.35 in one and v0\.0\.1 in the other/);
  });

  it('an interrupted shard', async () => {
    const msg = await refusal(async (s) => {
      await rewrite(s.files[1] as string, (r) => {
        if (r.shard) r.shard.interrupted = true;
      });
      return s.files;
    });
    expect(msg).toMatch(
      /shard-2\.json \(shard 2\/3\) was interrupted: its results are partial; run that shard again/,
    );
  });

  it('results that are no shard, and an --out that would overwrite a shard', async () => {
    expect(await refusal([RECORDED])).toMatch(
      /matrix\.results\.json is not a shard's results .*--shard I\/N/,
    );
    const split = await splitRecorded(await tempDir(), 2);
    const dir = await tempDir();
    const inOut = join(dir, 'results.json');
    await writeResults(inOut, split.shards[0] as RunResults);
    const e = await mergeCommand([inOut, split.files[1] as string], { out: dir }, () => {}).catch((x) => x);
    expect(exitCodeFor(e)).toMatchObject({
      code: EXIT.badInput,
      message: expect.stringMatching(/would overwrite/),
    });
  });
});
