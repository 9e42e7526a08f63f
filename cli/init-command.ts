import { constants } from 'node:fs';
import { access, mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { parseScenarios } from '../harness/index.ts';
import { EXIT, UsageError } from './exit-codes.ts';
import { TOOL_VERSION } from './run-lifecycle.ts';

/** The files `init` copies, with {{placeholders}} (templates/init/ beside cli/, inside the package too). */
export const INIT_TEMPLATE_DIR = fileURLToPath(new URL('../templates/init/', import.meta.url));

/** Flags of `cosi-chaos init`. */
export interface InitFlags {
  /** A driver binary (path) or a running driver's socket (unix:///path or HOST:PORT); default the mock driver. */
  driver?: string;
  /** Folder for the scenarios and the README, relative to `cwd`; default `cosi-chaos`. */
  dir: string;
}

/** What `init` did with each file: written, or left because it was there already. */
export interface InitOutcome {
  written: string[];
  left: string[];
}

// unix:///abs/path or HOST:PORT, as spec.driver.socket and `run --driver` take it.
const SOCKET_ADDRESS = /^(unix:\/\/\/\S+|(\[[^\]]+\]|[^:\s/]+):\d{1,5})$/;

/** How the scaffolded scenarios name the driver, as the YAML flow value after `driver:`, and in words. */
interface DriverChoice {
  yaml: string;
  text: string;
  binary?: string;
  /** What the workflow's `conform` step checks (the user's driver, as given); none for the mock driver. */
  conform?: string;
}

async function driverChoice(
  driver: string | undefined,
  cwd: string,
  scenarioDir: string,
): Promise<DriverChoice> {
  if (driver === undefined || driver === 'mock')
    return {
      yaml: 'mock   # your driver: { binary: ./path/to/driver } or { socket: unix:///run/driver.sock }',
      text: 'the mock driver (change `driver:` in each scenario, or pass `--driver` to run)',
    };
  if (SOCKET_ADDRESS.test(driver))
    return {
      yaml: stringify({ socket: driver }, { flow: true }).trim(),
      text: `the driver already listening on \`${driver}\``,
      conform: driver,
    };
  const absolute = resolve(cwd, driver);
  const executable = await access(absolute, constants.X_OK).then(
    () => true,
    () => false,
  );
  if (!executable)
    throw new UsageError(
      `--driver ${driver}: not an executable file (give the driver binary, unix:///path/to/driver.sock or HOST:PORT)`,
    );
  // Relative to the scenario file, as spec.driver.binary is read; a path the user gave absolute stays absolute.
  const path = isAbsolute(driver) ? absolute : relative(scenarioDir, absolute);
  return {
    yaml: stringify(
      { binary: path.startsWith('.') || isAbsolute(path) ? path : `./${path}` },
      { flow: true },
    ).trim(),
    text: `the binary \`${driver}\`, started per sidecar with COSI_ENDPOINT=unix://SOCKET`,
    binary: driver,
    conform: driver,
  };
}

const CONFORM_OUT = 'cosi-chaos-results/conform';

/**
 * What the scaffold says about `conform` for the user's own driver (none for the mock driver): the workflow step,
 * its report in the job summary, and the README's command. The driver half of COSI-86 (which codes it answers),
 * checked without a cluster; the step runs even when the scenarios failed, so one summary shows both halves.
 */
function conformParts(target: string | undefined, cosiChaos: string): Record<string, string> {
  if (target === undefined) return { conformStep: '', conformReport: '', conformReadme: '' };
  const command = (prefix: string) => `${prefix} conform --driver ${target} --out ${CONFORM_OUT}`;
  const lines = (l: string[]) => l.join('\n');
  return {
    conformStep: lines([
      '      # COSI conformance of your driver (like csi-sanity for CSI): one case per rule of the COSI spec, straight',
      '      # over gRPC, no cluster; exit 1 when a MUST case fails. A driver that needs BucketClass parameters (a',
      "      # Secret's name, a region) gets them with --parameters k=v (see `cosi-chaos conform --help`).",
      '      - name: COSI conformance',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a GitHub Actions expression, not a template
      '        if: ${{ !cancelled() }}',
      `        run: ${command(cosiChaos)}`,
      '',
    ]),
    conformReport: ` ${CONFORM_OUT}/conform-results.md`,
    conformReadme: lines([
      '',
      'The workflow also checks which codes the driver answers (the driver half of COSI-86), over gRPC without a',
      'cluster, one case per rule of the COSI spec:',
      '',
      '```sh',
      command('npx cosi-chaos'),
      '```',
      '',
    ]),
  };
}

function fill(template: string, values: Record<string, string>): string {
  return template.replace(/\{\{(\w+)\}\}/g, (whole, key: string) => values[key] ?? whole);
}

const exists = (p: string) =>
  stat(p).then(
    () => true,
    () => false,
  );

// A driver repository that already depends on cosi-chaos runs its own locked version; others fetch the pinned one.
async function dependsOnCosiChaos(cwd: string): Promise<boolean> {
  try {
    const pkg = JSON.parse(await readFile(join(cwd, 'package.json'), 'utf8')) as Record<string, unknown>;
    return ['dependencies', 'devDependencies'].some((k) => {
      const deps = pkg[k];
      return typeof deps === 'object' && deps !== null && 'cosi-chaos' in deps;
    });
  } catch {
    return false;
  }
}

/**
 * Scaffolds a driver repository at `cwd`: `<dir>/scenarios/` (COSI-86 with the driver, bucket-not-empty,
 * transient-then-ok), `.github/workflows/cosi-chaos.yml` and `<dir>/README.md`. Never overwrites a file: one that
 * exists is left and named. Every scenario is checked by the real loader before anything is written.
 */
export async function scaffold(cwd: string, flags: InitFlags): Promise<InitOutcome> {
  const dir = flags.dir.replace(/\/+$/, '') || 'cosi-chaos';
  const scenarioDir = resolve(cwd, dir, 'scenarios');
  const driver = await driverChoice(flags.driver, cwd, scenarioDir);
  const npmDependency = await dependsOnCosiChaos(cwd);
  const cosiChaos = npmDependency ? 'npx cosi-chaos' : `npx --yes cosi-chaos@${TOOL_VERSION}`;
  const values: Record<string, string> = {
    driver: driver.yaml,
    driverText: driver.text,
    dir,
    version: TOOL_VERSION,
    cosiChaos,
    install: npmDependency ? '      - run: npm ci\n' : '',
    ...conformParts(driver.conform, cosiChaos),
    buildStep: driver.binary
      ? `      # The scenarios start ${driver.binary}: build it here first, e.g.\n      # - run: go build -o ${driver.binary} ./cmd/driver\n`
      : '',
  };
  const files: { to: string; text: string; scenario?: boolean }[] = [];
  const scenarioTemplates = (await readdir(join(INIT_TEMPLATE_DIR, 'scenarios'))).sort();
  for (const name of scenarioTemplates) {
    const text = fill(await readFile(join(INIT_TEMPLATE_DIR, 'scenarios', name), 'utf8'), values);
    files.push({ to: join(scenarioDir, name), text, scenario: true });
  }
  files.push({
    to: resolve(cwd, '.github', 'workflows', 'cosi-chaos.yml'),
    text: fill(await readFile(join(INIT_TEMPLATE_DIR, 'workflow.yml'), 'utf8'), values),
  });
  files.push({
    to: resolve(cwd, dir, 'README.md'),
    text: fill(await readFile(join(INIT_TEMPLATE_DIR, 'README.md'), 'utf8'), values),
  });
  // The loader a run uses, on the text about to be written: a template that no longer fits the schema fails
  // here, not in the user's first run. (Throws InvalidScenariosError: exit 3 would be wrong, it is our bug, but
  // the message names the file and field, which is what a report needs.)
  for (const f of files) if (f.scenario) parseScenarios(f.text, f.to);

  const outcome: InitOutcome = { written: [], left: [] };
  for (const f of files) {
    const shown = relative(cwd, f.to);
    if (await exists(f.to)) {
      outcome.left.push(shown);
      continue;
    }
    await mkdir(dirname(f.to), { recursive: true });
    // 'wx': a file that appeared since the check is still not overwritten.
    try {
      await writeFile(f.to, f.text, { flag: 'wx' });
      outcome.written.push(shown);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      outcome.left.push(shown);
    }
  }
  return outcome;
}

/** `cosi-chaos init`: scaffolds the current directory and says what it wrote and what it left. */
export async function initCommand(flags: InitFlags, out: (line: string) => void): Promise<number> {
  const cwd = process.cwd();
  const { written, left } = await scaffold(cwd, flags);
  for (const f of written) out(`wrote ${f}`);
  for (const f of left) out(`left  ${f} (it exists; init never overwrites a file)`);
  const dir = flags.dir.replace(/\/+$/, '') || 'cosi-chaos';
  out('');
  out(`next: npx cosi-chaos run ${dir}/scenarios   (the first run builds the components, ~10 minutes)`);
  return EXIT.ok;
}
