// Typed errors for child processes: they carry what a user needs to act on (which component, its log).

/** A component failed to start or become ready; read `logFile` (or `stderrTail`) for its own words. */
export class ProcessStartError extends Error {
  override readonly name = 'ProcessStartError';
  constructor(
    readonly component: string,
    readonly binary: string,
    readonly reason: string,
    readonly logFile: string,
    readonly stderrTail: string,
    readonly exitCode: number | null = null,
    readonly signal: string | null = null,
  ) {
    super(
      `${component} (${binary}) ${reason}; exit code ${exitCode ?? '-'}, signal ${signal ?? '-'}.\n` +
        `Last lines of ${logFile}:\n${stderrTail || '(empty)'}`,
    );
  }
}
