import type { Slot } from '../scenario-slot.ts';

/**
 * Deletes the claim of each observed slot whose scenario has spec.deleteClaimAfter once that long has passed since
 * it was applied, whatever the create's state (delete while the create is still retried). A failed delete is the
 * slot's problem, as a failed trigger is.
 */
export async function deleteClaimsDue(slots: Slot[], now = Date.now()): Promise<void> {
  const due = slots.filter(
    (s) =>
      s.state === 'observing' &&
      s.scenario.deleteClaimAfterMs !== undefined &&
      s.claimDeletedAt === undefined &&
      s.appliedAt !== undefined &&
      s.env !== undefined &&
      now - s.appliedAt >= s.scenario.deleteClaimAfterMs,
  );
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
