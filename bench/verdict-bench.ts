import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { execa } from 'execa';
import type { RunResults } from '../harness/results/run-results.ts';

// `npm run bench:verdict`: how long COSI-86 takes from command to exit on the real builds (warm caches), each phase
// per variant, against the targets of issue 12. Prints a Markdown table, writes JSON (--json FILE) so a regression
// points at its phase. Exits 0 whatever the numbers; non-zero only when a run itself fails.

const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));
const CLI = join(REPO_ROOT, 'bin', 'cosi-chaos.js');

/** The phases a run records, in order (harness/runner/phase-clock.ts). */
const PHASES = [
  'binaries resolved',
  'etcd ready',
  'kube-apiserver ready',
  'CRDs established',
  'controller and sidecars ready',
  'applied',
  'first attempt',
  'verdict',
];

interface Case {
  name: string;
  args: string[];
  targetSeconds: number;
}

interface CaseResult {
  name: string;
  command: string;
  targetSeconds: number;
  wallSeconds: number;
  exitCode: number;
  met: boolean;
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
  const started = performance.now();
  const res = await execa(process.execPath, [CLI, ...args], { cwd: REPO_ROOT, reject: false, all: true });
  const wallSeconds = (performance.now() - started) / 1000;
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
    met: wallSeconds <= c.targetSeconds,
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

function seconds(ms: number | undefined): string {
  return ms === undefined ? '-' : (ms / 1000).toFixed(1);
}

function renderMarkdown(results: CaseResult[]): string {
  const lines: string[] = [];
  for (const r of results) {
    lines.push(
      `### ${r.name}: ${r.wallSeconds.toFixed(1)} s command to exit (target <= ${r.targetSeconds} s: ${r.met ? 'MET' : 'MISSED'}), exit ${r.exitCode}`,
      '',
      `\`${r.command}\`; phases in seconds since the harness process started`,
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
  .option('--matrix', 'also time `cosi-chaos matrix` (4 variants x 16 codes x 4 RPCs x 2 patterns; minutes)')
  .option('--json <file>', 'write the measurements as JSON')
  .parse();
const opts = program.opts<{ matrix?: boolean; json?: string }>();

const cases: Case[] = [
  {
    name: 'one variant',
    args: ['run', 'scenarios/cosi-86.yaml', '--sidecar', 'v1alpha1-cosi86'],
    targetSeconds: 12,
  },
  { name: 'every variant', args: ['run', 'scenarios/cosi-86.yaml'], targetSeconds: 20 },
  ...(opts.matrix ? [{ name: 'matrix', args: ['matrix'], targetSeconds: 150 }] : []),
];
const measured: CaseResult[] = [];
for (const c of cases) {
  process.stderr.write(`bench:verdict: ${c.name} ...\n`);
  measured.push(await runCase(c));
}
const report = {
  machine: { cpus: cpus().length, model: cpus()[0]?.model ?? 'unknown', node: process.version },
  measuredAt: new Date().toISOString(),
  cases: measured,
};
process.stdout.write(`${renderMarkdown(measured)}\n`);
if (opts.json) writeFileSync(opts.json, `${JSON.stringify(report, null, 2)}\n`);
