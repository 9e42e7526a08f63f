/** Process exit codes of the CLI. */
export const EXIT = {
  /** Every expectation held. */
  ok: 0,
  /** At least one expectation did not hold (the CI gate). */
  expectationFailed: 1,
  /** Bad input: scenario file, rules, flags. Nothing was started. */
  badInput: 2,
  /** Broken infrastructure: a component failed to build or start. */
  infrastructure: 3,
  /** Interrupted (Ctrl-C). */
  interrupted: 130,
} as const;

/** Bad command-line input; printed as one line, exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}
