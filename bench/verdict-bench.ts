import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { execa } from 'execa';
import { BUILTIN_VARIANTS } from '../harness/index.ts';
import type { RunResults } from '../harness/results/run-results.ts';
import { runTimingLine } from '../reports/index.ts';
import { sampleTreePeak } from './tree-memory.ts';

// `npm run bench:verdict`: how long COSI-86, the scenario suite, the matrix and the sweep take from command to exit on
// the real builds (warm caches; --cold: the suite from empty build caches), each beside the machine's load and the
// run's own account of where the time went, against the targets of issues 12 and 32. Prints Markdown, writes JSON
// (--json FILE) so a regression points at its phase. Exits 0 whatever the numbers; non-zero only when a run fails.
// A number measured while anything else loads the machine (a build, another run) is not comparable: the load
// columns say whether it was.

const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));
const CLI = join(REPO_ROOT, 'bin', 'cosi-chaos.js');

/** The phases a run records, in order (harness/runner/phase-clock.ts). */
const PHASES = [
  'binaries resolved',
  'etcd ready',
  'kube-apiserver ready',
  'CRDs established',
  'control plane reused',
  'controller and sidecars ready',
  'objects sent',
  'applied',
  'first attempt',
  'verdict',
];

interface Case {
  name: string;
  args: string[];
  /** Extra environment (the cold case's empty caches). */
  env?: NodeJS.ProcessEnv;
  targetSeconds: number;
  /** Peak memory of the harness and all its children. */
  targetPeakGiB?: number;
}

interface CaseResult {
  name: string;
  command: string;
  targetSeconds: number;
  wallSeconds: number;
  exitCode: number;
  met: boolean;
  /** Peak proportional set size of the tree (shared pages once); peakRssGiB sums each process's RSS. */
  peakGiB: number;
  peakRssGiB: number;
  peakProcesses: number;
  targetPeakGiB?: number;
  /** 1-minute load average just before the command and when it exited, and the CPUs. */
  load: { before: number; after: number; cpus: number };
  /** The run's own account (results.timing): builds, planes, their starts, windows and teardowns. */
  timing?: RunResults['timing'];
  /** Where the time went: setup waves (start to the last cell's trigger), windows, collection (to exit). */
  breakdown: { lastControlPlaneUpS: number; lastTriggerS: number; lastVerdictS: number; exitS: number };
  variants: {
    variant: string;
    scenario: string;
    verdict: string;
    outcome: string;
    attempts: number;
    decision?: RunResults['scenarios'][number]['decision'];
    phases: Record<string, number>;
  }[];
}

async function runCase(c: Case): Promise<CaseResult> {
  const out = mkdtempSync(join(tmpdir(), 'cosi-chaos-verdict-'));
  const args = [...c.args, '--out', out];
  const loadBefore = loadavg()[0] ?? 0;
  const started = performance.now();
  const child = execa(process.execPath, [CLI, ...args], {
    cwd: REPO_ROOT,
    reject: false,
    all: true,
    env: c.env,
  });
  const memory = child.pid ? sampleTreePeak(child.pid) : undefined;
  const res = await child;
  const peak = memory?.stop() ?? { peakBytes: 0, peakRssBytes: 0, peakProcesses: 0 };
  const wallSeconds = (performance.now() - started) / 1000;
  const load = { before: loadBefore, after: loadavg()[0] ?? 0, cpus: cpus().length };
  let results: RunResults | undefined;
  try {
    results = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as RunResults;
  } catch {
    throw new Error(`cosi-chaos ${args.join(' ')} wrote no results (exit ${res.exitCode}):\n${res.all}`);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
  return {
    name: c.name,
    command: `cosi-chaos ${c.args.join(' ')}`,
    targetSeconds: c.targetSeconds,
    wallSeconds,
    exitCode: res.exitCode ?? -1,
    met:
      wallSeconds <= c.targetSeconds &&
      (c.targetPeakGiB === undefined || peak.peakBytes / 2 ** 30 <= c.targetPeakGiB),
    peakGiB: peak.peakBytes / 2 ** 30,
    peakRssGiB: peak.peakRssBytes / 2 ** 30,
    peakProcesses: peak.peakProcesses,
    targetPeakGiB: c.targetPeakGiB,
    load,
    timing: results.timing,
    breakdown: breakdownOf(results, wallSeconds),
    variants: results.scenarios.map((r) => ({
      variant: r.variant,
      scenario: r.scenario,
      verdict: r.verdict,
      outcome: r.outcome,
      attempts: r.attempts.length,
      decision: r.decision,
      phases: r.phases ?? {},
    })),
  };
}

// Phases are ms since the harness process started: the last of each across cells says which wave ended when.
function breakdownOf(results: RunResults, wallSeconds: number): CaseResult['breakdown'] {
  const last = (phase: string) => Math.max(0, ...results.scenarios.map((r) => r.phases?.[phase] ?? 0)) / 1000;
  return {
    lastControlPlaneUpS: last('controller and sidecars ready'),
    lastTriggerS: Math.max(
      last('applied'),
      ...results.scenarios.map((r) => (r.phases?.triggered ?? 0) / 1000),
    ),
    lastVerdictS: last('verdict'),
    exitS: wallSeconds,
  };
}

function seconds(ms: number | undefined): string {
  return ms === undefined ? '-' : (ms / 1000).toFixed(1);
}

function renderMarkdown(results: CaseResult[]): string {
  const lines: string[] = [];
  for (const r of results) {
    lines.push(
      `### ${r.name}: ${r.wallSeconds.toFixed(1)} s command to exit (target <= ${r.targetSeconds} s: ${r.met ? 'MET' : 'MISSED'}), exit ${r.exitCode}`,
      '',
      `\`${r.command}\`; phases in seconds since the harness process started; machine load (1-minute average, ` +
        `${r.load.cpus} CPUs) ${r.load.before.toFixed(2)} before, ${r.load.after.toFixed(2)} at exit`,
      '',
      ...(r.timing ? [runTimingLine(r.timing), ''] : []),
      `peak memory of the harness and its children: ${r.peakGiB.toFixed(2)} GiB PSS (RSS summed per process: ` +
        `${r.peakRssGiB.toFixed(2)} GiB) in up to ${r.peakProcesses} processes` +
        (r.targetPeakGiB !== undefined ? ` (target <= ${r.targetPeakGiB} GiB)` : ''),
      '',
      `where the time went: control planes up by ${r.breakdown.lastControlPlaneUpS.toFixed(1)} s, set-up waves ` +
        `(last cell triggered) by ${r.breakdown.lastTriggerS.toFixed(1)} s, windows (last verdict) by ` +
        `${r.breakdown.lastVerdictS.toFixed(1)} s, collection and teardown to exit at ${r.breakdown.exitS.toFixed(1)} s`,
      '',
    );
    if (r.variants.length <= 12) {
      lines.push(
        `| variant | ${PHASES.join(' | ')} | verdict | decided by |`,
        `|---|${PHASES.map(() => '---:').join('|')}|---|---|`,
      );
      for (const v of r.variants)
        lines.push(
          `| ${v.variant} | ${PHASES.map((p) => seconds(v.phases[p])).join(' | ')} | ${v.verdict} (${v.outcome}, ${v.attempts}) | ${v.decision ? `${v.decision.basis} at ${seconds(v.decision.atMs)} s` : '-'} |`,
        );
    } else {
      // A matrix: one row per phase, the slowest cell's time.
      lines.push('| phase | first | last |', '|---|---:|---:|');
      for (const p of PHASES) {
        const at = r.variants.map((v) => v.phases[p]).filter((x): x is number => x !== undefined);
        lines.push(`| ${p} | ${seconds(Math.min(...at))} | ${seconds(Math.max(...at))} |`);
      }
      const early = r.variants.filter((v) => v.decision?.early).length;
      lines.push('', `${early} of ${r.variants.length} cells decided early.`);
    }
    lines.push('');
  }
  return lines.join('\n');
}

const program = new Command('bench:verdict')
  .option('--suite', 'also time `cosi-chaos run scenarios` (62 scenario x variant pairs; minutes)')
  .option(
    '--cold',
    'also time `cosi-chaos run scenarios` from empty build caches (COSI_CHAOS_CACHE and GOCACHE in a temp dir; tens of minutes)',
  )
  .option('--matrix', 'also time `cosi-chaos matrix` (4 variants x 16 codes x 4 RPCs x 2 patterns; minutes)')
  .option('--sweep', 'also time `cosi-chaos sweep` (6 releases x 16 codes x 4 RPCs x 2 patterns; minutes)')
  .option('--json <file>', 'write the measurements as JSON')
  .parse();
const opts = program.opts<{
  suite?: boolean;
  cold?: boolean;
  matrix?: boolean;
  sweep?: boolean;
  json?: string;
}>();
// The cold case builds into caches of its own, removed afterwards; the Go module cache is kept (downloads are the
// network's, not the build chain's) unless the environment points GOMODCACHE elsewhere.
const coldCaches = opts.cold ? mkdtempSync(join(tmpdir(), 'cosi-chaos-cold-')) : undefined;

const cases: Case[] = [
  {
    name: 'one variant',
    args: ['run', 'scenarios/cosi-86.yaml', '--sidecar', 'v1alpha1-cosi86'],
    targetSeconds: 12,
  },
  {
    name: 'the six releases',
    args: [
      'run',
      'scenarios/cosi-86.yaml',
      // The releases, without the patched builds.
      ...BUILTIN_VARIANTS.flatMap((v) => ['--sidecar', v.name]),
    ],
    targetSeconds: 20,
  },
  { name: 'every variant', args: ['run', 'scenarios/cosi-86.yaml'], targetSeconds: 50 },
  ...(opts.suite ? [{ name: 'scenario suite', args: ['run', 'scenarios'], targetSeconds: 150 }] : []),
  ...(opts.matrix ? [{ name: 'matrix', args: ['matrix'], targetSeconds: 180, targetPeakGiB: 8 }] : []),
  // The 8 GiB target is the matrix's; the sweep's peak is printed, not judged.
  ...(opts.sweep ? [{ name: 'sweep', args: ['sweep', '--pattern', 'both'], targetSeconds: 360 }] : []),
  ...(coldCaches
    ? [
        {
          name: 'scenario suite, cold caches',
          args: ['run', 'scenarios'],
          targetSeconds: 15 * 60,
          env: {
            COSI_CHAOS_CACHE: join(coldCaches, 'cosi-chaos'),
            GOCACHE: join(coldCaches, 'go-build'),
          },
        },
      ]
    : []),
];
const measured: CaseResult[] = [];
try {
  for (const c of cases) {
    process.stderr.write(`bench:verdict: ${c.name} ...\n`);
    measured.push(await runCase(c));
  }
} finally {
  if (coldCaches) rmSync(coldCaches, { recursive: true, force: true });
}
const report = {
  machine: { cpus: cpus().length, model: cpus()[0]?.model ?? 'unknown', node: process.version },
  measuredAt: new Date().toISOString(),
  cases: measured,
};
process.stdout.write(`${renderMarkdown(measured)}\n`);
if (opts.json) writeFileSync(opts.json, `${JSON.stringify(report, null, 2)}\n`);
