import { setTimeout as sleep } from 'node:timers/promises';
import type { ManagedProcess } from './managed-process.ts';
import { ProcessStartError } from './process-errors.ts';

/**
 * Polls `probe` until it returns true; fails early when the process exits, or after `timeoutMs`, with the
 * component's log tail in the error.
 */
export async function waitForReady(
  proc: ManagedProcess,
  what: string,
  probe: () => Promise<boolean>,
  timeoutMs: number,
  intervalMs = 100,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (proc.hasExited) {
      throw new ProcessStartError(
        proc.spec.component,
        proc.spec.binary,
        `exited before ${what}`,
        proc.spec.logFile,
        proc.logTail(),
        proc.exit?.code ?? null,
        proc.exit?.signal ?? null,
      );
    }
    try {
      if (await probe()) return;
    } catch {
      // not ready yet
    }
    await sleep(intervalMs);
  }
  throw new ProcessStartError(
    proc.spec.component,
    proc.spec.binary,
    `was not ${what} within ${Math.round(timeoutMs / 1000)} s`,
    proc.spec.logFile,
    proc.logTail(),
  );
}
