import type { ApiJournalEntry } from '../../results/api-journal-results.ts';
import type {
  ApiInjectedCount,
  ApiRequestCount,
  ApiRequestSummary,
  ApiWrite,
} from '../../results/bucket-ledger-results.ts';

const WRITE_VERBS = new Set(['create', 'update', 'patch', 'delete', 'deletecollection']);
// Results stay small: a retry storm is thousands of writes, the first few hundred show its shape.
const MAX_WRITES = 300;

function resourceOf(e: ApiJournalEntry): string {
  if (!e.isResourceRequest) return e.path;
  return e.subresource ? `${e.resource}/${e.subresource}` : (e.resource ?? e.path);
}

/**
 * The fault proxy's journal for one scenario x variant: requests by verb, resource and status, faults injected by
 * rule, and the writes in order with their offset from the trigger. `sidecarUser` keeps this variant's sidecar
 * (and the controller, which is no sidecar) when several sidecars share the control plane.
 */
export function summarizeApiJournal(
  entries: readonly ApiJournalEntry[],
  opts: { clients: ApiRequestSummary['clients']; sidecarUser?: string; triggerWall?: number },
): ApiRequestSummary {
  const mine = entries.filter(
    (e) => !opts.sidecarUser || e.user === opts.sidecarUser || !e.user?.includes(':cosi-sidecar-'),
  );
  const byKey = new Map<string, ApiRequestCount>();
  const injected = new Map<string, ApiInjectedCount>();
  for (const e of mine) {
    const resource = resourceOf(e);
    const key = `${e.verb} ${resource} ${e.status ?? ''}`;
    const row = byKey.get(key) ?? {
      verb: e.verb,
      resource,
      ...(e.status !== null ? { status: e.status } : {}),
      count: 0,
    };
    row.count++;
    byKey.set(key, row);
    if (e.fault) {
      const k = `${e.fault.rule} ${e.fault.kind}`;
      const f = injected.get(k) ?? { rule: e.fault.rule, kind: e.fault.kind, count: 0 };
      f.count++;
      injected.set(k, f);
    }
  }
  const trigger = opts.triggerWall ?? Date.parse(mine[0]?.wallTime ?? new Date(0).toISOString());
  const writes: ApiWrite[] = mine
    .filter((e) => WRITE_VERBS.has(e.verb))
    .slice(0, MAX_WRITES)
    .map((e) => ({
      seq: e.seq,
      wallTime: e.wallTime,
      offsetMs: Date.parse(e.wallTime) - trigger,
      verb: e.verb,
      resource: resourceOf(e),
      ...(e.name ? { name: e.name } : {}),
      ...(e.status !== null ? { status: e.status } : {}),
      outcome: e.outcome,
      ...(e.fault ? { rule: e.fault.rule } : {}),
    }));
  return {
    clients: opts.clients,
    requests: mine.length,
    byRequest: [...byKey.values()].sort(
      (a, b) => b.count - a.count || a.resource.localeCompare(b.resource) || a.verb.localeCompare(b.verb),
    ),
    injected: [...injected.values()],
    watchesCut: mine.filter((e) => e.outcome === 'watch-cut').length,
    writes,
  };
}
