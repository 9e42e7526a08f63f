import { createRequire } from 'node:module';
import { Ajv, type ErrorObject } from 'ajv';
import { API_FAULTS_SCHEMA } from '../api-faults/api-faults-loader.ts';
import type { ReportProblem } from './scenario-error.ts';

const require = createRequire(import.meta.url);
const schema = require('../../schemas/scenario.schema.json') as object;
// allErrors: one run shows every violation; verbose: the bad value, for the message. spec.apiFaults is a $ref to
// the API-fault proxy's own schema.
const validate = new Ajv({ allErrors: true, strict: false, verbose: true })
  .addSchema(API_FAULTS_SCHEMA)
  .compile(schema);

/**
 * Reports every violation of schemas/scenario.schema.json in one document, except under spec.apiFaults and
 * spec.driver: their loaders check those sections themselves, in words that name their kinds.
 */
export function checkScenarioSchema(data: unknown, report: ReportProblem): void {
  if (validate(data)) return;
  for (const error of validate.errors ?? []) {
    if (ownChecked(error.instancePath, '/spec/apiFaults')) continue;
    if (ownChecked(error.instancePath, '/spec/driver')) continue;
    report(pathOf(error), describe(error));
  }
}

// Sections whose loaders check them in their own words: a oneOf's failed branches would say little here.
function ownChecked(instancePath: string, section: string): boolean {
  return instancePath === section || instancePath.startsWith(`${section}/`);
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
    case 'pattern':
      // Every duration field is a $ref to #/definitions/duration.
      if (err.schemaPath.startsWith('#/definitions/duration/'))
        return `${JSON.stringify(err.data ?? '')} is not a duration: write a whole number and ms, s or m (60s, 90000ms, 2m)`;
      return err.message ?? 'invalid';
    default:
      return err.message ?? 'invalid';
  }
}
