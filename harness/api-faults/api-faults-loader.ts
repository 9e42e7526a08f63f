import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { Ajv, type ErrorObject } from 'ajv';
import { type Document, isNode, LineCounter, parseDocument } from 'yaml';
import { ScenarioError } from '../scenarios/scenario-error.ts';
import { ApiFaultSemanticError, compileApiFaults } from './api-fault-rules.ts';
import type { ApiFaultSet, ApiFaultsSpec } from './api-fault-types.ts';

const require = createRequire(import.meta.url);

/** Where the published schema lives, for `$ref` from another schema (add it to that Ajv with addSchema). */
export const API_FAULTS_SCHEMA_PATH = require.resolve('../../schemas/api-faults.schema.json');
/** The schema's $id: `{ "$ref": API_FAULTS_SCHEMA_ID }` from a schema compiled with this one added. */
export const API_FAULTS_SCHEMA_ID = 'https://cosi-chaos.dev/schemas/api-faults.schema.json';
/** The schema itself (parsed JSON). */
export const API_FAULTS_SCHEMA = require('../../schemas/api-faults.schema.json') as object;

// The action definition's description in the schema, which tells its min/maxProperties errors apart.
const ACTION_DESCRIPTION = 'Exactly one kind of action.';
const validate = new Ajv({ allErrors: false, strict: false, verbose: true }).compile<ApiFaultsSpec>(
  API_FAULTS_SCHEMA,
);

/** Where an apiFaults value came from, so errors can say file, line and path. */
export interface ApiFaultsSource {
  file: string;
  /** Path from the document root to the apiFaults value, e.g. ['spec', 'apiFaults']. */
  basePath: (string | number)[];
  /** Line of the node at a document path (the nearest existing ancestor's); see yamlLineOf. */
  lineOf?: (path: (string | number)[]) => number | undefined;
}

/**
 * Validates an apiFaults value against the schema and compiles its rules. Throws ScenarioError
 * (`file:line: spec.apiFaults.rules.0.action: problem`) for the first problem, schema or semantic.
 */
export function compileApiFaultsValue(value: unknown, source: ApiFaultsSource): ApiFaultSet {
  const fail = (relative: (string | number)[], problem: string): never => {
    const path = [...source.basePath, ...relative];
    throw new ScenarioError(source.file, source.lineOf?.(path), path.join('.'), problem);
  };
  if (!validate(value)) {
    const error = (validate.errors ?? [])[0] as ErrorObject;
    return fail(pathOf(error), describe(error));
  }
  try {
    return compileApiFaults(value);
  } catch (error) {
    if (error instanceof ApiFaultSemanticError) return fail(error.path, error.message);
    throw error;
  }
}

/** A YAML file whose top level holds `apiFaults:` (other top-level keys are not looked at). */
export function parseApiFaultsYaml(text: string, file: string): ApiFaultSet {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter });
  const first = doc.errors[0];
  if (first) {
    const line = first.linePos?.[0]?.line ?? lineCounter.linePos(first.pos[0]).line;
    const problem = first.message.split('\n')[0]?.replace(/ at line \d+, column \d+:?$/, '');
    throw new ScenarioError(file, line, '', `YAML syntax error: ${problem}`);
  }
  const lineOf = yamlLineOf(doc, lineCounter);
  const root = doc.toJS() as unknown;
  if (typeof root !== 'object' || root === null || !('apiFaults' in root)) {
    throw new ScenarioError(file, 1, 'apiFaults', 'missing required field "apiFaults"');
  }
  return compileApiFaultsValue(root.apiFaults, { file, basePath: ['apiFaults'], lineOf });
}

/** Reads and compiles a YAML file with a top-level `apiFaults:`. */
export async function loadApiFaultsFile(file: string): Promise<ApiFaultSet> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new ScenarioError(file, undefined, '', `cannot read: ${(error as Error).message}`);
  }
  return parseApiFaultsYaml(text, file);
}

/** Line of the node at a path in a parsed YAML document, or of its nearest ancestor that exists. */
export function yamlLineOf(
  doc: Document,
  lineCounter: LineCounter,
): (path: (string | number)[]) => number | undefined {
  return (path) => {
    for (let i = path.length; i >= 0; i--) {
      const node = doc.getIn(path.slice(0, i), true);
      if (isNode(node) && node.range) return lineCounter.linePos(node.range[0]).line;
    }
    return undefined;
  };
}

/** The document path an Ajv error is about (the unknown or missing key included). */
export function pathOf(error: ErrorObject): (string | number)[] {
  const parts: (string | number)[] = error.instancePath
    .split('/')
    .slice(1)
    .map((p) => (/^\d+$/.test(p) ? Number(p) : p.replace(/~1/g, '/').replace(/~0/g, '~')));
  if (error.keyword === 'additionalProperties')
    parts.push((error.params as { additionalProperty: string }).additionalProperty);
  if (error.keyword === 'required') parts.push((error.params as { missingProperty: string }).missingProperty);
  return parts;
}

function describe(error: ErrorObject): string {
  switch (error.keyword) {
    case 'additionalProperties':
      return `unknown field "${(error.params as { additionalProperty: string }).additionalProperty}"`;
    case 'required':
      return `missing required field "${(error.params as { missingProperty: string }).missingProperty}"`;
    case 'enum':
      return `must be one of ${(error.params as { allowedValues: unknown[] }).allowedValues.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'maxProperties':
    case 'minProperties':
      // verbose: true gives parentSchema, the only place that says this object is an action.
      return (error.parentSchema as { description?: string } | undefined)?.description === ACTION_DESCRIPTION
        ? 'an action has exactly one kind (status, forward, delay, hang, reset, cutWatch, sequence, flap, random)'
        : (error.message ?? 'invalid');
    default:
      return error.message ?? 'invalid';
  }
}
