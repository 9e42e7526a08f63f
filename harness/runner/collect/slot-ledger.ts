import type { DriverCall } from '../../driver/driver-admin-client.ts';
import type { ApiRequestSummary, BucketLedger } from '../../results/bucket-ledger-results.ts';
import type { Slot } from '../scenario-slot.ts';
import type { ApiFaultRoute } from '../start/api-fault-routing.ts';
import type { ScenarioEnvironment } from '../start/scenario-environment.ts';
import { summarizeApiJournal } from './api-request-summary.ts';
import { readBucketLedger } from './bucket-ledger.ts';

/** Environments that run the API-server fault proxy expose it (LocalEnvironment with a scenario's apiFaults). */
function routeOf(env: ScenarioEnvironment): ApiFaultRoute | undefined {
  return (env as { apiFaults?: ApiFaultRoute }).apiFaults;
}

/**
 * A slot's bucket ledger and fault-proxy summary, read when the run ends. The ledger is skipped for matrix cells
 * (hundreds of them, none about duplicates); a read that fails is a problem only when an expectation needs it.
 */
export async function slotLedger(
  slot: Slot,
  calls: readonly DriverCall[],
): Promise<{ buckets?: BucketLedger; apiRequests?: ApiRequestSummary; problems: string[] }> {
  const env = slot.env;
  if (!env || slot.scenario.cell) return { problems: [] };
  const problems: string[] = [];
  const e = slot.spec.expect;
  const wanted = e.duplicates !== undefined || e.orphans !== undefined || e.createCallsPerClaim !== undefined;
  // Behind the interposer the mock's store holds only what rules answered: the S3 server's view is realDriver's.
  if (env.member(slot.variant.name).realDriver) {
    if (wanted)
      problems.push(
        "duplicates, orphans and createCallsPerClaim are counted in the mock driver's store; with a real driver use calls and backendBucket",
      );
    return { problems };
  }
  const buckets = await readBucketLedger(env, slot.scenario, slot.variant.name, calls).catch(
    (err: unknown) => {
      if (wanted)
        problems.push(`buckets could not be counted: ${err instanceof Error ? err.message : String(err)}`);
      return undefined;
    },
  );
  const route = routeOf(env);
  const apiRequests = route
    ? summarizeApiJournal(route.proxy.journal(), {
        clients: [
          ...(route.sidecar ? ['sidecar' as const] : []),
          ...(route.controller ? ['controller' as const] : []),
        ],
        sidecarUser: env.member(slot.variant.name).sidecarUser,
        triggerWall: slot.appliedAt,
      })
    : undefined;
  return { ...(buckets ? { buckets } : {}), ...(apiRequests ? { apiRequests } : {}), problems };
}
