// The v1alpha2 sidecar is a controller-runtime manager: its Prometheus counters are its own count of reconciles,
// errors, terminal errors and workqueue retries per controller ("bucket", "bucketaccess"). Read before and after a
// window, their difference is what the sidecar did in it.
import parsePrometheusTextFormat, { type PrometheusFamily } from 'parse-prometheus-text-format';

/** One controller's counters at one moment (or their change over a window). */
export interface ControllerCounters {
  /** controller_runtime_reconcile_total by result: success, error, requeue, requeue_after. */
  reconciles: Record<string, number>;
  /** controller_runtime_reconcile_errors_total */
  errors: number;
  /** controller_runtime_terminal_reconcile_errors_total (0 where the build has no such counter) */
  terminalErrors: number;
  /** workqueue_retries_total: rate-limited requeues of the controller's queue */
  retries: number;
}

/** Sum of reconcile_total over every result. */
export function totalReconciles(c: ControllerCounters): number {
  return Object.values(c.reconciles).reduce((a, b) => a + b, 0);
}

function samples(
  families: PrometheusFamily[],
  name: string,
  matches: (l: Record<string, string>) => boolean,
) {
  return (families.find((f) => f.name === name)?.metrics ?? []).filter((m) => matches(m.labels ?? {}));
}

const num = (v: string | undefined) => (v === undefined ? 0 : Number(v));

/**
 * One controller's counters from a Prometheus text scrape. workqueue_retries_total is matched on its
 * `controller` label, or on `name` where the build labels the queue only by name.
 */
export function readControllerCounters(text: string, controller: string): ControllerCounters {
  const families = parsePrometheusTextFormat(text);
  const ofController = (l: Record<string, string>) => l.controller === controller;
  const reconciles: Record<string, number> = {};
  for (const m of samples(families, 'controller_runtime_reconcile_total', ofController)) {
    const result = m.labels?.result ?? 'unknown';
    reconciles[result] = (reconciles[result] ?? 0) + num(m.value);
  }
  const sum = (name: string, match: (l: Record<string, string>) => boolean) =>
    samples(families, name, match).reduce((n, m) => n + num(m.value), 0);
  return {
    reconciles,
    errors: sum('controller_runtime_reconcile_errors_total', ofController),
    terminalErrors: sum('controller_runtime_terminal_reconcile_errors_total', ofController),
    retries: sum('workqueue_retries_total', (l) =>
      l.controller === undefined ? l.name === controller : l.controller === controller,
    ),
  };
}

/** after - before, counter by counter: what the controller did between two scrapes. */
export function countersDelta(before: ControllerCounters, after: ControllerCounters): ControllerCounters {
  const reconciles: Record<string, number> = {};
  for (const r of new Set([...Object.keys(before.reconciles), ...Object.keys(after.reconciles)]))
    reconciles[r] = (after.reconciles[r] ?? 0) - (before.reconciles[r] ?? 0);
  return {
    reconciles,
    errors: after.errors - before.errors,
    terminalErrors: after.terminalErrors - before.terminalErrors,
    retries: after.retries - before.retries,
  };
}
