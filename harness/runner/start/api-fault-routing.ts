import { join } from 'node:path';
// The proxy (and node-forge behind it) is loaded only by runs that inject API faults.
import type { ApiFaultProxy } from '../../api-faults/api-fault-proxy.ts';
import type { LocalControlPlane } from '../../control-plane/local-control-plane.ts';
import type { RunResults } from '../../results/run-results.ts';
import type { Scenario } from '../../scenarios/scenario-types.ts';

// How scenarios with spec.apiFaults reach the API-server fault proxy.
//
// Scoping: a scenario with apiFaults runs in a control plane of its own (suite-runner.ts, ownPlaneSuffix), so its rules act on its own
// objects only, whatever they match. Rules cannot be scoped by object name alone: Bucket names are made by the
// controller from the claim's UID (bucket-<uid>, bc-<uid>), unknown until the claim exists.
// Cost: the proxy runs only where a scenario asks for it; every other control plane is reached directly.

/** The proxy's journal (JSON lines) in the environment's log folder. */
export const API_JOURNAL_FILE = 'api-journal.jsonl';

/** Why a scenario cannot run on this backend, or undefined when it can. */
export function apiFaultsUnsupported(s: Scenario, backend: RunResults['backend']): string | undefined {
  if (!s.apiFaults || backend === 'local') return undefined;
  return (
    `spec.apiFaults needs the local backend (--backend local): the fault proxy must sit between the sidecar and ` +
    `a kube-apiserver the harness starts; on ${backend} the sidecar runs in a Pod that talks to the API server directly`
  );
}

/** Thrown when one control plane would need two scenarios' faults (a custom environment key grouped them). */
export class ApiFaultsSharingError extends Error {
  constructor(readonly scenarios: string[]) {
    super(
      `scenarios ${scenarios.join(', ')} have spec.apiFaults and were put in one control plane; ` +
        'run them with the default grouping (each gets a control plane of its own)',
    );
    this.name = 'ApiFaultsSharingError';
  }
}

/** The proxy for a group's scenarios and which components go through it. */
export interface ApiFaultRoute {
  proxy: ApiFaultProxy;
  sidecar: boolean;
  controller: boolean;
}

/** Starts the proxy when a scenario of the group has apiFaults; undefined otherwise. */
export async function startApiFaultRoute(
  scenarios: Scenario[],
  cp: LocalControlPlane,
  logDir: string,
): Promise<ApiFaultRoute | undefined> {
  const withFaults = scenarios.filter((s) => s.apiFaults);
  const own = withFaults[0];
  if (!own?.apiFaults) return undefined;
  if (withFaults.length > 1) throw new ApiFaultsSharingError(withFaults.map((s) => s.name));
  const { ApiFaultProxy } = await import('../../api-faults/api-fault-proxy.ts');
  const proxy = await ApiFaultProxy.start({
    upstreamUrl: cp.serverUrl,
    upstreamCaPem: cp.apiServer.caPem,
    faults: own.apiFaults,
    journalFile: join(logDir, API_JOURNAL_FILE),
  });
  const clients = own.apiFaultsClients ?? ['sidecar'];
  return { proxy, sidecar: clients.includes('sidecar'), controller: clients.includes('controller') };
}
