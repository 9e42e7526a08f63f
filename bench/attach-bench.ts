import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import type { RunResults } from '../harness/results/run-results.ts';

// `npm run bench:attach`: COSI-86 from command to exit, on one variant and on all six, unattached (the run starts
// its control planes) and attached to a running `cosi-chaos up` (issue 20's targets: 4 s and 6 s), plus what `up`
// took to be ready and what the CLI alone costs to start (`cosi-chaos --help`). Each attached case gets a fresh
// `up`: a v1alpha1 sidecar's Event broadcaster is still busy with an earlier run's refused Events for ~2 minutes.
// Prints a Markdown table; exits 0 whatever the numbers, non-zero only when a run itself fails to produce results.

const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));
const CLI = join(REPO_ROOT, 'bin', 'cosi-chaos.js');
const SIX = [
  'v1alpha1-cosi86',
  'v1alpha1-v0.1.0',
  'v1alpha1-v0.2.0',
  'v1alpha1-v0.2.1',
  'v1alpha1-v0.2.2',
  'v1alpha2-main',
];

interface Row {
  name: string;
  seconds: number;
  target?: number;
  verdicts: string;
  startToVerdict?: number;
}

async function timed(args: string[]): Promise<{ seconds: number; results?: RunResults; all: string }> {
  const out = mkdtempSync(join(tmpdir(), 'cosi-chaos-attach-bench-'));
  const started = performance.now();
  const res = await execa(process.execPath, [CLI, ...args, ...(args[0] === 'run' ? ['--out', out] : [])], {
    cwd: REPO_ROOT,
    reject: false,
    all: true,
  });
  const seconds = (performance.now() - started) / 1000;
  let results: RunResults | undefined;
  try {
    results = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as RunResults;
  } catch {
    if (args[0] === 'run') throw new Error(`cosi-chaos ${args.join(' ')} wrote no results:\n${res.all}`);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
  return { seconds, results, all: String(res.all) };
}

/** Starts `up` with the given variants; resolves when it is ready, with its ready time and a stop(). */
async function up(variants: string[]) {
  const dir = mkdtempSync(join(tmpdir(), 'cosi-chaos-attach-bench-up-'));
  const started = performance.now();
  const child = execa(
    process.execPath,
    [CLI, 'up', '--dir', dir, ...variants.flatMap((v) => ['--sidecar', v])],
    {
      cwd: REPO_ROOT,
      reject: false,
      all: true,
    },
  );
  let text = '';
  child.all?.on('data', (c: Buffer) => {
    text += c.toString();
  });
  let ended = false;
  void child.then(() => {
    ended = true;
  });
  while (!text.includes('Ctrl-C stops everything') && !ended) await sleep(100);
  if (ended) throw new Error(`up failed:\n${text}`);
  const readySeconds = (performance.now() - started) / 1000;
  const reported = /stack up in ([\d.]+) s/.exec(text)?.[1];
  return {
    dir,
    readySeconds,
    reported: reported ? Number(reported) : undefined,
    stop: async () => {
      child.kill('SIGTERM');
      await child;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

const verdicts = (r?: RunResults) =>
  r ? r.scenarios.map((s) => `${s.variant}:${s.verdict}`).join(' ') : '-';
const decided = (r?: RunResults) =>
  r ? Math.max(...r.scenarios.map((s) => (s.phases?.verdict ?? 0) / 1000)) : undefined;

const rows: Row[] = [];
const help = await timed(['--help']);
rows.push({ name: 'cosi-chaos --help (CLI start alone)', seconds: help.seconds, verdicts: '-' });
for (const [label, variants, target] of [
  ['one variant', ['v1alpha1-cosi86'], 4],
  ['all six', SIX, 6],
] as const) {
  // Named even for the six: a plain run's default set also has the patched variants.
  const sidecarArgs = variants.flatMap((v) => ['--sidecar', v]);
  const plain = await timed(['run', 'scenarios/cosi-86.yaml', ...sidecarArgs]);
  rows.push({
    name: `${label}, unattached`,
    seconds: plain.seconds,
    verdicts: verdicts(plain.results),
    startToVerdict: decided(plain.results),
  });
  const stack = await up([...variants]);
  rows.push({
    name: `up (${variants.length} variant(s)), ready`,
    seconds: stack.readySeconds,
    verdicts: `up reports ${stack.reported?.toFixed(1)} s`,
  });
  try {
    const attached = await timed(['run', '--attach', stack.dir, 'scenarios/cosi-86.yaml', ...sidecarArgs]);
    rows.push({
      name: `${label}, attached`,
      seconds: attached.seconds,
      target,
      verdicts: verdicts(attached.results),
      startToVerdict: decided(attached.results),
    });
  } finally {
    await stack.stop();
  }
}

console.log(
  `\nCOSI-86, command to exit (${cpus().length} cores, load ${loadavg()[0]?.toFixed(1)} at the end)\n`,
);
console.log('| case | seconds | target | last verdict at (s after start) | verdicts |');
console.log('|---|---|---|---|---|');
for (const r of rows)
  console.log(
    `| ${r.name} | ${r.seconds.toFixed(1)} | ${r.target === undefined ? '-' : `<= ${r.target} s ${r.seconds <= r.target ? 'MET' : 'MISSED'}`} | ${r.startToVerdict?.toFixed(1) ?? '-'} | ${r.verdicts} |`,
  );
