import { readFileSync } from 'node:fs';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import type { ConformResults } from '../harness/conform/conform-results.ts';

/** Where the conform results schema lives (published for other tools, as results.schema.json is). */
export const CONFORM_RESULTS_SCHEMA_PATH = new URL('../schemas/conform-results.schema.json', import.meta.url);

// ajv-formats ships CJS with the function on `.default` under NodeNext resolution.
const addFormats = addFormatsModule.default;

let compiled: ValidateFunction<ConformResults> | undefined;
function validator(): ValidateFunction<ConformResults> {
  if (!compiled) {
    const ajv = new Ajv2020({ allErrors: true, allowUnionTypes: true });
    addFormats(ajv);
    compiled = ajv.compile<ConformResults>(JSON.parse(readFileSync(CONFORM_RESULTS_SCHEMA_PATH, 'utf8')));
  }
  return compiled;
}

/** Every schema violation of `value`, as `path message` lines (empty: valid). */
export function conformResultsIssues(value: unknown): string[] {
  const validate = validator();
  if (validate(value)) return [];
  return (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? e.keyword}`);
}

/** The results broke their own schema: a cosi-chaos bug; the file is still written, with the violations. */
export class ConformResultsSchemaError extends Error {
  override readonly name = 'ConformResultsSchemaError';
  constructor(
    readonly file: string,
    readonly issues: string[],
  ) {
    super(
      `the conform results failed their schema (a cosi-chaos bug: please report it with this file): ${issues.slice(0, 5).join('; ')}. Everything measured was written to ${file}`,
    );
  }
}

/** Writes the results as pretty JSON (atomically), then checks what was written against the schema. */
export async function writeConformResults(path: string, results: ConformResults): Promise<void> {
  const text = `${JSON.stringify(results, null, 2)}\n`;
  await mkdir(dirname(path), { recursive: true });
  const temp = `${path}.${process.pid}.tmp`;
  await writeFile(temp, text, 'utf8');
  await rename(temp, path);
  const issues = conformResultsIssues(JSON.parse(text));
  if (issues.length) throw new ConformResultsSchemaError(path, issues);
}
