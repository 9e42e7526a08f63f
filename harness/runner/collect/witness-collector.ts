import { readFile } from 'node:fs/promises';
import type { Attempt, EventSummary, ObjectStatus, RefusedEvent } from '../../results/run-results.ts';
import type { WitnessTable } from '../../results/witness-results.ts';
import { summarizeAuditLog } from '../../witnesses/audit-log-witness.ts';
import { scrapeMetrics } from '../../witnesses/metrics-scrape.ts';
import { logRecords, logVolume } from '../../witnesses/sidecar-log-witness.ts';
import { collectWitnessCounts } from '../../witnesses/witness-counts.ts';
import { judgeFidelity } from '../../witnesses/witness-fidelity.ts';
import type { Slot } from '../scenario-slot.ts';

/** A v1alpha2 sidecar's metrics, or undefined where it serves none (v1alpha1) or cannot be reached. */
export async function scrapeSidecarMetrics(slot: Slot): Promise<string | undefined> {
  const url = slot.env?.member(slot.variant.name).metricsUrl;
  return url ? scrapeMetrics(url, 2_000).catch(() => undefined) : undefined;
}

// Only what the system recorded in this environment up to the window's end counts: the sidecar kept running after
// it, and a reused plane's log holds the stacks before it (their objects' and ServiceAccounts' names repeat).
function auditBetween(text: string, fromMs: number, endMs: number): string {
  return text
    .split('\n')
    .filter((line) => {
      const at = /"stageTimestamp":"([^"]+)"/.exec(line)?.[1];
      if (at === undefined) return true;
      const ms = Date.parse(at);
      return ms >= fromMs && ms <= endMs;
    })
    .join('\n');
}

function logUpTo(text: string, endMs: number): string {
  return logRecords(text)
    .filter((r) => r.timeMs === undefined || r.timeMs <= endMs)
    .map((r) => r.text)
    .join('\n');
}

/**
 * The witness table of one settled scenario x variant: the driver's attempts checked against the kube-apiserver
 * audit log, the Events, the v1alpha2 sidecar's metrics (scraped when it was applied and when it settled) and the
 * sidecar's own log, each cut at the window's end. Undefined where the object the RPC is about was never created.
 */
export async function witnessTableFor(args: {
  slot: Slot;
  attempts: Attempt[];
  observedMs: number;
  stoppedAfterError: boolean;
  objects: ObjectStatus[];
  events: EventSummary[];
  eventsRefused?: RefusedEvent[];
  /** Scenario objects the same sidecar served in the run: its metrics count per controller, not per object. */
  objectsOnSidecar: number;
}): Promise<WitnessTable | undefined> {
  const { slot } = args;
  const env = slot.env;
  if (!env || slot.appliedAt === undefined) return undefined;
  const handle = env.member(slot.variant.name);
  const access = slot.scenario.rpc === 'grant' || slot.scenario.rpc === 'revoke';
  const object = args.objects.find((o) => o.kind === (access ? 'BucketAccess' : 'Bucket'));
  if (!object) return undefined;
  const endMs = slot.appliedAt + args.observedMs;
  await handle.refreshSidecarLog?.();
  const read = (file?: string) => (file ? readFile(file, 'utf8').catch(() => undefined) : undefined);
  const [audit, log] = await Promise.all([read(env.auditLogFile), read(handle.sidecarLogFile)]);
  const { counts, notMeasured } = collectWitnessCounts({
    era: slot.variant.era,
    rpc: slot.scenario.rpc,
    object: { resource: access ? 'bucketaccesses' : 'buckets', name: object.name },
    sidecarUser: handle.sidecarUser ?? '',
    audit:
      audit === undefined ? undefined : summarizeAuditLog(auditBetween(audit, env.auditSinceMs ?? 0, endMs)),
    eventsLanded: args.events,
    eventsRefused: args.eventsRefused,
    sidecarLog: log === undefined ? undefined : logUpTo(log, endMs),
    metrics:
      slot.metricsBefore !== undefined && slot.metricsAfter !== undefined
        ? {
            before: slot.metricsBefore,
            after: slot.metricsAfter,
            objectsInWindow: args.objectsOnSidecar,
          }
        : undefined,
  });
  const volume =
    log === undefined ? undefined : logVolume(logUpTo(log, endMs), [object.name], args.attempts.length);
  return judgeFidelity(
    {
      attemptTimes: args.attempts.map((a) => (slot.appliedAt as number) + a.offsetMs),
      failed: args.attempts.filter((a) => a.code !== 'OK').length,
      stoppedAfterError: args.stoppedAfterError,
      windowEndMs: endMs,
    },
    counts,
    notMeasured,
    volume,
  );
}
