import { READY_BUCKET_PARAMETER } from '../cosi/v010-sidecar-assist.ts';
import type { MatrixCell } from '../results/run-results.ts';
import type { Expectation, Scenario, ScenarioVariant } from '../scenarios/scenario-types.ts';
import { neverCalledEvidence } from '../variants/never-called.ts';
import { type BoundedRetry, intervalsExpectation } from './bounded-retry.ts';
import { MATRIX_RPCS, type MatrixRpc, NON_OK_CODES, type NonOkCode } from './grpc-codes.ts';
import { boundedFor, declaredFor, notCalledFor, type RetryPolicy } from './retry-policy.ts';

export interface MatrixOptions {
  codes?: readonly NonOkCode[];
  rpcs?: readonly MatrixRpc[];
  patterns?: readonly MatrixCell['pattern'][];
  windowMs: number;
  /** Variant name -> its declared policy. */
  policies: Map<string, RetryPolicy>;
  /** Variant name -> the factor its sidecar divides its bounded waits by (SidecarVariant.timeScale); default 1. */
  timeScales?: Map<string, number>;
}

/** How many times the 'then-ok' pattern answers the code before it answers OK. */
export const THEN_OK_FAILURES = 3;

const TRIGGER: Record<MatrixRpc, Scenario['trigger']> = {
  create: 'apply',
  delete: 'delete-claim',
  grant: 'create-access',
  revoke: 'delete-access',
};

// How each RPC's bucket comes to be: created through the driver (create, delete: the delete is attributed
// through the id the driver gave), or already provisioned (grant: the grant request carries the scenario).
const SETUP: Record<MatrixRpc, string | undefined> = {
  create: undefined,
  delete: 'ready-bucket',
  grant: 'provisioned-bucket',
  revoke: 'ready-bucket',
};

// How long the backend takes to create a set-up Bucket (see the rule below).
export const SETUP_CREATE_DELAY_MS = 1_000;

const ABBREV: Record<string, string> = { always: 'a', 'then-ok': 't' };

/** Scenario name of a cell: short, DNS-safe, unique ("create-invalidargument-a"). */
export function cellName(cell: MatrixCell): string {
  return `${cell.rpc}-${cell.code.toLowerCase()}-${ABBREV[cell.pattern]}`;
}

/** What the declared policy means for the journal of one cell. */
export function expectationFor(
  declared: 'terminal' | 'retried' | 'success' | 'bounded',
  pattern: MatrixCell['pattern'],
  minRetried: number,
  bounded?: { retry: BoundedRetry; timeScale: number },
): Expectation {
  if (declared === 'bounded' && bounded) return boundedExpectation(bounded.retry, pattern, bounded.timeScale);
  if (declared !== 'retried') return { outcome: 'terminal', attempts: 1 };
  // Retried: 'always' keeps going; 'then-ok' gets the code 3 times, then success on the 4th call, then stops
  // retrying. A success re-sent after it (v1alpha1 calls again when its status write then conflicts, as happened
  // under CI load) is the write's retry, not the code's: reported in the evidence, not counted against the policy.
  return pattern === 'always'
    ? { outcome: 'unbounded', minAttempts: minRetried, stillRetrying: true }
    : { outcome: 'bounded', attemptsUntilOk: 4 };
}

/**
 * A bounded retry: 'always' makes exactly times + 1 calls at the declared waits and then stops; 'then-ok' fails
 * THEN_OK_FAILURES times, so it succeeds at the next call when the bound allows that many retries (else it gives up
 * first, like 'always'). The waits up to the last call are checked either way.
 */
function boundedExpectation(b: BoundedRetry, pattern: MatrixCell['pattern'], timeScale: number): Expectation {
  const intervals = intervalsExpectation(b, timeScale);
  const calls = b.retried.times + 1;
  if (pattern === 'then-ok' && b.retried.times >= THEN_OK_FAILURES)
    return {
      outcome: 'bounded',
      attemptsUntilOk: THEN_OK_FAILURES + 1,
      retryIntervals: { ...intervals, expectedMs: intervals.expectedMs.slice(0, THEN_OK_FAILURES) },
    };
  return { outcome: 'bounded', attempts: calls, stillRetrying: false, retryIntervals: intervals };
}

/** One scenario per cell; each variant's expectation comes from its own declared policy. */
export function planMatrix(opts: MatrixOptions): Scenario[] {
  const scenarios: Scenario[] = [];
  for (const rpc of opts.rpcs ?? MATRIX_RPCS) {
    for (const code of opts.codes ?? NON_OK_CODES) {
      for (const pattern of opts.patterns ?? (['always', 'then-ok'] as const)) {
        const cell: MatrixCell = { code, rpc, pattern };
        const name = cellName(cell);
        const error = { error: { code, message: `cosi-chaos matrix: ${code} on ${rpc}` } };
        const action =
          pattern === 'always'
            ? error
            : { sequence: [{ times: THEN_OK_FAILURES, action: error }, { action: { backend: {} } }] };
        const variants: ScenarioVariant[] = [...opts.policies].map(([variant, policy]) => {
          const declared = declaredFor(policy, code, rpc);
          // A variant whose code never makes this RPC is expected to make none, with the upstream evidence; the
          // classification above says what it would do if it did.
          const never = notCalledFor(policy, rpc);
          if (never)
            return {
              sidecar: variant,
              declared,
              note: neverCalledEvidence(never),
              expect: { outcome: 'never-called', attempts: 0 } satisfies Expectation,
            };
          const retry = boundedFor(policy, code, rpc);
          const timeScale = opts.timeScales?.get(variant) ?? 1;
          const expect = expectationFor(
            declared,
            pattern,
            policy.budget?.minAttemptsRetried ?? 3,
            retry ? { retry, timeScale } : undefined,
          );
          return { sidecar: variant, declared, expect };
        });
        scenarios.push({
          file: '(matrix)',
          name,
          description: `${code} on every ${pattern === 'always' ? '' : 'of the first 3 '}${rpc} call${pattern === 'always' ? '' : 's, then success'}`,
          rpc,
          windowMs: opts.windowMs,
          rules: [
            { name: 'cell', priority: 100, match: { rpc }, action },
            // The Bucket a delete, grant or revoke cell needs is created by a backend that takes a moment, as a
            // real one does: answered at once, the v0.1 sidecar writes the claim before its controller has written
            // the claim's bucket name and finalizer, and the controller never retries those (README: the
            // claim-write race). What the cell measures is its own RPC.
            ...(rpc === 'create'
              ? []
              : [
                  {
                    name: 'setup-backend-creates-slowly',
                    priority: 10,
                    match: { rpc: 'create' },
                    // biome-ignore lint/suspicious/noThenProperty: `then` is the rule file's delay field (schemas/rules.schema.json)
                    action: { delay: { ms: SETUP_CREATE_DELAY_MS, then: { backend: {} } } },
                  },
                ]),
          ],
          // delete, grant and revoke need a ready bucket first (see READY_BUCKET_PARAMETER).
          bucketClass: {
            name: `m-${name}`,
            deletionPolicy: 'Delete',
            parameters: SETUP[rpc] ? { [READY_BUCKET_PARAMETER]: SETUP[rpc] } : {},
          },
          bucketClaim: { name: `m-${name}`, namespace: 'matrix', protocols: ['S3'] },
          access:
            rpc === 'grant' || rpc === 'revoke'
              ? { className: `m-${name}`, name: `m-${name}`, parameters: {} }
              : undefined,
          trigger: TRIGGER[rpc],
          variants,
          cell,
        });
      }
    }
  }
  return scenarios;
}
