import type { RunResults } from '../../results/run-results.ts';
import { describeDriver, driverNeedsCluster, driverServesEra } from '../../scenarios/scenario-driver.ts';
import type { Scenario } from '../../scenarios/scenario-types.ts';
import type { SidecarVariant } from '../../variants/sidecar-variants.ts';

/**
 * Why a scenario's real driver (spec.driver, run --driver) cannot serve this variant here, or undefined when it
 * can: real drivers run as local processes beside local sidecars, and the sample driver speaks cosi.v1alpha1 only.
 */
export function realDriverUnsupported(
  s: Scenario,
  v: SidecarVariant,
  backend: RunResults['backend'],
  /** Why no local process can get in-cluster config here (in-cluster-identity.ts), when that was probed. */
  inClusterReason?: string,
): string | undefined {
  if (!s.driver) return undefined;
  if (backend !== 'local')
    return `spec.driver (${describeDriver(s.driver)}) needs the local backend: the real driver runs as a local process beside the sidecar`;
  if (!driverServesEra(s.driver, v.era))
    return `the ${s.driver.kind} driver serves cosi.v1alpha1 only: a ${v.era} sidecar would get Unimplemented from DriverGetInfo`;
  if (driverNeedsCluster(s.driver) && inClusterReason)
    return `${describeDriver(s.driver)}: ${inClusterReason}`;
  return undefined;
}
