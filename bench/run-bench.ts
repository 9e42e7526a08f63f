import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, InvalidArgumentError } from 'commander';
import { type BenchRow, checkTargets, renderMarkdown, renderSelectionMarkdown } from './bench-report.ts';
import { type BenchRuleShape, benchRuleFile } from './bench-rules.ts';
import { type RunningBenchServer, startBenchServer } from './bench-server.ts';
import { buildGoServer } from './go-server-build.ts';
import { measureInterposerOverhead, renderInterposerMarkdown } from './interposer-overhead.ts';
import {
  CreateBucketLoad,
  DEFAULT_LOAD_OPTIONS,
  type LoadOptions,
  type LoadResult,
} from './load-generator.ts';
import { processCpuSeconds } from './process-cpu.ts';
import { measureRuleSelection } from './rule-selection-bench.ts';

// `npm run bench`: DriverCreateBucket throughput and latency of the mock driver (0, 100, 1,000 rules, journal on)
// against a minimal Go driver built on upstream's generated package, all servers up at once and measured in
// turns, per round. Prints a Markdown table (or JSON with --json) with each row's ratio to the Go server and to
// 0 rules, the driver's CPU per call, rule selection alone in-process, and PASS/MISS per target; exits 0
// whatever the numbers, non-zero only when the bench itself cannot run.

const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));

interface Scenario {
  target: BenchRow['target'];
  ruleCount?: number;
  shape?: BenchRuleShape;
  lastRuleMatches: boolean;
}

const SCENARIOS: Scenario[] = [
  { target: 'go', lastRuleMatches: false },
  { target: 'mock-driver', ruleCount: 0, lastRuleMatches: false },
  { target: 'mock-driver', ruleCount: 100, shape: 'bucket-name', lastRuleMatches: false },
  { target: 'mock-driver', ruleCount: 1_000, shape: 'bucket-name', lastRuleMatches: false },
  { target: 'mock-driver', ruleCount: 1_000, shape: 'bucket-name', lastRuleMatches: true },
  { target: 'mock-driver', ruleCount: 1_000, shape: 'scenario-scoped', lastRuleMatches: false },
];

interface BenchFlags {
  duration: number;
  warmup: number;
  concurrency: number;
  slice: number;
  rounds: number;
  journal: boolean;
  json?: boolean;
  cpuProf?: boolean;
  interposerOnly?: boolean;
}

function positiveNumber(value: string): number {
  const parsed = Number(value);
  if (!Number.isFinite(parsed) || parsed <= 0) throw new InvalidArgumentError('expected a positive number');
  return parsed;
}

function positiveInteger(value: string): number {
  const parsed = positiveNumber(value);
  if (!Number.isInteger(parsed)) throw new InvalidArgumentError('expected a positive integer');
  return parsed;
}

const progress = (line: string) => process.stderr.write(`bench: ${line}\n`);

async function startScenarioServer(
  scenario: Scenario,
  run: string,
  workDir: string,
  goBinary: string,
  flags: BenchFlags,
  cpuProfDir: string | undefined,
): Promise<RunningBenchServer> {
  const socketPath = join(workDir, `${run}.sock`);
  const logFile = join(workDir, `${run}-${scenario.target}.log`);
  if (scenario.target === 'go') {
    return startBenchServer({
      label: 'Go server',
      command: goBinary,
      args: ['-socket', socketPath, '-name', 'bench', '-exit-on-stdin-eof'],
      socketPath,
      logFile,
    });
  }
  const rulesFile = join(workDir, `${run}-rules.yaml`);
  writeFileSync(
    rulesFile,
    benchRuleFile(scenario.ruleCount ?? 0, scenario.lastRuleMatches, scenario.shape ?? 'bucket-name'),
  );
  // One directory per run: node writes a profile per thread (main, and tsx's loader thread).
  const profile = cpuProfDir
    ? ['--cpu-prof', '--cpu-prof-dir', join(cpuProfDir, `${run}-${scenario.ruleCount}-rules`)]
    : [];
  // A fresh journal per run, as the harness gives every driver: one synchronous line per call.
  const journal = flags.journal ? ['--journal', join(workDir, `${run}.journal.jsonl`)] : [];
  return startBenchServer({
    label: `mock driver (${scenario.ruleCount} rules)`,
    command: process.execPath,
    args: [
      ...profile,
      '--import',
      'tsx',
      'mock-driver/main.ts',
      '--socket',
      socketPath,
      '--name',
      'bench',
      '--rules',
      rulesFile,
      '--admin',
      '127.0.0.1:0',
      '--exit-on-stdin-eof',
      ...journal,
    ],
    cwd: REPO_ROOT,
    socketPath,
    logFile,
  });
}

// One round: every scenario's server started fresh, warmed up in turn, then measured in turns of sliceMs until
// each has durationMs, so a burst of load from other processes hits every row alike rather than one of them.
async function runRound(
  round: number,
  flags: BenchFlags,
  load: LoadOptions,
  workDir: string,
  goBinary: string,
  cpuProfDir: string | undefined,
): Promise<LoadResult[]> {
  const servers: RunningBenchServer[] = [];
  const loads: CreateBucketLoad[] = [];
  try {
    for (const [index, scenario] of SCENARIOS.entries()) {
      const run = `r${round}-s${index}`;
      const server = await startScenarioServer(scenario, run, workDir, goBinary, flags, cpuProfDir);
      servers.push(server);
      loads.push(new CreateBucketLoad(server.target, load, () => processCpuSeconds(server.pid)));
    }
    progress(
      `round ${round}/${flags.rounds}: ${SCENARIOS.length} servers up; ${flags.warmup}s warm-up each, then ${flags.duration}s measured each in ${load.sliceMs} ms turns, ${load.concurrency} in flight`,
    );
    for (const each of loads) await each.run(load.warmupMs, false);
    const turns = Math.max(1, Math.ceil(load.durationMs / load.sliceMs));
    for (let turn = 0; turn < turns; turn++) {
      // Each turn starts one server later, so none is always measured right after the same neighbour.
      for (let i = 0; i < loads.length; i++) {
        await (loads[(turn + i) % loads.length] as CreateBucketLoad).run(load.durationMs / turns, true);
      }
    }
    return loads.map((each) => each.result());
  } finally {
    for (const each of loads) each.close();
    await Promise.all(servers.map((server) => server.stop()));
  }
}

async function main(argv: string[]): Promise<number> {
  const command = new Command('npm run bench --')
    .description(
      'DriverCreateBucket throughput: mock driver (0/100/1,000 rules, journal on) vs a Go COSI server',
    )
    .option('--duration <seconds>', 'measured seconds per scenario and round', positiveNumber, 5)
    .option('--warmup <seconds>', 'unmeasured warm-up seconds per scenario and round', positiveNumber, 1)
    .option(
      '--slice <ms>',
      'scenarios take turns of this long while measured',
      positiveNumber,
      DEFAULT_LOAD_OPTIONS.sliceMs,
    )
    .option('--concurrency <n>', 'calls in flight', positiveInteger, DEFAULT_LOAD_OPTIONS.concurrency)
    .option(
      '--rounds <n>',
      'repeat everything this many times, with fresh servers; rows show medians and the range',
      positiveInteger,
      1,
    )
    .option('--no-journal', 'run the mock driver without its journal file (on by default, as in the harness)')
    .option('--json', 'print the results as JSON instead of Markdown')
    .option('--cpu-prof', 'write a V8 CPU profile of each mock driver run (path printed at the end)')
    .option('--interposer-only', 'measure only the interposer overhead (skips the throughput rounds)')
    .exitOverride((error) => {
      throw error;
    });
  let flags: BenchFlags;
  try {
    command.parse(argv, { from: 'user' });
    flags = command.opts<BenchFlags>();
  } catch (error) {
    const exitCode = (error as { exitCode?: number }).exitCode;
    return exitCode === 0 ? 0 : 2;
  }
  const load: LoadOptions = {
    ...DEFAULT_LOAD_OPTIONS,
    concurrency: flags.concurrency,
    warmupMs: flags.warmup * 1000,
    durationMs: flags.duration * 1000,
    sliceMs: flags.slice,
  };

  const workDir = mkdtempSync(join(tmpdir(), 'cosi-chaos-bench-'));
  const cpuProfDir = flags.cpuProf ? join(workDir, 'profiles') : undefined;
  if (cpuProfDir) mkdirSync(cpuProfDir);
  let keepWorkDir = cpuProfDir !== undefined;
  try {
    progress('building the Go server (cached after the first build)');
    const goBinary = await buildGoServer();
    const rows: BenchRow[] = SCENARIOS.map((scenario) => ({
      target: scenario.target,
      ...(scenario.ruleCount !== undefined ? { ruleCount: scenario.ruleCount } : {}),
      ...(scenario.shape !== undefined ? { shape: scenario.shape } : {}),
      lastRuleMatches: scenario.lastRuleMatches,
      rounds: [],
    }));
    for (let round = 1; round <= (flags.interposerOnly ? 0 : flags.rounds); round++) {
      const results = await runRound(round, flags, load, workDir, goBinary, cpuProfDir);
      results.forEach((result, index) => {
        (rows[index] as BenchRow).rounds.push(result);
      });
    }
    progress('rule selection alone, in this process');
    const ruleSelection = measureRuleSelection();
    progress('interposer overhead: direct vs through `cosi-chaos driver --upstream`, one call at a time');
    const interposer = await measureInterposerOverhead(goBinary, REPO_ROOT, workDir, load, cpuProfDir);
    const checks = checkTargets(rows);
    if (flags.json) {
      const machine = { cpus: cpus().length, node: process.version, platform: process.platform };
      const run = { rounds: flags.rounds, journal: flags.journal };
      process.stdout.write(
        `${JSON.stringify({ machine, load, run, rows, checks, ruleSelection, interposer }, null, 2)}\n`,
      );
    } else {
      process.stdout.write(
        flags.interposerOnly
          ? renderInterposerMarkdown(interposer)
          : `${renderMarkdown(rows, checks)}\n${renderSelectionMarkdown(ruleSelection)}${renderInterposerMarkdown(interposer)}`,
      );
    }
    if (cpuProfDir) progress(`CPU profiles in ${cpuProfDir} (open in Chrome DevTools > Performance)`);
    return 0;
  } catch (error) {
    keepWorkDir = true;
    process.stderr.write(`bench: ${(error as Error).message}\nbench: logs kept in ${workDir}\n`);
    return 1;
  } finally {
    if (!keepWorkDir) rmSync(workDir, { recursive: true, force: true });
  }
}

process.exitCode = await main(process.argv.slice(2));
