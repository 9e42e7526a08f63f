// The witnesses: independent records of what a sidecar did, parsed and checked against the driver's count.

export {
  type AuditEventWrites,
  type AuditLeaseWrites,
  type AuditObjectWrites,
  type AuditSummary,
  type CodeCounts,
  eventWritesAbout,
  requests,
  succeeded,
  summarizeAuditLog,
  writesTo,
} from './audit-log-witness.ts';
export { AUDIT_POLICY_FILE } from './audit-policy.ts';
export {
  type ControllerCounters,
  countersDelta,
  readControllerCounters,
  totalReconciles,
} from './controller-metrics-witness.ts';
export { MetricsScrapeError, scrapeMetrics } from './metrics-scrape.ts';
export {
  countReconcileLines,
  hasReconcileLine,
  type KlogClock,
  logRecords,
  logVolume,
  type SidecarLogCount,
} from './sidecar-log-witness.ts';
export { collectWitnessCounts, type WitnessSources } from './witness-counts.ts';
export {
  type DriverRecord,
  type FidelityOptions,
  judgeFidelity,
  type WitnessCount,
  type WitnessRecordKind,
} from './witness-fidelity.ts';
