import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { execa } from 'execa';
import { parse } from 'yaml';

// Runs a composite action's steps as a GitHub runner does, on this machine: inputs with their defaults, each
// step's `if:` (success() unless it says otherwise), its env and working-directory with `${{ }}` expressions
// substituted, `run:` through `bash --noprofile --norc -eo pipefail` (the runner's `shell: bash`), GITHUB_OUTPUT
// per step read back as that step's outputs, one GITHUB_STEP_SUMMARY file. `uses:` steps (setup-node, setup-go,
// cache, upload-artifact) are not run here: they are recorded with their evaluated `with:` for the test to check.

interface ActionStep {
  id?: string;
  name?: string;
  if?: string;
  uses?: string;
  run?: string;
  shell?: string;
  env?: Record<string, string>;
  with?: Record<string, string>;
  'working-directory'?: string;
}

interface ActionFile {
  inputs: Record<string, { default?: string }>;
  outputs: Record<string, { value: string }>;
  runs: { using: string; steps: ActionStep[] };
}

/** What one step did: run (exit code, output), skipped by its `if:`, or a `uses:` step not run here. */
export interface StepRecord {
  name: string;
  kind: 'run' | 'uses' | 'skipped';
  exitCode?: number;
  output?: string;
  outputs: Record<string, string>;
  with?: Record<string, string>;
}

export interface ActionRun {
  steps: StepRecord[];
  summary: string;
  outputs: Record<string, string>;
  /** The step that failed the job (the first run step with a non-zero exit), if one did. */
  failedStep?: string;
}

type Context = {
  inputs: Record<string, string>;
  steps: Record<string, { outputs: Record<string, string> }>;
  actionPath: string;
};

function lookup(path: string, ctx: Context): string {
  const parts = path.split('.');
  if (parts[0] === 'inputs' && parts.length === 2) return ctx.inputs[parts[1] as string] ?? '';
  if (parts[0] === 'steps' && parts[2] === 'outputs' && parts.length === 4)
    return ctx.steps[parts[1] as string]?.outputs[parts[3] as string] ?? '';
  if (path === 'github.action_path') return ctx.actionPath;
  if (path === 'runner.os') return 'Linux';
  throw new Error(`expression ${path} is not known to this runner: teach test/action-runner.ts`);
}

// The expression forms action.yml uses: a context path, a 'literal', `a != b`, `a == b`, `x && y`, always().
function evaluate(expr: string, ctx: Context): string | boolean {
  const e = expr.trim();
  if (e === 'always()') return true;
  if (e === 'success()') return true;
  const and = e.split('&&');
  if (and.length > 1) return and.every((part) => evaluate(part, ctx) === true);
  const cmp = e.match(/^(.+?)\s*(!=|==)\s*(.+)$/);
  if (cmp) {
    const a = String(evaluate(cmp[1] as string, ctx));
    const b = String(evaluate(cmp[3] as string, ctx));
    return cmp[2] === '==' ? a === b : a !== b;
  }
  const literal = e.match(/^'(.*)'$/);
  if (literal) return literal[1] as string;
  return lookup(e, ctx);
}

function substitute(text: string, ctx: Context): string {
  return text.replace(/\$\{\{(.+?)\}\}/g, (_, expr: string) => String(evaluate(expr, ctx)));
}

function condition(step: ActionStep, ctx: Context, failed: boolean): boolean {
  if (step.if === undefined) return !failed;
  const expr = step.if.replace(/^\$\{\{(.*)\}\}$/s, '$1');
  const always = /always\(\)/.test(expr);
  if (failed && !always) return false;
  return evaluate(expr, ctx) === true;
}

function parseOutputs(text: string): Record<string, string> {
  const outputs: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0) outputs[line.slice(0, eq)] = line.slice(eq + 1);
  }
  return outputs;
}

/**
 * Runs `actionFile`'s steps with `inputs` (others at their defaults), `actionPath` as github.action_path and
 * `workspace` as the working directory. `env` is the runner's environment (PATH, HOME ...).
 */
export async function runCompositeAction(opts: {
  actionFile: string;
  actionPath: string;
  workspace: string;
  inputs: Record<string, string>;
  env: Record<string, string>;
}): Promise<ActionRun> {
  const action = parse(await readFile(opts.actionFile, 'utf8')) as ActionFile;
  if (action.runs.using !== 'composite') throw new Error('not a composite action');
  const inputs: Record<string, string> = {};
  for (const [name, spec] of Object.entries(action.inputs)) inputs[name] = spec.default ?? '';
  for (const [name, value] of Object.entries(opts.inputs)) {
    if (!(name in action.inputs)) throw new Error(`the action has no input ${name}`);
    inputs[name] = value;
  }
  const ctx: Context = { inputs, steps: {}, actionPath: opts.actionPath };
  const temp = await mkdtemp(join(tmpdir(), 'cosi-chaos-runner-'));
  const summaryFile = join(temp, 'step-summary.md');
  await writeFile(summaryFile, '');
  const steps: StepRecord[] = [];
  let failedStep: string | undefined;
  try {
    for (const [i, step] of action.runs.steps.entries()) {
      const name = step.name ?? step.uses ?? `step ${i + 1}`;
      if (!condition(step, ctx, failedStep !== undefined)) {
        steps.push({ name, kind: 'skipped', outputs: {} });
        continue;
      }
      if (step.uses) {
        const evaluated = Object.fromEntries(
          Object.entries(step.with ?? {}).map(([k, v]) => [k, substitute(String(v), ctx)]),
        );
        steps.push({ name, kind: 'uses', outputs: {}, with: evaluated });
        continue;
      }
      if (step.shell !== 'bash') throw new Error(`${name}: only shell: bash is run here`);
      const outputFile = join(temp, `output-${i}`);
      const script = join(temp, `step-${i}.sh`);
      await writeFile(outputFile, '');
      await writeFile(script, step.run ?? '');
      const env = Object.fromEntries(
        Object.entries(step.env ?? {}).map(([k, v]) => [k, substitute(String(v), ctx)]),
      );
      const wd = step['working-directory'] ? substitute(step['working-directory'], ctx) : '.';
      const r = await execa('bash', ['--noprofile', '--norc', '-eo', 'pipefail', script], {
        cwd: isAbsolute(wd) ? wd : join(opts.workspace, wd),
        env: {
          ...opts.env,
          ...env,
          GITHUB_OUTPUT: outputFile,
          GITHUB_STEP_SUMMARY: summaryFile,
          GITHUB_ACTION_PATH: opts.actionPath,
          GITHUB_WORKSPACE: opts.workspace,
          RUNNER_OS: 'Linux',
          CI: 'true',
        },
        extendEnv: false,
        all: true,
        reject: false,
      });
      const outputs = parseOutputs(await readFile(outputFile, 'utf8'));
      if (step.id) ctx.steps[step.id] = { outputs };
      steps.push({ name, kind: 'run', exitCode: r.exitCode, output: String(r.all ?? ''), outputs });
      if (r.exitCode !== 0 && failedStep === undefined) failedStep = name;
    }
    const outputs = Object.fromEntries(
      Object.entries(action.outputs).map(([k, v]) => [k, substitute(v.value, ctx)]),
    );
    return { steps, summary: await readFile(summaryFile, 'utf8'), outputs, failedStep };
  } finally {
    await rm(temp, { recursive: true, force: true });
  }
}
