// Turns what each witness recorded about one object into counts that judgeFidelity checks against the driver:
// which measure of which witness should equal which driver number, per era. A witness that cannot count here
// (no audit log on this backend, no metrics in v1alpha1, a release that records no Event) is listed with why.
import type { Era, EventSummary, RefusedEvent, Rpc } from '../results/run-results.ts';
import type { WitnessNotMeasured } from '../results/witness-results.ts';
import { type AuditSummary, eventWritesAbout, requests, succeeded, writesTo } from './audit-log-witness.ts';
import { countersDelta, readControllerCounters, totalReconciles } from './controller-metrics-witness.ts';
import { countReconcileLines, hasReconcileLine, type KlogClock } from './sidecar-log-witness.ts';
import type { WitnessCount } from './witness-fidelity.ts';

/** Everything recorded about one object in one window; each field is optional (the witness is then not measured). */
export interface WitnessSources {
  era: Era;
  rpc: Rpc;
  /** The object the counted RPC is about: the Bucket (create, delete) or the BucketAccess (grant, revoke). */
  object: { resource: 'buckets' | 'bucketaccesses'; name: string };
  /** The sidecar's user as the API server authenticates it: system:serviceaccount:NS:NAME. */
  sidecarUser: string;
  /** The kube-apiserver audit log, summarized (summarizeAuditLog); absent where the backend cannot read it. */
  audit?: AuditSummary;
  /** Events about the object that reached the API, read at the window's end. */
  eventsLanded?: EventSummary[];
  /** Events the sidecar's log shows refused. */
  eventsRefused?: RefusedEvent[];
  /** The sidecar's log text for the window. */
  sidecarLog?: string;
  /** How to read klog times (no year, local zone); defaults to this year and this process's zone. */
  logClock?: KlogClock;
  /**
   * Prometheus text scraped before and after the window (v1alpha2 sidecar), and how many objects that sidecar's
   * controller reconciled in the window (default 1): the counters are per controller, so they witness one object
   * only when it was the only one.
   */
  metrics?: { before: string; after: string; objectsInWindow?: number };
}

/** The controller-runtime controller of the sidecar that reconciles the object. */
function controllerOf(resource: WitnessSources['object']['resource']): string {
  return resource === 'buckets' ? 'bucket' : 'bucketaccess';
}

function nameOf(object: string): string {
  return object.slice(object.indexOf('/') + 1);
}

/** Witness counts for one object, and the witnesses that could not count it with the reason. */
export function collectWitnessCounts(src: WitnessSources): {
  counts: WitnessCount[];
  notMeasured: WitnessNotMeasured[];
} {
  const counts: WitnessCount[] = [];
  const notMeasured: WitnessNotMeasured[] = [];
  const name = src.object.name;
  const landed = (src.eventsLanded ?? []).filter((e) => nameOf(e.object) === name && e.type === 'Warning');
  const refused = (src.eventsRefused ?? []).filter((e) => nameOf(e.object) === name);
  const auditEvents = src.audit ? eventWritesAbout(src.audit, src.sidecarUser, name) : undefined;
  const triedEvents =
    landed.length > 0 ||
    refused.length > 0 ||
    (auditEvents !== undefined && requests(auditEvents.creates) + requests(auditEvents.patches) > 0);
  const refusedTimes = refused.reduce((n, e) => n + e.times, 0);

  // Events: v1alpha1 builds (but v0.1.0) record one Warning per failed call; client-go raises its count.
  if (src.era === 'v1alpha2')
    notMeasured.push({
      witness: 'events',
      measure: 'Warning Event count',
      reason: 'v1alpha2 records no Event',
    });
  else if (!src.eventsLanded)
    notMeasured.push({ witness: 'events', measure: 'Warning Event count', reason: 'Events were not read' });
  else if (!triedEvents)
    notMeasured.push({
      witness: 'events',
      measure: 'Warning Event count',
      reason: `the sidecar wrote and tried no Event about ${name}: this build records none`,
    });
  else
    counts.push({
      witness: 'events',
      measure: `Warning Event count (${[...new Set(landed.map((e) => e.reason))].join(', ') || 'none landed'})`,
      expects: 'failed-attempts',
      record: 'event',
      count: landed.reduce((n, e) => n + e.count, 0),
      refused: refusedTimes,
    });

  // Audit log: the API server's record of the sidecar's writes about the object.
  if (!src.audit)
    notMeasured.push({
      witness: 'audit-log',
      measure: 'sidecar writes',
      reason: 'no audit log on this backend',
    });
  else if (src.era === 'v1alpha2') {
    const w = writesTo(src.audit, src.sidecarUser, src.object.resource, name);
    counts.push({
      witness: 'audit-log',
      measure: `${src.object.resource}/status writes accepted (codes ${JSON.stringify(w.statusWrites)})`,
      expects: 'failed-attempts',
      record: 'call-result',
      count: succeeded(w.statusWrites),
    });
  } else if (auditEvents && triedEvents)
    counts.push({
      witness: 'audit-log',
      measure:
        `Event writes accepted (creates ${JSON.stringify(auditEvents.creates)}, ` +
        `patches ${JSON.stringify(auditEvents.patches)})`,
      expects: 'failed-attempts',
      record: 'event',
      count: succeeded(auditEvents.creates) + succeeded(auditEvents.patches),
      refused: refusedTimes,
    });
  else
    notMeasured.push({
      witness: 'audit-log',
      measure: 'sidecar writes',
      reason: `the sidecar wrote nothing about ${name} per attempt (no status, no Event)`,
    });

  // Metrics: only the v1alpha2 sidecar serves them; counters are per controller, so per object only when the
  // object is the controller's only one in the window.
  if (src.era === 'v1alpha1')
    notMeasured.push({
      witness: 'metrics',
      measure: 'reconcile counters',
      reason: 'v1alpha1 sidecars serve no metrics',
    });
  else if (!src.metrics)
    notMeasured.push({
      witness: 'metrics',
      measure: 'reconcile counters',
      reason: 'metrics were not scraped',
    });
  else if ((src.metrics.objectsInWindow ?? 1) > 1)
    notMeasured.push({
      witness: 'metrics',
      measure: 'reconcile counters',
      reason: `the counters are per controller and ${src.metrics.objectsInWindow} objects shared it in the window`,
    });
  else {
    const controller = controllerOf(src.object.resource);
    const d = countersDelta(
      readControllerCounters(src.metrics.before, controller),
      readControllerCounters(src.metrics.after, controller),
    );
    const m = (measure: string, expects: WitnessCount['expects'], count: number): WitnessCount => ({
      witness: 'metrics',
      measure: `${measure}{controller="${controller}"} delta`,
      expects,
      record: 'reconcile',
      count,
    });
    counts.push(
      m('controller_runtime_reconcile_total', 'attempts', totalReconciles(d)),
      m('controller_runtime_reconcile_errors_total', 'failed-attempts', d.errors),
      m('controller_runtime_terminal_reconcile_errors_total', 'terminal-attempts', d.terminalErrors),
      m('workqueue_retries_total', 'retried-attempts', d.retries),
    );
  }

  // The sidecar's log: its line per reconcile (v1alpha1) or per failed call (v1alpha2).
  if (src.sidecarLog === undefined)
    notMeasured.push({
      witness: 'sidecar-log',
      measure: 'reconcile lines',
      reason: 'the sidecar log was not read',
    });
  else if (!hasReconcileLine(src.era, src.rpc))
    notMeasured.push({
      witness: 'sidecar-log',
      measure: 'reconcile lines',
      reason: `no per-attempt line known for ${src.era} ${src.rpc}`,
    });
  else
    for (const c of countReconcileLines(src.sidecarLog, src.era, src.rpc, name, src.logClock))
      counts.push({
        witness: 'sidecar-log',
        measure: c.measure,
        expects: c.expects,
        record: c.measure.startsWith('"Driver') ? 'call-result' : 'reconcile',
        count: c.count,
        times: c.times,
      });
  return { counts, notMeasured };
}
