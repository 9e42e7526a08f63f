import type { Slot } from '../scenario-slot.ts';

/**
 * How long the object a trigger acts on must stay unchanged first. Every v1alpha1 release runs its controller and
 * sidecar on one work queue keyed by object UID with one pending operation per UID (`opMap`, in the api module's
 * controller/controller.go and later internal/runtime/controller.go): an operation that succeeds ends with
 * `opMap.Delete(uuid)`, which also drops an update stored while it ran. A claim deleted while its controller is
 * still processing the claim's previous update (v0.2.2 re-runs Add on every update, ~1.2 s under its 5 requests/s
 * client) loses its deletion for good: measured on the existing lane, the claim stayed terminating and
 * DriverDeleteBucket was never asked. Each of those writes changes the object's resourceVersion, so an object
 * unchanged for this long is one no controller is still working on.
 */
export const QUIET_MS = 2_000;

/** Records the object's current resourceVersion for the slot and says how long it has not changed. */
export function quietFor(slot: Slot, version: string | undefined, now: number): number {
  if (version === undefined) return 0;
  if (slot.watched?.version !== version) slot.watched = { version, since: now };
  return now - slot.watched.since;
}
