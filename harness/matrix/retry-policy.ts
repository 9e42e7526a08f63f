import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { Ajv, type ErrorObject } from 'ajv';
import { LineCounter, parseDocument } from 'yaml';
import { pathOf, yamlLineOf } from '../api-faults/api-faults-loader.ts';
import { parseDuration } from '../scenarios/duration.ts';
import type { NeverCalled } from '../variants/never-called.ts';
import type { BoundedRetry } from './bounded-retry.ts';
import { MATRIX_RPCS, type MatrixRpc, NON_OK_CODES, type NonOkCode } from './grpc-codes.ts';

const require = createRequire(import.meta.url);
/** The published schema of a policy file (schemas/retry-policy.schema.json). */
export const RETRY_POLICY_SCHEMA = require('../../schemas/retry-policy.schema.json') as object;

/** A variant's declared retry policy (patches/policies/*.yaml): what it claims to do per code and RPC. */
export interface RetryPolicy {
  variant: string;
  terminal: NonOkCode[];
  terminalByRpc?: Partial<Record<MatrixRpc, NonOkCode[]>>;
  successByRpc?: Partial<Record<MatrixRpc, NonOkCode[]>>;
  retried: NonOkCode[];
  retriedByRpc?: Partial<Record<MatrixRpc, NonOkCode[]>>;
  /** Codes retried a fixed number of times at fixed intervals, then given up; they win over every list. */
  bounded?: BoundedRetry[];
  /**
   * RPCs the variant's code never makes, each with the upstream file and function that shows it: their cells are
   * expected to see no call at all (a call there fails the cell), and the evidence is reported with them.
   */
  notCalled?: NotCalled[];
  /** Documentation only: codes known to crash the sidecar. A crash is still reported, never a pass. */
  crashByRpc?: Partial<Record<MatrixRpc, NonOkCode[]>>;
  budget?: { minAttemptsRetried?: number };
}

export type Declared = 'terminal' | 'retried' | 'success' | 'bounded';

/** An RPC a variant never makes, and where its upstream code shows that (a path inside its module). */
export type NotCalled = NeverCalled;

/** The declaration that a variant never makes `rpc`, if its policy has one. */
export function notCalledFor(p: RetryPolicy, rpc: MatrixRpc): NotCalled | undefined {
  return p.notCalled?.find((n) => n.rpc === rpc);
}

const validate = new Ajv({ allErrors: true }).compile(RETRY_POLICY_SCHEMA);

/**
 * A policy file is invalid: where (file, line, path in the document) and what. Bad input: exit 2, nothing
 * started. The message is `file:line: path: problem`, one line per problem when there are several.
 */
export class PolicyError extends Error {
  override readonly name = 'PolicyError';
  constructor(
    readonly file: string,
    readonly problems: { line?: number; path: string; problem: string }[],
  ) {
    super(
      problems
        .map((p) => `${file}${p.line ? `:${p.line}` : ''}: ${p.path || '(document)'}: ${p.problem}`)
        .join('\n'),
    );
  }
}

/** The bounded retry a policy declares for one code and RPC, if any. */
export function boundedFor(p: RetryPolicy, code: NonOkCode, rpc: MatrixRpc): BoundedRetry | undefined {
  return p.bounded?.find((b) => b.codes.includes(code) && (b.rpcs ?? MATRIX_RPCS).includes(rpc));
}

/** What the policy declares for one code and RPC; bounded entries and per-RPC lists win over the general ones. */
export function declaredFor(p: RetryPolicy, code: NonOkCode, rpc: MatrixRpc): Declared {
  if (boundedFor(p, code, rpc)) return 'bounded';
  if (p.successByRpc?.[rpc]?.includes(code)) return 'success';
  if (p.terminalByRpc?.[rpc]?.includes(code)) return 'terminal';
  if (p.retriedByRpc?.[rpc]?.includes(code)) return 'retried';
  if (p.terminal.includes(code)) return 'terminal';
  if (p.retried.includes(code)) return 'retried';
  throw new Error(`policy of ${p.variant} does not say what ${code} on ${rpc} does`);
}

function schemaProblem(error: ErrorObject): string {
  if (error.keyword === 'additionalProperties')
    return `unknown field "${(error.params as { additionalProperty: string }).additionalProperty}"`;
  if (error.keyword === 'enum')
    return `must be one of ${(error.params as { allowedValues: unknown[] }).allowedValues.join(', ')}`;
  return error.message ?? 'is invalid';
}

// Whatever the schema cannot say: every code in one class per RPC, one interval per bounded retry.
function semanticProblems(p: RetryPolicy): { path: (string | number)[]; problem: string }[] {
  const problems: { path: (string | number)[]; problem: string }[] = [];
  (p.bounded ?? []).forEach((b, i) => {
    if (b.retried.intervals.length !== b.retried.times)
      problems.push({
        path: ['bounded', i, 'retried', 'intervals'],
        problem: `${b.retried.intervals.length} interval(s) for ${b.retried.times} retries: give one per retry`,
      });
    b.retried.intervals.forEach((d, j) => {
      if (!((parseDuration(d) ?? 0) > 0))
        problems.push({ path: ['bounded', i, 'retried', 'intervals', j], problem: `"${d}" is not > 0` });
    });
    for (const rpc of b.rpcs ?? MATRIX_RPCS)
      for (const code of b.codes) {
        const other = boundedFor(p, code, rpc);
        if (other !== b)
          problems.push({ path: ['bounded', i, 'codes'], problem: `${code} on ${rpc} is bounded twice` });
        const listed = [
          p.successByRpc?.[rpc],
          p.terminalByRpc?.[rpc],
          p.retriedByRpc?.[rpc],
          p.terminal,
          p.retried,
        ].some((l) => l?.includes(code));
        if (listed)
          problems.push({
            path: ['bounded', i, 'codes'],
            problem: `${code} on ${rpc} is also in terminal, retried or a ...ByRpc list: keep it in one class`,
          });
      }
  });
  for (const rpc of MATRIX_RPCS)
    for (const code of NON_OK_CODES) {
      try {
        declaredFor(p, code, rpc);
      } catch {
        problems.push({
          path: [],
          problem: `${code} on ${rpc} is in none of terminal, retried, bounded, terminalByRpc, retriedByRpc, successByRpc`,
        });
      }
    }
  return problems;
}

/** Parses and checks a policy: valid shape (its JSON Schema), and every code in exactly one class per RPC. */
export function parsePolicy(text: string, file: string): RetryPolicy {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter });
  if (doc.errors.length) {
    const e = doc.errors[0] as (typeof doc.errors)[number];
    throw new PolicyError(file, [
      { line: e.linePos?.[0]?.line, path: '', problem: `YAML syntax error: ${e.message.split('\n')[0]}` },
    ]);
  }
  const lineOf = yamlLineOf(doc, lineCounter);
  const data: unknown = doc.toJS();
  if (!validate(data)) {
    const seen = new Set<string>();
    const problems = (validate.errors ?? []).flatMap((err) => {
      const path = pathOf(err);
      const key = `${path.join('.')}\0${schemaProblem(err)}`;
      if (seen.has(key)) return [];
      seen.add(key);
      return [{ line: lineOf(path), path: path.join('.'), problem: schemaProblem(err) }];
    });
    throw new PolicyError(file, problems);
  }
  const p = data as RetryPolicy;
  const problems = semanticProblems(p);
  if (problems.length)
    throw new PolicyError(
      file,
      problems.map((x) => ({ line: lineOf(x.path), path: x.path.join('.'), problem: x.problem })),
    );
  return p;
}

export async function loadPolicy(file: string): Promise<RetryPolicy> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new PolicyError(file, [{ path: '', problem: `cannot read: ${(e as Error).message}` }]);
  }
  return parsePolicy(text, file);
}
