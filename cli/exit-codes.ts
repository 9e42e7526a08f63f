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

/**
 * The run's results broke their own schema (a bug of cosi-chaos, not of the input): they were written to
 * `file` with the violations, and the run exits 3.
 */
export class InvalidResultsError extends Error {
  override readonly name = 'InvalidResultsError';
  constructor(
    readonly file: string,
    readonly violations: { path: string; message: string }[],
    unrendered: string[],
  ) {
    const shown = violations
      .slice(0, 5)
      .map((v) => `${v.path || '/'} ${v.message}`)
      .join('; ');
    const more = violations.length > 5 ? `; and ${violations.length - 5} more` : '';
    super(
      `the results failed their schema (a cosi-chaos bug: please report it with this file): ${shown}${more}. ` +
        `Everything measured was written to ${file}, with the violations` +
        (unrendered.length ? ` (reports not rendered: ${unrendered.join(', ')})` : ''),
    );
  }
}
