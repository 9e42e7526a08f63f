import type { ObjectStatus } from '../../results/run-results.ts';
import type { ScenarioTrigger } from '../../scenarios/scenario-types.ts';

/**
 * Why a deletion the harness made reached no driver call, read from the objects at the end of the window: a claim
 * being deleted whose Bucket was never marked for deletion means the controller never acted on it (every v1alpha1
 * controller's work queue drops an update that arrives while an earlier operation on the same object runs: README,
 * "Triggers wait"), which is not the sidecar's retry policy. Empty when the objects say nothing of the kind.
 */
export function lostTriggerProblems(
  trigger: ScenarioTrigger | undefined,
  objects: readonly ObjectStatus[],
): string[] {
  const of = (kind: string) => objects.find((o) => o.kind === kind);
  const held = (o: ObjectStatus) =>
    `${o.kind} ${o.name} has been deleting since ${o.deletionTimestamp} (finalizers: ${o.finalizers?.join(', ') || 'none'})`;
  if (trigger === 'delete-claim') {
    const claim = of('BucketClaim');
    const bucket = of('Bucket');
    if (!claim?.deletionTimestamp) return [];
    if (bucket && !bucket.deletionTimestamp)
      return [
        `${held(claim)}, but its Bucket ${bucket.name} was never marked for deletion: the controller did not act on ` +
          "the claim's deletion, so nothing could ask the driver (v1alpha1 work queues drop an update that arrives " +
          'while an earlier operation on the same object runs; README: "Triggers wait")',
      ];
    if (bucket?.deletionTimestamp)
      return [`${held(bucket)}, and the sidecar never called DriverDeleteBucket`];
    return [];
  }
  if (trigger === 'delete-access') {
    const access = of('BucketAccess');
    if (access?.deletionTimestamp)
      return [`${held(access)}, and the sidecar never called DriverRevokeBucketAccess`];
  }
  return [];
}
