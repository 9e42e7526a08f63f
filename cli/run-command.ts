import { join, resolve } from 'node:path';
import type { LoadError, RunProgress, Scenario, StackState } from '../harness/index.ts';
import {
  attachRun,
  type DriverSelection,
  discoverScenarioFiles,
  driverFromFlag,
  eraDefaults,
  isExecutable,
  loadScenarios,
  notAttachable,
  parseDuration,
  parseTimeScale,
  RUN_VARIANTS,
  readStackState,
  type SidecarVariant,
  selectVariants,
  userPatchVariant,
  withTimeScale,
} from '../harness/index.ts';
import { runTimingLine } from '../reports/index.ts';
import { type BackendFlags, backendFromFlags } from './backend-option.ts';
import { EXIT, UsageError } from './exit-codes.ts';
import { planesFlag } from './planes-flag.ts';
import { renderResultTable } from './result-table.ts';
import { executeSuite, type SuiteOutcome } from './run-lifecycle.ts';
import { DEFAULT_STACK_DIR } from './stack-dir.ts';

export interface RunFlags extends BackendFlags {
  /** Repeatable: each an era, a variant name or a path; none means every variant a scenario lists. */
  sidecar?: string[];
  era?: string;
  /** NAME=FILE[@BASE]: a user's patch on a pinned build (repeatable). */
  patch?: string[];
  window?: string;
  /** Divisor of a patch's bounded-retry waits (tiered-fix); 1 = real time. */
  timeScale?: string;
  full?: boolean;
  out: string;
  strict?: boolean;
  /** Run inside the stack `cosi-chaos up` keeps in this folder (true: the default folder). */
  attach?: string | boolean;
  /** Overrides every scenario's spec.driver: mock, sample, unix:///path, HOST:PORT or a driver binary. */
  driver?: string;
  /** local: the most control planes at once (reused between groups). */
  planes?: string;
}

/** Turns --sidecar into the variants to run; a path becomes a variant named "custom". */
export function variantsFromFlag(flag: string | undefined, era: string | undefined): SidecarVariant[] {
  if (era !== undefined && era !== 'v1alpha1' && era !== 'v1alpha2') {
    throw new UsageError(`--era must be v1alpha1 or v1alpha2, not "${era}"`);
  }
  // Only the variants a scenario lists are started: the patched builds join when one names them.
  if (!flag) return RUN_VARIANTS;
  const selected = selectVariants(flag, RUN_VARIANTS);
  if (selected.length) return selected;
  if (flag.includes('/') || flag.startsWith('.')) {
    if (!isExecutable(flag)) throw new UsageError(`--sidecar ${flag}: not an executable file`);
    const chosen = (era as 'v1alpha1' | 'v1alpha2' | undefined) ?? 'v1alpha1';
    return [
      {
        name: 'custom',
        era: chosen,
        description: `user binary ${resolve(flag)}`,
        ...eraDefaults(chosen),
        binaryPath: resolve(flag),
      },
    ];
  }
  const names = [...new Set(RUN_VARIANTS.flatMap((v) => [v.era, v.name]))].join(', ');
  throw new UsageError(`--sidecar "${flag}" is not one of ${names}, nor a path to a sidecar binary`);
}

/**
 * Every --sidecar given, in order, each variant once: `--sidecar a --sidecar b` runs both. Only one may be a path
 * (its variant is named "custom").
 */
export function variantsFromFlags(flags: readonly string[], era: string | undefined): SidecarVariant[] {
  if (!flags.length) return variantsFromFlag(undefined, era);
  const chosen: SidecarVariant[] = [];
  for (const f of flags)
    for (const v of variantsFromFlag(f, era)) {
      if (v.binaryPath && chosen.some((c) => c.binaryPath && c.binaryPath !== v.binaryPath))
        throw new UsageError(`--sidecar ${f}: only one sidecar binary per run (it runs as "custom")`);
      if (!chosen.some((c) => c.name === v.name)) chosen.push(v);
    }
  return chosen;
}

/**
 * A user binary or patch runs every scenario with the expectations of that scenario's variant for its base
 * build, else its first variant of the same era.
 */
function withUserVariant(scenarios: Scenario[], user: SidecarVariant, baseName?: string): Scenario[] {
  return scenarios.map((s) => {
    const template =
      s.variants.find((v) => v.sidecar === baseName) ??
      s.variants.find((v) => RUN_VARIANTS.find((b) => b.name === v.sidecar)?.era === user.era);
    return template ? { ...s, variants: [...s.variants, { ...template, sidecar: user.name }] } : s;
  });
}

/** `--driver` puts every scenario in front of that driver; variants it cannot serve are reported unavailable. */
function withDriver(scenarios: Scenario[], flag: string): Scenario[] {
  const driver = driverFromFlag(flag);
  if (typeof driver === 'string') throw new UsageError(driver);
  return scenarios.map((s) => {
    const { driver: _, ...rest } = s;
    return driver.kind === 'mock' ? rest : { ...rest, driver: driver as DriverSelection };
  });
}

/** `--patch NAME=FILE[@BASE]` flags as variants, with the base each one's expectations are copied from. */
function patchVariants(specs: string[]): { variant: SidecarVariant; base: string }[] {
  const out: { variant: SidecarVariant; base: string }[] = [];
  for (const spec of specs) {
    const v = userPatchVariant(spec);
    if (typeof v === 'string') throw new UsageError(v);
    if (out.some((o) => o.variant.name === v.name)) throw new UsageError(`--patch names ${v.name} twice`);
    const at = spec.slice(spec.indexOf('=') + 1).lastIndexOf('@');
    out.push({ variant: v, base: at > 0 ? spec.slice(spec.indexOf('=') + 1 + at + 1) : 'v1alpha1-cosi86' });
  }
  return out;
}

/** `cosi-chaos run`: exit 0 when every expectation holds, 1 when one does not, 2 on bad input. */
export async function runCommand(
  paths: string[],
  flags: RunFlags,
  log: (line: string) => void,
  progress: RunProgress,
): Promise<number> {
  const windowMs = flags.window === undefined ? undefined : parseDuration(flags.window);
  if (flags.window !== undefined && (windowMs === undefined || windowMs <= 0)) {
    throw new UsageError(`--window "${flags.window}" is not a duration like 60s, 90000ms or 2m`);
  }
  const backend = backendFromFlags(flags);
  const planes = planesFlag(flags.planes);
  if (planes !== undefined && (backend.backend !== 'local' || flags.attach))
    throw new UsageError(
      `--planes sizes the local control plane pool: drop it with ${flags.attach ? '--attach' : `--backend ${backend.backend}`}`,
    );
  const patches = patchVariants(flags.patch ?? []);
  // --patch alone runs only the patched builds; with --sidecar, beside the selected ones.
  const sidecars = flags.sidecar ?? [];
  const timeScale = parseTimeScale(flags.timeScale);
  if (typeof timeScale === 'string') throw new UsageError(timeScale);
  let variants = withTimeScale(
    patches.length && !sidecars.length ? [] : variantsFromFlags(sidecars, flags.era),
    timeScale,
  );
  const files = await discoverScenarioFiles(paths.length ? paths : ['scenarios']);
  if (!files.length) throw new UsageError(`no scenario files (*.yaml) in ${paths.join(', ') || 'scenarios'}`);
  // Every problem of every file at once (InvalidScenariosError, exit 2), before anything is started.
  const loaded = await loadScenarios(files);
  let scenarios = loaded.scenarios;
  const { loadErrors } = loaded;
  const custom = variants.find((v) => v.name === 'custom');
  if (custom) scenarios = withUserVariant(scenarios, custom);
  for (const p of patches) scenarios = withUserVariant(scenarios, p.variant, p.base);
  variants = [...variants, ...patches.map((p) => p.variant)];
  if (flags.driver !== undefined) scenarios = withDriver(scenarios, flags.driver);
  variants = variants.filter((v) => scenarios.some((s) => s.variants.some((sv) => sv.sidecar === v.name)));
  if (!variants.length)
    throw new UsageError(
      `no scenario lists a variant selected by ${[...sidecars.map((f) => `--sidecar ${f}`), ...(flags.patch ?? []).map((f) => `--patch ${f}`)].join(' ')}`,
    );

  const outDir = resolve(flags.out);
  if (flags.attach !== undefined && flags.attach !== false) {
    if (flags.backend && flags.backend !== 'local')
      throw new UsageError(
        `--attach runs in the stack of \`cosi-chaos up\`: drop --backend ${flags.backend}`,
      );
    const dir = typeof flags.attach === 'string' ? flags.attach : DEFAULT_STACK_DIR;
    return attachedRun(await readStackState(dir), scenarios, variants, loadErrors, {
      windowMs,
      full: flags.full === true,
      outDir,
      strict: flags.strict === true,
      log,
      progress,
    });
  }
  const run = await executeSuite(log, {
    scenarios,
    loadErrors,
    variants,
    windowMs,
    full: flags.full === true,
    outDir,
    progress,
    ...(planes ? { planes } : {}),
    ...backend.suite,
    backend: backend.backend,
  });
  return concludeRun(run, outDir, flags.strict === true, log);
}

/** Prints the table and where the reports are; the exit code from the verdicts. */
function concludeRun(
  run: SuiteOutcome,
  outDir: string,
  strict: boolean,
  log: (line: string) => void,
): number {
  const { results, resultsFile } = run;
  log(renderResultTable(results));
  log(
    `\nresults: ${resultsFile} (+ .md, .junit.xml, .html; logs in ${join(outDir, 'logs')}); ` +
      `${run.seconds.toFixed(1)} s from start to verdict`,
  );
  if (results.timing) log(runTimingLine(results.timing));
  if (run.interrupted) return EXIT.interrupted;
  // Nothing checked is not a pass: a run whose every variant was unavailable fails too.
  const nothingChecked = results.scenarios.every((r) => r.verdict === 'skipped');
  if (nothingChecked) log('no expectation could be checked: every selected variant was unavailable');
  const failed =
    nothingChecked ||
    results.scenarios.some((r) => r.verdict === 'fail' || (strict && r.verdict === 'skipped'));
  return failed ? EXIT.expectationFailed : EXIT.ok;
}

/**
 * `run --attach`: the same suite, results and verdicts, inside a running stack: no control plane is started; the
 * run's rules and objects are its own (attachRun) and are removed when it ends, whatever way it ends.
 */
async function attachedRun(
  state: StackState,
  scenarios: Scenario[],
  selected: SidecarVariant[],
  loadErrors: LoadError[],
  o: {
    windowMs?: number;
    full: boolean;
    outDir: string;
    strict: boolean;
    log: (line: string) => void;
    progress: RunProgress;
  },
): Promise<number> {
  const problems = scenarios.flatMap((s) => {
    const why = notAttachable(s, state);
    return why ? [`${s.file}: ${s.name}: ${why}; run it without --attach`] : [];
  });
  if (problems.length) throw new UsageError(problems.join('\n'));
  const running = new Set(state.planes.flatMap((p) => p.variants.map((v) => v.name)));
  const variants = selected.filter((v) => running.has(v.name));
  const missing = selected.filter((v) => !running.has(v.name)).map((v) => v.name);
  if (!variants.length)
    throw new UsageError(`the stack in ${state.dir} runs none of ${missing.join(', ')}: start it with those`);
  if (missing.length) o.log(`not in the stack, not run: ${missing.join(', ')}`);
  const attached = await attachRun(state, scenarios, variants);
  let run: SuiteOutcome;
  try {
    run = await executeSuite(o.log, {
      scenarios: attached.scenarios,
      loadErrors,
      variants,
      windowMs: o.windowMs,
      full: o.full,
      outDir: o.outDir,
      progress: o.progress,
      environmentKey: attached.environmentKey,
      startEnvironment: attached.startEnvironment,
      restoreNames: attached.restoreNames,
    });
  } finally {
    const forced = await attached.finish();
    if (forced.length) o.log(`cleared (finalizers removed): ${forced.join(', ')}`);
  }
  return concludeRun(run, o.outDir, o.strict, o.log);
}
