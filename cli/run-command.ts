import { join, resolve } from 'node:path';
import type { RunProgress, Scenario } from '../harness/index.ts';
import {
  BUILTIN_VARIANTS,
  discoverScenarioFiles,
  eraDefaults,
  isExecutable,
  loadScenarios,
  parseDuration,
  type SidecarVariant,
  selectVariants,
} from '../harness/index.ts';
import { type BackendFlags, backendFromFlags } from './backend-option.ts';
import { EXIT, UsageError } from './exit-codes.ts';
import { renderResultTable } from './result-table.ts';
import { executeSuite } from './run-lifecycle.ts';

export interface RunFlags extends BackendFlags {
  sidecar?: string;
  era?: string;
  window?: string;
  full?: boolean;
  out: string;
  strict?: boolean;
}

/** Turns --sidecar into the variants to run; a path becomes a variant named "custom". */
export function variantsFromFlag(flag: string | undefined, era: string | undefined): SidecarVariant[] {
  if (era !== undefined && era !== 'v1alpha1' && era !== 'v1alpha2') {
    throw new UsageError(`--era must be v1alpha1 or v1alpha2, not "${era}"`);
  }
  if (!flag) return BUILTIN_VARIANTS;
  const selected = selectVariants(flag);
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
  const names = [...new Set(BUILTIN_VARIANTS.flatMap((v) => [v.era, v.name]))].join(', ');
  throw new UsageError(`--sidecar "${flag}" is not one of ${names}, nor a path to a sidecar binary`);
}

/** A user binary runs every scenario with the expectations of that scenario's first variant of its era. */
function withCustomVariant(scenarios: Scenario[], custom: SidecarVariant): Scenario[] {
  return scenarios.map((s) => {
    const template = s.variants.find(
      (v) => BUILTIN_VARIANTS.find((b) => b.name === v.sidecar)?.era === custom.era,
    );
    return template ? { ...s, variants: [...s.variants, { ...template, sidecar: custom.name }] } : s;
  });
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
  let variants = variantsFromFlag(flags.sidecar, flags.era);
  const files = await discoverScenarioFiles(paths.length ? paths : ['scenarios']);
  if (!files.length) throw new UsageError(`no scenario files (*.yaml) in ${paths.join(', ') || 'scenarios'}`);
  // Every problem of every file at once (InvalidScenariosError, exit 2), before anything is started.
  const loaded = await loadScenarios(files);
  let scenarios = loaded.scenarios;
  const { loadErrors } = loaded;
  const custom = variants.find((v) => v.name === 'custom');
  if (custom) scenarios = withCustomVariant(scenarios, custom);
  variants = variants.filter((v) => scenarios.some((s) => s.variants.some((sv) => sv.sidecar === v.name)));
  if (!variants.length)
    throw new UsageError(`no scenario lists a variant selected by --sidecar ${flags.sidecar}`);

  const outDir = resolve(flags.out);
  const run = await executeSuite(log, {
    scenarios,
    loadErrors,
    variants,
    windowMs,
    full: flags.full === true,
    outDir,
    progress,
    ...backend.suite,
    backend: backend.backend,
  });
  const { results, resultsFile } = run;
  log(renderResultTable(results));
  log(
    `\nresults: ${resultsFile} (+ .md, .junit.xml, .html; logs in ${join(outDir, 'logs')}); ` +
      `${run.seconds.toFixed(1)} s from start to verdict`,
  );
  if (run.interrupted) return EXIT.interrupted;
  // Nothing checked is not a pass: a run whose every variant was unavailable fails too.
  const nothingChecked = results.scenarios.every((r) => r.verdict === 'skipped');
  if (nothingChecked) log('no expectation could be checked: every selected variant was unavailable');
  const failed =
    nothingChecked ||
    results.scenarios.some((r) => r.verdict === 'fail' || (flags.strict && r.verdict === 'skipped'));
  return failed ? EXIT.expectationFailed : EXIT.ok;
}
