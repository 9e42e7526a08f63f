import { countersDelta, readControllerCounters } from '../../witnesses/controller-metrics-witness.ts';
import { scrapeMetrics } from '../../witnesses/metrics-scrape.ts';
import type { Slot } from '../scenario-slot.ts';
import type { OutcomeWitness } from './outcome-decider.ts';

/** The controller-runtime controller of the v1alpha2 sidecar that serves an RPC. */
function controllerFor(rpc: string): string {
  return rpc === 'grant' || rpc === 'revoke' ? 'bucketaccess' : 'bucket';
}

/**
 * Asks a v1alpha2 sidecar's own metrics whether its reconcile of this slot's object ended for good: every error its
 * controller counted was terminal (controller-runtime does not requeue those) and nothing was put back in its
 * queue, or each failure was requeued once and a success ended it, counted from the slot's trigger on. Only where the
 * slot is the one object that controller serves in this run: the counters are per controller, not per object.
 * Empty where it cannot say.
 */
export function reconcileEndWitness(all: readonly Slot[]): (slot: Slot) => Promise<OutcomeWitness> {
  return async (slot) => {
    const handle = slot.env?.member(slot.variant.name);
    if (slot.variant.era !== 'v1alpha2' || !handle?.metricsUrl) return {};
    const controller = controllerFor(slot.scenario.rpc);
    const sharing = all.filter(
      (s) => s.env === slot.env && s.variant === slot.variant && controllerFor(s.scenario.rpc) === controller,
    );
    if (sharing.length !== 1) return {};
    // Counted since the slot's trigger (the scrape taken then): a sidecar of a running `up` has served earlier
    // attached runs, whose requeues (their cleanup's among them) would otherwise deny every later confirmation.
    const now = readControllerCounters(await scrapeMetrics(handle.metricsUrl, 2_000), controller);
    const c =
      slot.metricsBefore !== undefined
        ? countersDelta(readControllerCounters(slot.metricsBefore, controller), now)
        : now;
    const failed = slot.attempts.filter((a) => a.code !== 'OK').length;
    const last = slot.attempts.at(-1);
    if (!last) return {};
    if (last.code !== 'OK' && c.terminalErrors >= 1 && c.errors === c.terminalErrors && c.retries === 0)
      return {
        terminalConfirmed: `its ${controller} controller counted ${c.terminalErrors} terminal reconcile error(s) and 0 requeues (controller_runtime_terminal_reconcile_errors_total, workqueue_retries_total)`,
      };
    if (last.code === 'OK' && (c.reconciles.success ?? 0) >= 1 && c.retries === failed && c.errors === failed)
      return {
        terminalConfirmed: `its ${controller} controller requeued each of the ${failed} failure(s) once and then reconciled successfully (workqueue_retries_total ${c.retries}, controller_runtime_reconcile_total{result="success"} ${c.reconciles.success})`,
      };
    return {};
  };
}
