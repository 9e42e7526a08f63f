import { readFileSync } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import type { RunResults } from '../harness/results/run-results.ts';

/** Where the results schema lives; the same file is published for other tools to validate against. */
export const RESULTS_SCHEMA_PATH = new URL('../schemas/results.schema.json', import.meta.url);

/** The only schemaVersion this build reads and writes. */
export const RESULTS_SCHEMA_VERSION = 1;

/** One schema violation: `path` is a JSON Pointer into the document ('' is the root). */
export interface ResultsIssue {
  path: string;
  message: string;
}

/** Why a results file could not be used: unreadable, not JSON, wrong schemaVersion or schema-invalid. */
export type ResultsFileProblem = 'io' | 'json' | 'version' | 'schema';

/**
 * The one error results-file throws. `file` names the file (or '<in memory>' for renderings), `path` the
 * first offending JSON Pointer, `issues` every schema violation; the I/O or parse error is kept as `cause`.
 */
export class ResultsFileError extends Error {
  override readonly name = 'ResultsFileError';
  readonly file: string;
  readonly operation: 'read' | 'write';
  readonly problem: ResultsFileProblem;
  readonly path: string;
  readonly issues: ResultsIssue[];

  constructor(fields: {
    file: string;
    operation: 'read' | 'write';
    problem: ResultsFileProblem;
    issues?: ResultsIssue[];
    detail: string;
    cause?: unknown;
  }) {
    const issues = fields.issues ?? [];
    const path = issues[0]?.path ?? '';
    super(
      `${fields.operation === 'read' ? 'cannot read' : 'refusing to write'} results ${fields.file}: ${fields.detail}`,
      {
        cause: fields.cause,
      },
    );
    this.file = fields.file;
    this.operation = fields.operation;
    this.problem = fields.problem;
    this.path = path;
    this.issues = issues;
  }
}

// ajv-formats ships CJS with the function on `.default` under NodeNext resolution.
const addFormats = addFormatsModule.default;

// Compiled once on first use: compiling the schema costs more than validating a run.
let compiled: ValidateFunction<RunResults> | undefined;
function validator(): ValidateFunction<RunResults> {
  if (!compiled) {
    const ajv = new Ajv2020({ allErrors: true, allowUnionTypes: true });
    addFormats(ajv);
    compiled = ajv.compile<RunResults>(JSON.parse(readFileSync(RESULTS_SCHEMA_PATH, 'utf8')));
  }
  return compiled;
}

function issuesOf(errors: ErrorObject[]): ResultsIssue[] {
  return errors.map((e) => {
    const extra =
      e.keyword === 'additionalProperties'
        ? ` ('${String((e.params as { additionalProperty: string }).additionalProperty)}')`
        : e.keyword === 'enum'
          ? ` (${(e.params as { allowedValues: unknown[] }).allowedValues.map((v) => JSON.stringify(v)).join(', ')})`
          : '';
    return { path: e.instancePath, message: `${e.message ?? e.keyword}${extra}` };
  });
}

function describe(issues: ResultsIssue[]): string {
  const shown = issues.slice(0, 5).map((i) => `${i.path || '/'} ${i.message}`);
  const more = issues.length > shown.length ? `; and ${issues.length - shown.length} more` : '';
  return `${shown.join('; ')}${more}`;
}

/** Checks `value` against schemas/results.schema.json; throws ResultsFileError naming `file` and the JSON path. */
export function validateResults(value: unknown, file: string, operation: 'read' | 'write'): RunResults {
  // A different number is a file from another cosi-chaos, not a broken one: say that, not 'must be equal to constant'.
  const version = (value as { schemaVersion?: unknown } | null)?.schemaVersion;
  if (typeof version === 'number' && version !== RESULTS_SCHEMA_VERSION) {
    throw new ResultsFileError({
      file,
      operation,
      problem: 'version',
      issues: [{ path: '/schemaVersion', message: `must be ${RESULTS_SCHEMA_VERSION}` }],
      detail: `schemaVersion ${JSON.stringify(version)} is not supported (this cosi-chaos reads version ${RESULTS_SCHEMA_VERSION}); re-run with the cosi-chaos that wrote it`,
    });
  }
  const validate = validator();
  if (!validate(value)) {
    const issues = issuesOf(validate.errors ?? []);
    throw new ResultsFileError({ file, operation, problem: 'schema', issues, detail: describe(issues) });
  }
  return value;
}

/** Validated, pretty JSON with a trailing newline: the 'json' report format and the results file share it. */
export function formatResultsJson(results: RunResults, file = '<in memory>'): string {
  const text = `${JSON.stringify(results, null, 2)}\n`;
  // Validate what is written, not the object: `description: undefined` is fine in memory and absent on disk.
  validateResults(JSON.parse(text), file, 'write');
  return text;
}

/** Validates, then writes atomically (temp file + rename) so a reader never sees half a file; creates the directory. */
export async function writeResults(path: string, results: RunResults): Promise<void> {
  const text = formatResultsJson(results, path);
  const temp = `${path}.${process.pid}.tmp`;
  try {
    await mkdir(dirname(path), { recursive: true });
    await writeFile(temp, text, 'utf8');
    await rename(temp, path);
  } catch (cause) {
    await rm(temp, { force: true }).catch(() => undefined);
    throw new ResultsFileError({
      file: path,
      operation: 'write',
      problem: 'io',
      detail: (cause as Error).message,
      cause,
    });
  }
}

/** Reads and validates a results file; every failure is a ResultsFileError (problem: io, json, version, schema). */
export async function readResults(path: string): Promise<RunResults> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (cause) {
    throw new ResultsFileError({
      file: path,
      operation: 'read',
      problem: 'io',
      detail: (cause as Error).message,
      cause,
    });
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (cause) {
    throw new ResultsFileError({
      file: path,
      operation: 'read',
      problem: 'json',
      detail: `not JSON: ${(cause as Error).message}`,
      cause,
    });
  }
  return validateResults(value, path, 'read');
}
