import type { Slot } from '../scenario-slot.ts';

/**
 * Deletes the claim of each observed slot whose scenario has spec.deleteClaimAfter once that long has passed since
 * the first DriverCreateBucket attempt, whatever the create's state (delete while the create is still retried).
 * Timed from the first attempt, not from apply: on a loaded machine the first create came up to 10 s after apply
 * (CI, 2026-12-07), and a claim deleted before its create is a different scenario. With no attempt by the window's
 * end the claim is deleted then, and the verdict says what was (not) called. A failed delete is the slot's
 * problem, as a failed trigger is.
 */
export async function deleteClaimsDue(
  slots: Slot[],
  windowOf: (slot: Slot) => number,
  now = Date.now(),
): Promise<void> {
  const due = slots.filter((s) => {
    const after = s.scenario.deleteClaimAfterMs;
    if (s.state !== 'observing' || after === undefined || s.claimDeletedAt !== undefined) return false;
    if (s.appliedAt === undefined || s.env === undefined) return false;
    const first = s.attempts[0];
    if (first !== undefined) return now - (s.appliedAt + first.offsetMs) >= after;
    return now - s.appliedAt >= windowOf(s);
  });
  await Promise.all(
    due.map(async (slot) => {
      slot.claimDeletedAt = now;
      slot.phases?.mark('claim deleted');
      await slot.env?.deleteClaim(slot.scenario, slot.variant.name).catch((err: unknown) => {
        slot.problem = `deleting the claim after ${slot.scenario.deleteClaimAfterMs} ms failed: ${err instanceof Error ? err.message : String(err)}`;
      });
    }),
  );
}
