import type { KubeConfig } from '@kubernetes/client-node';
import type { CosiObjects } from '../../cosi/cosi-objects.ts';
import type { Scenario } from '../../scenarios/scenario-types.ts';

/** Driver name for a variant: DNS-label safe, since the sidecar derives its Lease name from it. */
export function driverNameFor(variant: string): string {
  return `${variant.toLowerCase().replace(/[^a-z0-9-]/g, '-')}.cosi-chaos.io`;
}

/** Names of a scenario's objects for one variant; several variants share a cluster. */
export interface ObjectNames {
  className: string;
  claimName: string;
  accessClassName?: string;
  accessName?: string;
}

/** What creating a scenario's objects needs of a cluster: credentials, the era's object shapes, the names. */
export interface ObjectTarget {
  kubeConfig(): KubeConfig;
  readonly objects: CosiObjects;
  namesFor(s: Scenario, variant: string): ObjectNames;
}
