import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, InvalidArgumentError } from 'commander';
import { type BenchRow, checkTargets, renderMarkdown } from './bench-report.ts';
import { benchRuleFile } from './bench-rules.ts';
import { type RunningBenchServer, startBenchServer } from './bench-server.ts';
import { buildGoServer } from './go-server-build.ts';
import { DEFAULT_LOAD_OPTIONS, type LoadOptions, runCreateBucketLoad } from './load-generator.ts';

// `npm run bench`: DriverCreateBucket throughput and latency of the mock driver (0, 100, 1,000 rules) against a
// minimal Go driver built on upstream's generated package. Prints a Markdown table (or JSON with --json) and
// PASS/MISS per target; exits 0 whatever the numbers, non-zero only when the bench itself cannot run.

const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));

interface Scenario {
  target: BenchRow['target'];
  ruleCount?: number;
  lastRuleMatches: boolean;
}

const SCENARIOS: Scenario[] = [
  { target: 'go', lastRuleMatches: false },
  { target: 'mock-driver', ruleCount: 0, lastRuleMatches: false },
  { target: 'mock-driver', ruleCount: 100, lastRuleMatches: false },
  { target: 'mock-driver', ruleCount: 1_000, lastRuleMatches: false },
  { target: 'mock-driver', ruleCount: 1_000, lastRuleMatches: true },
];

interface BenchFlags {
  duration: number;
  warmup: number;
  concurrency: number;
  json?: boolean;
  cpuProf?: boolean;
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
  index: number,
  workDir: string,
  goBinary: string,
  cpuProfDir: string | undefined,
): Promise<RunningBenchServer> {
  const socketPath = join(workDir, `s${index}.sock`);
  const logFile = join(workDir, `s${index}-${scenario.target}.log`);
  if (scenario.target === 'go') {
    return startBenchServer({
      label: 'Go server',
      command: goBinary,
      args: ['-socket', socketPath, '-name', 'bench', '-exit-on-stdin-eof'],
      socketPath,
      logFile,
    });
  }
  const rulesFile = join(workDir, `s${index}-rules.yaml`);
  writeFileSync(rulesFile, benchRuleFile(scenario.ruleCount ?? 0, scenario.lastRuleMatches));
  // One directory per scenario: node writes a profile per thread (main, and tsx's loader thread).
  const profile = cpuProfDir
    ? ['--cpu-prof', '--cpu-prof-dir', join(cpuProfDir, `s${index}-${scenario.ruleCount}-rules`)]
    : [];
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
    ],
    cwd: REPO_ROOT,
    socketPath,
    logFile,
  });
}

async function main(argv: string[]): Promise<number> {
  const command = new Command('npm run bench --')
    .description('DriverCreateBucket throughput: mock driver (0/100/1,000 rules) vs a Go COSI server')
    .option('--duration <seconds>', 'measured seconds per scenario', positiveNumber, 5)
    .option('--warmup <seconds>', 'unmeasured warm-up seconds per scenario', positiveNumber, 1)
    .option('--concurrency <n>', 'calls in flight', positiveInteger, DEFAULT_LOAD_OPTIONS.concurrency)
    .option('--json', 'print the results as JSON instead of Markdown')
    .option('--cpu-prof', 'write a V8 CPU profile of each mock driver run (path printed at the end)')
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
  };

  const workDir = mkdtempSync(join(tmpdir(), 'cosi-chaos-bench-'));
  const cpuProfDir = flags.cpuProf ? join(workDir, 'profiles') : undefined;
  if (cpuProfDir) mkdirSync(cpuProfDir);
  let keepWorkDir = cpuProfDir !== undefined;
  try {
    progress('building the Go server (cached after the first build)');
    const goBinary = await buildGoServer();
    const rows: BenchRow[] = [];
    for (const [index, scenario] of SCENARIOS.entries()) {
      const name = scenario.target === 'go' ? 'Go server' : `mock driver, ${scenario.ruleCount} rules`;
      progress(
        `${name}${scenario.lastRuleMatches ? ' (last matches)' : ''}: ${flags.warmup}s warm-up, ${flags.duration}s measured, ${load.concurrency} in flight`,
      );
      const server = await startScenarioServer(scenario, index, workDir, goBinary, cpuProfDir);
      try {
        const result = await runCreateBucketLoad(server.target, load);
        rows.push({
          target: scenario.target,
          ...(scenario.ruleCount !== undefined ? { ruleCount: scenario.ruleCount } : {}),
          lastRuleMatches: scenario.lastRuleMatches,
          result,
        });
      } finally {
        await server.stop();
      }
    }
    const checks = checkTargets(rows);
    if (flags.json) {
      const machine = { cpus: cpus().length, node: process.version, platform: process.platform };
      process.stdout.write(`${JSON.stringify({ machine, load, rows, checks }, null, 2)}\n`);
    } else {
      process.stdout.write(renderMarkdown(rows, checks));
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
