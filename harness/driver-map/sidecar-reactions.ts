import type { DriverMapCase, SidecarReaction } from '../results/driver-map-results.ts';
import type { RunResults } from '../results/run-results.ts';

/**
 * What each sidecar build of a matrix or sweep run did with the code the driver returned: its "always" cell for
 * that RPC and code (every call answered so, as this driver answers every retry). OK needs no cell: every build
 * takes it as done.
 */
export function sidecarReactions(c: DriverMapCase, run: RunResults): SidecarReaction[] {
  const variants = [...new Set(run.scenarios.filter((r) => r.cell).map((r) => r.variant))];
  return variants.map((variant): SidecarReaction => {
    if (c.returned.code === 'OK') return { variant, outcome: 'success' };
    const cell = run.scenarios.find(
      (r) =>
        r.variant === variant &&
        r.cell?.rpc === c.rpc &&
        r.cell.code === c.returned.code &&
        r.cell.pattern === 'always' &&
        r.outcome !== 'unavailable',
    );
    if (!cell) return { variant, outcome: 'not-measured' };
    return {
      variant,
      outcome: cell.outcome === 'unavailable' ? 'not-measured' : cell.outcome,
      attempts: cell.attempts.length,
      stillRetryingAtEnd: cell.stillRetryingAtEnd,
    };
  });
}
