import { readdir, readFile, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { type Document, LineCounter, parseAllDocuments } from 'yaml';
import type { ApiFaultSet } from '../api-faults/api-fault-types.ts';
import { compileApiFaultsValue, yamlLineOf } from '../api-faults/api-faults-loader.ts';
import type { LoadError } from '../results/run-results.ts';
import { RUN_VARIANTS } from '../variants/patched-variants.ts';
import { parseDuration } from './duration.ts';
import { InvalidScenariosError } from './invalid-scenarios-error.ts';
import { type DriverSelection, driverServesEra, readDriverSelection } from './scenario-driver.ts';
import { type ReportProblem, ScenarioError } from './scenario-error.ts';
import { invalidRegexes } from './scenario-regexes.ts';
import { checkScenarioRules } from './scenario-rules.ts';
import { checkScenarioSchema } from './scenario-schema.ts';
import type { Scenario, ScenarioVariant } from './scenario-types.ts';

// Each counted RPC has one natural way to be triggered; spec.trigger overrides it.
const DEFAULT_TRIGGER: Record<Scenario['rpc'], NonNullable<Scenario['trigger']>> = {
  create: 'apply',
  delete: 'delete-claim',
  grant: 'create-access',
  revoke: 'delete-access',
};

/** Parameter key the harness adds to every scenario's BucketClass; the driver journal is attributed by it. */
export const SCENARIO_PARAMETER = 'cosi-chaos.io/scenario';

/** One YAML document of a scenario file: its scenario when it has no problem, and where its name is. */
interface ScenarioDocument {
  scenario?: Scenario;
  name?: { value: string; file: string; line: number | undefined };
}

/** What a scenario file holds: its documents (empty ones left out) and every problem found in them. */
interface ScenarioText {
  documents: ScenarioDocument[];
  problems: ScenarioError[];
}

type Path = readonly (string | number)[];
type Fields = Record<string, unknown>;

const isFields = (value: unknown): value is Fields =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Parses and validates the text of a scenario file: every YAML document in it (`---` between them, as
 * Kubernetes manifests are written) is a scenario. Throws InvalidScenariosError with every problem, each with
 * file, line and path: schema and semantic ones, rules, and a name two documents share.
 */
export function parseScenarios(text: string, file: string): Scenario[] {
  const read = readScenarioText(text, file);
  const problems = [...read.problems, ...duplicateNames(read.documents)];
  if (problems.length > 0) throw new InvalidScenariosError(sortedByLine(problems));
  return read.documents.map((d) => d.scenario as Scenario);
}

/** Parses and validates the text of a file that holds exactly one scenario. Throws InvalidScenariosError. */
export function parseScenario(text: string, file: string): Scenario {
  const scenarios = parseScenarios(text, file);
  if (scenarios.length !== 1) {
    throw new InvalidScenariosError([
      new ScenarioError(file, undefined, '', `holds ${scenarios.length} scenarios where one was expected`),
    ]);
  }
  return scenarios[0] as Scenario;
}

/** Loads a file that holds exactly one scenario (tests and tools that name one). Throws InvalidScenariosError. */
export async function loadScenarioFile(file: string): Promise<Scenario> {
  return parseScenario(await readScenarioFile(file), file);
}

/** Every scenario of the files, and the files that failed for a reason other than their content. */
export interface LoadedScenarios {
  scenarios: Scenario[];
  /** A file whose check itself failed (a cosi-chaos bug, not the file's): reported in the results. */
  loadErrors: LoadError[];
}

/**
 * Loads every scenario of every file. Throws InvalidScenariosError with every problem of every file (a file
 * that cannot be read, each problem of each document, a name used twice in one file or across files), so
 * one run shows everything to fix and nothing is started.
 */
export async function loadScenarios(files: readonly string[]): Promise<LoadedScenarios> {
  const documents: ScenarioDocument[] = [];
  const problems: ScenarioError[] = [];
  const loadErrors: LoadError[] = [];
  for (const file of files) {
    try {
      const read = readScenarioText(await readScenarioFile(file), file);
      documents.push(...read.documents);
      problems.push(...sortedByLine(read.problems));
    } catch (err) {
      if (err instanceof InvalidScenariosError) problems.push(...err.problems);
      else loadErrors.push({ file, message: String(err) });
    }
  }
  problems.push(...duplicateNames(documents));
  if (problems.length > 0) throw new InvalidScenariosError(problems);
  return { scenarios: documents.map((d) => d.scenario as Scenario), loadErrors };
}

async function readScenarioFile(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    throw new InvalidScenariosError([
      new ScenarioError(file, undefined, '', `cannot read: ${(err as Error).message}`),
    ]);
  }
}

function sortedByLine(problems: readonly ScenarioError[]): ScenarioError[] {
  return [...problems].sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
}

// Results, object names and driver rules are keyed by the scenario's name: two scenarios of a run cannot share one.
function duplicateNames(documents: readonly ScenarioDocument[]): ScenarioError[] {
  const first = new Map<string, NonNullable<ScenarioDocument['name']>>();
  const problems: ScenarioError[] = [];
  for (const { name } of documents) {
    if (!name) continue;
    const earlier = first.get(name.value);
    if (!earlier) {
      first.set(name.value, name);
      continue;
    }
    const where =
      earlier.file === name.file
        ? `line ${earlier.line}`
        : `${earlier.file}${earlier.line ? `:${earlier.line}` : ''}`;
    problems.push(
      new ScenarioError(
        name.file,
        name.line,
        'metadata.name',
        `scenario "${name.value}" is also named at ${where}; give each scenario its own name (results and driver rules are keyed by it)`,
      ),
    );
  }
  return problems;
}

function readScenarioText(text: string, file: string): ScenarioText {
  const lc = new LineCounter();
  const documents: ScenarioDocument[] = [];
  const problems: ScenarioError[] = [];
  for (const doc of parseAllDocuments(text, { lineCounter: lc, prettyErrors: true })) {
    const e = doc.errors[0];
    if (e) {
      // One syntax error per document: the ones after it are mostly its echo.
      const line = e.linePos?.[0]?.line ?? lc.linePos(e.pos[0]).line;
      const message = e.message.split('\n')[0]?.replace(/ at line \d+, column \d+:?$/, '');
      problems.push(new ScenarioError(file, line, '', `YAML syntax error: ${message}`));
      continue;
    }
    const data = doc.toJS() as unknown;
    // An empty document (a trailing `---`, a file of comments) holds no scenario.
    if (data === null || data === undefined) continue;
    documents.push(readScenarioDocument(doc, lc, data, file, problems));
  }
  if (documents.length === 0 && problems.length === 0) {
    problems.push(
      new ScenarioError(
        file,
        1,
        '',
        'holds no scenario (a scenario starts with apiVersion: cosi-chaos.io/v1alpha1)',
      ),
    );
  }
  return { documents, problems };
}

/** Checks one document (schema, apiFaults, rules, semantics) and builds its scenario when it has no problem. */
function readScenarioDocument(
  doc: Document,
  lc: LineCounter,
  data: unknown,
  file: string,
  problems: ScenarioError[],
): ScenarioDocument {
  const lineOf = yamlLineOf(doc, lc);
  const before = problems.length;
  const report: ReportProblem = (path, problem) =>
    problems.push(new ScenarioError(file, lineOf([...path]), path.join('.'), problem));
  checkScenarioSchema(data, report);
  // apiFaults by its own loader: its messages name the action kinds, and rule semantics are checked too.
  const apiFaultsValue = isFields(data) && isFields(data.spec) ? data.spec.apiFaults : undefined;
  let apiFaults: ApiFaultSet | undefined;
  if (apiFaultsValue !== undefined) {
    try {
      apiFaults = compileApiFaultsValue(apiFaultsValue, { file, basePath: ['spec', 'apiFaults'], lineOf });
    } catch (err) {
      if (!(err instanceof ScenarioError)) throw err;
      problems.push(err);
    }
  }
  const driver = readDriverSelection(
    isFields(data) && isFields(data.spec) ? data.spec.driver : undefined,
    file,
    report,
  );
  checkSemantics(data, report, driver);
  // A bad regex with the schema problems, not one round after them (the loaders compile only a valid rule).
  const reported = new Set(problems.slice(before).map((p) => p.path));
  for (const r of invalidRegexes(isFields(data) ? data.spec : undefined))
    if (!reported.has(r.path.join('.'))) report(r.path, r.problem);
  const metadata = isFields(data) && isFields(data.metadata) ? data.metadata : undefined;
  const name =
    typeof metadata?.name === 'string'
      ? { value: metadata.name, file, line: lineOf(['metadata', 'name']) }
      : undefined;
  if (problems.length > before) return { name };
  return { name, scenario: scenarioOf(data as RawScenario, file, apiFaults, driver) };
}

/**
 * What the schema cannot say. Each check reads only fields of the type it needs, so a document with schema
 * violations is still checked for the rest, and a field the schema already rejected is not reported twice.
 */
function checkSemantics(data: unknown, report: ReportProblem, driver: DriverSelection | undefined): void {
  const spec = isFields(data) && isFields(data.spec) ? data.spec : undefined;
  if (!spec) return;
  const windowMs =
    spec.window === undefined
      ? 60_000
      : typeof spec.window === 'string'
        ? parseDuration(spec.window)
        : undefined;
  if (Array.isArray(spec.rules)) checkScenarioRules(spec.rules, ['spec', 'rules'], report);
  if (Array.isArray(spec.variants)) checkVariants(spec.variants, windowMs, report, driver);
  const rpc =
    typeof spec.rpc === 'string' && Object.hasOwn(DEFAULT_TRIGGER, spec.rpc)
      ? (spec.rpc as Scenario['rpc'])
      : undefined;
  const triggers = Object.values(DEFAULT_TRIGGER) as unknown[];
  const trigger =
    spec.trigger === undefined
      ? rpc && DEFAULT_TRIGGER[rpc]
      : triggers.includes(spec.trigger)
        ? (spec.trigger as NonNullable<Scenario['trigger']>)
        : undefined;
  if (trigger) {
    const needsAccess = trigger === 'create-access' || trigger === 'delete-access';
    if (needsAccess && spec.access === undefined)
      report(['spec', 'trigger'], `rpc ${String(spec.rpc)} (trigger ${trigger}) needs spec.access`);
    if (!needsAccess && spec.access !== undefined)
      report(['spec', 'access'], 'spec.access is only used with trigger create-access or delete-access');
    if (spec.deleteClaimAfter !== undefined && trigger !== 'apply')
      report(
        ['spec', 'deleteClaimAfter'],
        `is only used with trigger apply (this scenario's trigger is ${trigger})`,
      );
    // N claims are applied at once: only a create triggered by the apply is attributed per claim.
    if (spec.scale !== undefined && trigger !== 'apply')
      report(
        ['spec', 'scale'],
        `is only used with rpc create (trigger apply); this scenario's trigger is ${trigger}`,
      );
  }
  if (spec.apiFaultsClients !== undefined && spec.apiFaults === undefined)
    report(['spec', 'apiFaultsClients'], 'is only used with spec.apiFaults');
  const parameters = isFields(spec.bucketClass) ? spec.bucketClass.parameters : undefined;
  if (isFields(parameters) && parameters[SCENARIO_PARAMETER] !== undefined)
    report(['spec', 'bucketClass', 'parameters', SCENARIO_PARAMETER], 'is set by the harness; remove it');
}

// The builds a scenario can name; a user's binary (--sidecar PATH) joins a run as "custom" on its own.
const KNOWN_SIDECARS = RUN_VARIANTS.map((v) => v.name);
const eraOf = (name: string) => RUN_VARIANTS.find((v) => v.name === name)?.era ?? 'v1alpha1';

function checkVariants(
  variants: readonly unknown[],
  windowMs: number | undefined,
  report: ReportProblem,
  driver: DriverSelection | undefined,
): void {
  const seen = new Set<string>();
  variants.forEach((v, i) => {
    if (!isFields(v)) return;
    const at = ['spec', 'variants', i];
    if (typeof v.sidecar === 'string' && v.sidecar !== '') {
      if (seen.has(v.sidecar)) report([...at, 'sidecar'], `variant "${v.sidecar}" is listed twice`);
      else if (!KNOWN_SIDECARS.includes(v.sidecar))
        report(
          [...at, 'sidecar'],
          `unknown sidecar "${v.sidecar}"; use one of ${KNOWN_SIDECARS.join(', ')} (cosi-chaos doctor lists them)`,
        );
      else if (!driverServesEra(driver, eraOf(v.sidecar)))
        report(
          [...at, 'sidecar'],
          `${v.sidecar} is a v1alpha2 sidecar and the ${driver?.kind} driver serves cosi.v1alpha1 only (DriverGetInfo would be Unimplemented); list v1alpha1 variants only`,
        );
      seen.add(v.sidecar);
    }
    if (Array.isArray(v.rules)) checkScenarioRules(v.rules, [...at, 'rules'], report);
    if (isFields(v.expect)) checkExpectation(v.expect, [...at, 'expect'], windowMs, report);
  });
}

function checkExpectation(e: Fields, path: Path, windowMs: number | undefined, report: ReportProblem): void {
  const { minAttempts, maxAttempts, attempts, within } = e;
  if (typeof minAttempts === 'number' && typeof maxAttempts === 'number' && minAttempts > maxAttempts)
    report([...path, 'minAttempts'], `is greater than maxAttempts (${maxAttempts})`);
  if (e.outcome === 'terminal' && typeof attempts === 'number' && attempts !== 1)
    report([...path, 'attempts'], 'a terminal outcome means exactly one attempt');
  const withinMs = typeof within === 'string' ? parseDuration(within) : undefined;
  if (withinMs !== undefined && windowMs !== undefined && withinMs > windowMs)
    report([...path, 'within'], `is longer than the scenario's window (${windowMs / 1000} s)`);
}

/** A document the schema and the semantic checks passed. */
interface RawScenario {
  metadata: { name: string; description?: string; issue?: string };
  spec: {
    rpc: Scenario['rpc'];
    window?: string;
    rules?: Record<string, unknown>[];
    bucketClass: { name: string; deletionPolicy?: 'Retain' | 'Delete'; parameters?: Record<string, string> };
    bucketClaim: { name: string; namespace?: string; protocols?: string[] };
    variants: ScenarioVariant[];
    trigger?: Scenario['trigger'];
    access?: { name: string; parameters?: Record<string, string> };
    sidecarNamespace?: string;
    exactNames?: boolean;
    s3Objects?: { key: string; body?: string }[];
    apiFaultsClients?: ('sidecar' | 'controller')[];
    deleteClaimAfter?: string;
    scale?: { claims: number };
  };
}

function scenarioOf(
  raw: RawScenario,
  file: string,
  apiFaults: ApiFaultSet | undefined,
  driver: DriverSelection | undefined,
): Scenario {
  return {
    file,
    name: raw.metadata.name,
    description: raw.metadata.description,
    issue: raw.metadata.issue,
    rpc: raw.spec.rpc,
    windowMs: parseDuration(raw.spec.window ?? '60s') as number,
    // No rules: the mock driver answers from its backend (a happy path); a real driver needs none.
    rules: raw.spec.rules ?? [],
    bucketClass: {
      name: raw.spec.bucketClass.name,
      deletionPolicy: raw.spec.bucketClass.deletionPolicy ?? 'Delete',
      parameters: raw.spec.bucketClass.parameters ?? {},
    },
    bucketClaim: {
      name: raw.spec.bucketClaim.name,
      namespace: raw.spec.bucketClaim.namespace ?? 'default',
      protocols: raw.spec.bucketClaim.protocols ?? ['S3'],
    },
    variants: raw.spec.variants,
    trigger: raw.spec.trigger ?? DEFAULT_TRIGGER[raw.spec.rpc],
    access: raw.spec.access
      ? {
          className: raw.spec.access.name,
          name: raw.spec.access.name,
          parameters: raw.spec.access.parameters ?? {},
        }
      : undefined,
    ...(raw.spec.sidecarNamespace ? { sidecarNamespace: raw.spec.sidecarNamespace } : {}),
    ...(apiFaults ? { apiFaults, apiFaultsClients: raw.spec.apiFaultsClients ?? ['sidecar'] } : {}),
    ...(raw.spec.scale ? { scale: { claims: raw.spec.scale.claims } } : {}),
    ...(raw.spec.deleteClaimAfter !== undefined
      ? { deleteClaimAfterMs: parseDuration(raw.spec.deleteClaimAfter) as number }
      : {}),
    ...(driver && driver.kind !== 'mock' ? { driver } : {}),
    ...(raw.spec.exactNames ? { exactNames: true } : {}),
    ...(raw.spec.s3Objects
      ? { s3Objects: raw.spec.s3Objects.map((o) => ({ key: o.key, body: o.body ?? `${o.key}\n` })) }
      : {}),
  };
}

/** Expands files and directories (every *.yaml / *.yml directly inside) into scenario file paths, sorted. */
export async function discoverScenarioFiles(inputs: string[]): Promise<string[]> {
  const files: string[] = [];
  for (const input of inputs) {
    const p = resolve(input);
    let st: Awaited<ReturnType<typeof stat>>;
    try {
      st = await stat(p);
    } catch {
      throw new ScenarioError(input, undefined, '', 'no such file or directory');
    }
    if (st.isDirectory()) {
      const names = (await readdir(p)).filter((n) => /\.ya?ml$/.test(n)).sort();
      files.push(...names.map((n) => join(p, n)));
    } else {
      files.push(p);
    }
  }
  return files;
}
