import { readdir, readFile, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { Ajv, type ErrorObject } from 'ajv';
import { type Document, isNode, LineCounter, parseDocument } from 'yaml';
import type { ApiFaultSet } from '../api-faults/api-fault-types.ts';
import { API_FAULTS_SCHEMA, compileApiFaultsValue } from '../api-faults/api-faults-loader.ts';
import { parseDuration } from './duration.ts';
import { ScenarioError } from './scenario-error.ts';
import type { Expectation, Scenario, ScenarioVariant } from './scenario-types.ts';

const require = createRequire(import.meta.url);
const schema = require('../../schemas/scenario.schema.json') as object;
// spec.apiFaults is a $ref to the API-fault proxy's own schema.
const ajv = new Ajv({ allErrors: false, strict: false }).addSchema(API_FAULTS_SCHEMA);
const validate = ajv.compile(schema);

// Each counted RPC has one natural way to be triggered; spec.trigger overrides it.
const DEFAULT_TRIGGER: Record<Scenario['rpc'], NonNullable<Scenario['trigger']>> = {
  create: 'apply',
  delete: 'delete-claim',
  grant: 'create-access',
  revoke: 'delete-access',
};

/** Parameter key the harness adds to every scenario's BucketClass; the driver journal is attributed by it. */
export const SCENARIO_PARAMETER = 'cosi-chaos.io/scenario';

function lineOf(doc: Document, lc: LineCounter, path: (string | number)[]): number | undefined {
  for (let i = path.length; i >= 0; i--) {
    const node = doc.getIn(path.slice(0, i), true);
    if (isNode(node) && node.range) return lc.linePos(node.range[0]).line;
  }
  return undefined;
}

function pathOf(err: ErrorObject): (string | number)[] {
  const parts = err.instancePath
    .split('/')
    .slice(1)
    .map((p) => (/^\d+$/.test(p) ? Number(p) : p.replace(/~1/g, '/').replace(/~0/g, '~')));
  if (err.keyword === 'additionalProperties')
    parts.push((err.params as { additionalProperty: string }).additionalProperty);
  if (err.keyword === 'required') parts.push((err.params as { missingProperty: string }).missingProperty);
  return parts;
}

function describe(err: ErrorObject): string {
  switch (err.keyword) {
    case 'additionalProperties':
      return `unknown field "${(err.params as { additionalProperty: string }).additionalProperty}"`;
    case 'required':
      return `missing required field "${(err.params as { missingProperty: string }).missingProperty}"`;
    case 'enum':
      return `must be one of ${(err.params as { allowedValues: unknown[] }).allowedValues.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'const':
      return `must be ${JSON.stringify((err.params as { allowedValue: unknown }).allowedValue)}`;
    default:
      return err.message ?? 'invalid';
  }
}

/** Parses and validates one scenario file's text. Throws ScenarioError naming file, line and path. */
export function parseScenario(text: string, file: string): Scenario {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: true });
  if (doc.errors.length) {
    const e = doc.errors[0];
    const line = e?.linePos?.[0]?.line ?? (e ? lc.linePos(e.pos[0]).line : undefined);
    throw new ScenarioError(
      file,
      line,
      '',
      `YAML syntax error: ${e?.message.split('\n')[0]?.replace(/ at line \d+, column \d+:?$/, '')}`,
    );
  }
  const data = doc.toJS() as unknown;
  // apiFaults first, by its own loader: its messages name the action kinds, and rule semantics are checked too.
  const apiFaultsValue = (data as { spec?: { apiFaults?: unknown } } | null)?.spec?.apiFaults;
  let apiFaults: ApiFaultSet | undefined;
  if (apiFaultsValue !== undefined)
    apiFaults = compileApiFaultsValue(apiFaultsValue, {
      file,
      basePath: ['spec', 'apiFaults'],
      lineOf: (path) => lineOf(doc, lc, path),
    });
  if (!validate(data)) {
    const err = (validate.errors ?? [])[0] as ErrorObject;
    const path = pathOf(err);
    throw new ScenarioError(file, lineOf(doc, lc, path), path.join('.'), describe(err));
  }
  const raw = data as {
    metadata: { name: string; description?: string; issue?: string };
    spec: {
      rpc: Scenario['rpc'];
      window?: string;
      rules: Record<string, unknown>[];
      bucketClass: {
        name: string;
        deletionPolicy?: 'Retain' | 'Delete';
        parameters?: Record<string, string>;
      };
      bucketClaim: { name: string; namespace?: string; protocols?: string[] };
      variants: ScenarioVariant[];
      trigger?: Scenario['trigger'];
      access?: { name: string; parameters?: Record<string, string> };
      sidecarNamespace?: string;
      apiFaultsClients?: ('sidecar' | 'controller')[];
      deleteClaimAfter?: string;
      scale?: { claims: number };
    };
  };
  const windowMs = parseDuration(raw.spec.window ?? '60s') as number;
  const seen = new Set<string>();
  raw.spec.variants.forEach((v, i) => {
    if (seen.has(v.sidecar)) {
      const path = ['spec', 'variants', i, 'sidecar'];
      throw new ScenarioError(
        file,
        lineOf(doc, lc, path),
        path.join('.'),
        `variant "${v.sidecar}" is listed twice`,
      );
    }
    seen.add(v.sidecar);
    checkExpectation(v.expect, file, doc, lc, ['spec', 'variants', i, 'expect'], windowMs);
  });
  const trigger = raw.spec.trigger ?? DEFAULT_TRIGGER[raw.spec.rpc];
  const needsAccess = trigger === 'create-access' || trigger === 'delete-access';
  if (needsAccess !== (raw.spec.access !== undefined)) {
    const path = needsAccess ? ['spec', 'trigger'] : ['spec', 'access'];
    throw new ScenarioError(
      file,
      lineOf(doc, lc, path),
      path.join('.'),
      needsAccess
        ? `rpc ${raw.spec.rpc} (trigger ${trigger}) needs spec.access`
        : 'spec.access is only used with trigger create-access or delete-access',
    );
  }
  if (raw.spec.apiFaultsClients && !apiFaults) {
    const path = ['spec', 'apiFaultsClients'];
    throw new ScenarioError(file, lineOf(doc, lc, path), path.join('.'), 'is only used with spec.apiFaults');
  }
  if (raw.spec.deleteClaimAfter !== undefined && trigger !== 'apply') {
    const path = ['spec', 'deleteClaimAfter'];
    throw new ScenarioError(
      file,
      lineOf(doc, lc, path),
      path.join('.'),
      `is only used with trigger apply (this scenario's trigger is ${trigger})`,
    );
  }
  // N claims are applied at once: only a create triggered by the apply is attributed per claim.
  if (raw.spec.scale && trigger !== 'apply') {
    const path = ['spec', 'scale'];
    throw new ScenarioError(
      file,
      lineOf(doc, lc, path),
      path.join('.'),
      `is only used with rpc create (trigger apply); this scenario's trigger is ${trigger}`,
    );
  }
  if (raw.spec.bucketClass.parameters?.[SCENARIO_PARAMETER] !== undefined) {
    const path = ['spec', 'bucketClass', 'parameters', SCENARIO_PARAMETER];
    throw new ScenarioError(file, lineOf(doc, lc, path), path.join('.'), 'is set by the harness; remove it');
  }
  return {
    file,
    name: raw.metadata.name,
    description: raw.metadata.description,
    issue: raw.metadata.issue,
    rpc: raw.spec.rpc,
    windowMs,
    rules: raw.spec.rules,
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
    trigger,
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
  };
}

function checkExpectation(
  e: Expectation,
  file: string,
  doc: Document,
  lc: LineCounter,
  path: (string | number)[],
  windowMs: number,
): void {
  const fail = (field: string, problem: string) => {
    const p = [...path, field];
    throw new ScenarioError(file, lineOf(doc, lc, p), p.join('.'), problem);
  };
  if (e.minAttempts !== undefined && e.maxAttempts !== undefined && e.minAttempts > e.maxAttempts) {
    fail('minAttempts', `is greater than maxAttempts (${e.maxAttempts})`);
  }
  if (e.outcome === 'terminal' && e.attempts !== undefined && e.attempts !== 1) {
    fail('attempts', 'a terminal outcome means exactly one attempt');
  }
  if (e.within !== undefined && (parseDuration(e.within) ?? 0) > windowMs) {
    fail('within', `is longer than the scenario's window (${windowMs / 1000} s)`);
  }
}

/** Loads one file. */
export async function loadScenarioFile(file: string): Promise<Scenario> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new ScenarioError(file, undefined, '', `cannot read: ${(err as Error).message}`);
  }
  return parseScenario(text, file);
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
