import { readFile } from 'node:fs/promises';
import { Ajv } from 'ajv';
import { parse } from 'yaml';
import type { NeverCalled } from '../variants/never-called.ts';
import { MATRIX_RPCS, type MatrixRpc, NON_OK_CODES, type NonOkCode } from './grpc-codes.ts';

/** A variant's declared retry policy (patches/policies/*.yaml): what it claims to do per code and RPC. */
export interface RetryPolicy {
  variant: string;
  terminal: NonOkCode[];
  terminalByRpc?: Partial<Record<MatrixRpc, NonOkCode[]>>;
  successByRpc?: Partial<Record<MatrixRpc, NonOkCode[]>>;
  retried: NonOkCode[];
  retriedByRpc?: Partial<Record<MatrixRpc, NonOkCode[]>>;
  /**
   * RPCs the variant's code never makes, each with the upstream file and function that shows it: their cells are
   * expected to see no call at all (a call there fails the cell), and the evidence is reported with them.
   */
  notCalled?: NotCalled[];
  /** Documentation only: codes known to crash the sidecar. A crash is still reported, never a pass. */
  crashByRpc?: Partial<Record<MatrixRpc, NonOkCode[]>>;
  budget?: { minAttemptsRetried?: number };
}

export type Declared = 'terminal' | 'retried' | 'success';

/** An RPC a variant never makes, and where its upstream code shows that (a path inside its module). */
export type NotCalled = NeverCalled;

/** The declaration that a variant never makes `rpc`, if its policy has one. */
export function notCalledFor(p: RetryPolicy, rpc: MatrixRpc): NotCalled | undefined {
  return p.notCalled?.find((n) => n.rpc === rpc);
}

const codeList = { type: 'array', items: { enum: [...NON_OK_CODES] }, uniqueItems: true };
const byRpc = {
  type: 'object',
  additionalProperties: false,
  properties: Object.fromEntries(MATRIX_RPCS.map((r) => [r, codeList])),
};
const schema = {
  type: 'object',
  additionalProperties: false,
  required: ['variant', 'terminal', 'retried'],
  properties: {
    variant: { type: 'string', minLength: 1 },
    description: { type: 'string' },
    terminal: codeList,
    terminalByRpc: byRpc,
    successByRpc: byRpc,
    retried: codeList,
    retriedByRpc: byRpc,
    notCalled: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['rpc', 'file', 'function', 'why'],
        properties: {
          rpc: { enum: [...MATRIX_RPCS] },
          file: { type: 'string', minLength: 1 },
          function: { type: 'string', minLength: 1 },
          why: { type: 'string', minLength: 1 },
        },
      },
    },
    crashByRpc: byRpc,
    budget: {
      type: 'object',
      additionalProperties: false,
      properties: { minAttemptsRetried: { type: 'integer', minimum: 2 } },
    },
  },
};
const validate = new Ajv({ allErrors: false }).compile(schema);

/** A policy file is invalid; names the file and the problem. Bad input: exit 2. */
export class PolicyError extends Error {
  override readonly name = 'PolicyError';
}

/** What the policy declares for one code and RPC; per-RPC lists win over the general ones. */
export function declaredFor(p: RetryPolicy, code: NonOkCode, rpc: MatrixRpc): Declared {
  if (p.successByRpc?.[rpc]?.includes(code)) return 'success';
  if (p.terminalByRpc?.[rpc]?.includes(code)) return 'terminal';
  if (p.retriedByRpc?.[rpc]?.includes(code)) return 'retried';
  if (p.terminal.includes(code)) return 'terminal';
  if (p.retried.includes(code)) return 'retried';
  throw new PolicyError(`policy of ${p.variant} does not say what ${code} on ${rpc} does`);
}

/** Parses and checks a policy: valid shape, and every code classified for every RPC. */
export function parsePolicy(text: string, file: string): RetryPolicy {
  let data: unknown;
  try {
    data = parse(text);
  } catch (e) {
    throw new PolicyError(`${file}: YAML syntax error: ${(e as Error).message.split('\n')[0]}`);
  }
  if (!validate(data)) {
    const err = validate.errors?.[0];
    throw new PolicyError(`${file}: ${err?.instancePath || '(document)'} ${err?.message ?? 'is invalid'}`);
  }
  const p = data as unknown as RetryPolicy;
  for (const rpc of MATRIX_RPCS) {
    for (const code of NON_OK_CODES) {
      try {
        declaredFor(p, code, rpc);
      } catch {
        throw new PolicyError(
          `${file}: ${code} on ${rpc} is in none of terminal, retried, terminalByRpc, successByRpc`,
        );
      }
    }
  }
  return p;
}

export async function loadPolicy(file: string): Promise<RetryPolicy> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new PolicyError(`${file}: cannot read: ${(e as Error).message}`);
  }
  return parsePolicy(text, file);
}
