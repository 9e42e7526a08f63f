import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { execa } from 'execa';
import { parseDocument } from 'yaml';
import type { RunResults, ScenarioResult } from '../harness/results/run-results.ts';
import { scalePoints } from '../reports/html/scale-curve.ts';
import { renderHtml } from '../reports/html-report.ts';

// `npm run bench:scale`: N claims failing at once (N = 10, 100, 1,000) on every variant, through the real CLI.
// Prints one row per N x variant: attempts the driver counted, attempts the sidecar's log saw, calls lost or
// misattributed, harness and driver memory, driver calls/s, wall time, attempts per claim per minute (the curve
// issue 11 asks for: the v0.1 clients' 5 requests/s stretch retries as N grows). Measures, does not judge: exit 0
// whatever the numbers; non-zero only when a run wrote no results.

const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));
const CLI = join(REPO_ROOT, 'bin', 'cosi-chaos.js');
const TEMPLATE = join(REPO_ROOT, 'scenarios', 'scale', 'scale-10.yaml');

/** One N x variant as the bench prints it. */
interface ScaleRow {
  claims: number;
  variant: string;
  attempts: number;
  witnessed?: number;
  lost: number;
  misattributed: number;
  claimsNeverCalled: number;
  attemptsPerClaim: { min: number; median: number; max: number };
  attemptsPerClaimPerMinute: number;
  harnessPeakRssMiB: number;
  driverPeakRssMiB?: number;
  driverCpuSeconds?: number;
  driverCallsPerSecond: number;
  applySeconds: number;
  wallSeconds: number;
  windowSeconds: number;
  verdict: string;
}

interface RunOfN {
  claims: number;
  command: string;
  exitCode: number;
  wallSeconds: number;
  loadBefore: number[];
  loadAfter: number[];
  results: RunResults;
}

/** The scale-10 scenario with N claims, only the chosen variants, and no attempt budgets (the bench measures). */
function scenarioText(n: number, window: string, only?: string[]): string {
  const doc = parseDocument(readFileSync(TEMPLATE, 'utf8'));
  doc.setIn(['metadata', 'name'], `scale-${n}`);
  doc.setIn(['spec', 'window'], window);
  doc.setIn(['spec', 'scale', 'claims'], n);
  doc.setIn(['spec', 'bucketClass', 'name'], `scale-${n}`);
  doc.setIn(['spec', 'bucketClaim', 'name'], `scale-${n}-claim`);
  const variants = (
    doc.toJS() as { spec: { variants: { sidecar: string; expect: Record<string, unknown> }[] } }
  ).spec.variants;
  doc.setIn(
    ['spec', 'variants'],
    variants
      .filter((v) => !only || only.includes(v.sidecar))
      .map((v) => ({ sidecar: v.sidecar, expect: { outcome: v.expect.outcome } })),
  );
  return doc.toString();
}

async function runN(n: number, window: string, only: string[] | undefined, keep?: string): Promise<RunOfN> {
  const work = mkdtempSync(join(tmpdir(), `cosi-chaos-scale-${n}-`));
  const file = join(work, `scale-${n}.yaml`);
  writeFileSync(file, scenarioText(n, window, only));
  const out = keep ? join(keep, `scale-${n}`) : join(work, 'out');
  const args = ['run', file, '--out', out];
  const loadBefore = loadavg();
  const started = performance.now();
  const res = await execa(process.execPath, [CLI, ...args], { cwd: REPO_ROOT, reject: false, all: true });
  const wallSeconds = (performance.now() - started) / 1000;
  const loadAfter = loadavg();
  let results: RunResults;
  try {
    results = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as RunResults;
  } catch {
    throw new Error(`cosi-chaos ${args.join(' ')} wrote no results (exit ${res.exitCode}):\n${res.all}`);
  } finally {
    if (!keep) rmSync(work, { recursive: true, force: true });
  }
  return {
    claims: n,
    command: `cosi-chaos ${args.join(' ')}`,
    exitCode: res.exitCode ?? -1,
    wallSeconds,
    loadBefore,
    loadAfter,
    results,
  };
}

const MiB = 1024 * 1024;

function rowsOf(run: RunOfN): ScaleRow[] {
  return run.results.scenarios.flatMap((r: ScenarioResult) => {
    const s = r.scale;
    if (!s) return [];
    return [
      {
        claims: s.claims,
        variant: r.variant,
        attempts: s.attempts,
        ...(s.witness ? { witnessed: s.witness.witnessed } : {}),
        lost: s.lost,
        misattributed: s.misattributed,
        claimsNeverCalled: s.claimsNeverCalled,
        attemptsPerClaim: s.attemptsPerClaim,
        attemptsPerClaimPerMinute: s.attemptsPerClaimPerMinute,
        harnessPeakRssMiB: s.resources.harnessPeakRssBytes / MiB,
        ...(s.resources.driverPeakRssBytes !== undefined
          ? { driverPeakRssMiB: s.resources.driverPeakRssBytes / MiB }
          : {}),
        ...(s.resources.driverCpuSeconds !== undefined
          ? { driverCpuSeconds: s.resources.driverCpuSeconds }
          : {}),
        driverCallsPerSecond: s.driverCallsPerSecond,
        applySeconds: s.applyMs / 1000,
        wallSeconds: run.wallSeconds,
        windowSeconds: r.windowMs / 1000,
        verdict: `${r.verdict} (${r.outcome})`,
      },
    ];
  });
}

function renderTable(rows: ScaleRow[], runs: RunOfN[]): string {
  const lines = [
    '| N | variant | attempts counted | attempts witnessed (sidecar log) | lost | misattributed | never called | attempts/claim min/median/max | attempts/claim/min | harness peak RSS MiB | driver peak RSS MiB | driver CPU s | driver calls/s | claims created in s | wall s |',
    '|---:|---|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const r of rows)
    lines.push(
      `| ${r.claims} | ${r.variant} | ${r.attempts} | ${r.witnessed ?? '-'} | ${r.lost} | ${r.misattributed} | ${r.claimsNeverCalled} | ${r.attemptsPerClaim.min}/${r.attemptsPerClaim.median}/${r.attemptsPerClaim.max} | ${r.attemptsPerClaimPerMinute.toFixed(2)} | ${r.harnessPeakRssMiB.toFixed(0)} | ${r.driverPeakRssMiB?.toFixed(0) ?? '-'} | ${r.driverCpuSeconds?.toFixed(1) ?? '-'} | ${r.driverCallsPerSecond.toFixed(1)} | ${r.applySeconds.toFixed(0)} | ${r.wallSeconds.toFixed(0)} |`,
    );
  lines.push('', 'Machine load (1-minute load average) before -> after each N:');
  for (const run of runs)
    lines.push(
      `- N = ${run.claims}: ${run.loadBefore[0]?.toFixed(1)} -> ${run.loadAfter[0]?.toFixed(1)} on ${cpus().length} CPUs; exit ${run.exitCode}; \`${run.command}\``,
    );
  return lines.join('\n');
}

const program = new Command('bench:scale')
  .option('--claims <list>', 'comma-separated N values', '10,100,1000')
  .option('--only <variants>', 'comma-separated variants (default: every variant of the scale scenario)')
  .option('--window <duration>', 'observation window of every run', '60s')
  .option('--json <file>', 'write the rows, the curve and the machine as JSON')
  .option('--html <file>', 'write the HTML report of every run merged (the curve under "Scale")')
  .option('--keep <dir>', "keep each run's results and logs under this folder")
  .parse();
const opts = program.opts<{
  claims: string;
  only?: string;
  window: string;
  json?: string;
  html?: string;
  keep?: string;
}>();
const ns = opts.claims.split(',').map((s) => Number(s.trim()));
if (ns.some((n) => !Number.isInteger(n) || n < 1 || n > 5000)) {
  process.stderr.write(`bench:scale: --claims ${opts.claims}: each N must be an integer from 1 to 5000\n`);
  process.exit(2);
}
const only = opts.only?.split(',').map((s) => s.trim());
if (opts.keep) mkdirSync(opts.keep, { recursive: true });
const runs: RunOfN[] = [];
for (const n of ns) {
  process.stderr.write(`bench:scale: N = ${n} ...\n`);
  runs.push(await runN(n, opts.window, only, opts.keep));
}
const rows = runs.flatMap(rowsOf);
const merged: RunResults | undefined = runs[0]
  ? {
      ...runs[0].results,
      scenarios: runs.flatMap((r) => r.results.scenarios),
      finishedAt: runs.at(-1)?.results.finishedAt ?? runs[0].results.finishedAt,
    }
  : undefined;
process.stdout.write(`${renderTable(rows, runs)}\n`);
if (opts.json)
  writeFileSync(
    opts.json,
    `${JSON.stringify(
      {
        machine: { cpus: cpus().length, model: cpus()[0]?.model ?? 'unknown', node: process.version },
        measuredAt: new Date().toISOString(),
        window: opts.window,
        runs: runs.map((r) => ({
          claims: r.claims,
          command: r.command,
          exitCode: r.exitCode,
          wallSeconds: r.wallSeconds,
          loadBefore: r.loadBefore,
          loadAfter: r.loadAfter,
        })),
        rows,
        curve: merged ? scalePoints(merged.scenarios) : [],
      },
      null,
      2,
    )}\n`,
  );
if (opts.html && merged) writeFileSync(opts.html, renderHtml(merged));
