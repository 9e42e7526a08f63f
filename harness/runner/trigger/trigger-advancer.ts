import type { DriverCall } from '../../driver/driver-admin-client.ts';
import { s3Request } from '../../driver/s3-request.ts';
import { scrapeSidecarMetrics } from '../collect/witness-collector.ts';
import type { Slot } from '../scenario-slot.ts';
import { noReadiness, type Readiness, type ScenarioEnvironment } from '../start/scenario-environment.ts';
import { QUIET_MS, quietFor } from './quiet-object.ts';

// Hundreds of matrix cells are set up at once on two cores; a precondition gets this long.
const PRECONDITION_TIMEOUT_MS = 90_000;

// Moves waiting slots on: once the claim's bucket exists, delete the claim / create the access; once the
// sidecar has marked the access granted, delete it. The slot's window opens at its trigger.
export async function advanceTriggers(
  live: Slot[],
  envs: ScenarioEnvironment[],
  journalOf: (slot: Slot) => readonly DriverCall[],
): Promise<void> {
  const waiting = live.filter((s) => s.state === 'waiting-bucket' || s.state === 'waiting-grant');
  if (!waiting.length) return;
  const ready = new Map<ScenarioEnvironment, Readiness>();
  await Promise.all(
    [...new Set(waiting.map((s) => s.env as ScenarioEnvironment))]
      .filter((e) => envs.includes(e))
      .map(async (env) => ready.set(env, await env.readiness().catch(noReadiness))),
  );
  await Promise.all(
    waiting.map((slot) => advanceOne(slot, ready.get(slot.env as ScenarioEnvironment), journalOf)),
  );
}

async function advanceOne(
  slot: Slot,
  r: Readiness | undefined,
  journalOf: (slot: Slot) => readonly DriverCall[],
): Promise<void> {
  const env = slot.env as ScenarioEnvironment;
  const s = slot.scenario;
  const names = env.namesFor(s, slot.variant.name);
  const now = Date.now();
  try {
    const claimKey = `${s.bucketClaim.namespace}/${names.claimName}`;
    const accessKey = `${s.bucketClaim.namespace}/${names.accessName}`;
    // A claim is deleted once its controller protects it too (v0.1.0's never manages to: only for it, ready is
    // enough), as a user would delete a provisioned claim; earlier, the Bucket would be left behind unasked.
    const deletable = r?.protectedClaims.has(claimKey) === true || slot.variant.deviation !== undefined;
    const claimReady = r?.readyClaims.has(claimKey) === true;
    // Deleting needs a provisioned, protected claim, not the claim's own ready flag: v0.2.2's controller re-runs its
    // Add on the claim's next update and writes bucketReady=false over the sidecar's true, which nothing writes
    // again. Its deletion still deletes the Bucket (handleDeletion reads only the finalizer and status.bucketName).
    const provisioned = claimReady || r?.bucketProvisionedClaims.has(claimKey) === true;
    const waitingBucket = slot.state === 'waiting-bucket';
    if (waitingBucket && claimReady) slot.readySince ??= now;
    if (waitingBucket && s.trigger === 'delete-claim' && provisioned && deletable) {
      if (quietFor(slot, r?.versions.get(`claim:${claimKey}`), now) >= QUIET_MS) {
        if (s.s3Objects) await putObjects(slot, env, journalOf(slot));
        slot.metricsBefore = await scrapeSidecarMetrics(slot);
        await env.deleteClaim(s, slot.variant.name);
        Object.assign(slot, { state: 'observing', appliedAt: now, stateSince: now });
        slot.phases?.mark('triggered');
      }
    } else if (waitingBucket && s.trigger !== 'delete-claim' && claimReady) {
      // Quiet first too: v0.2.2's controller may still be re-running its Add, which ends by writing
      // bucketReady=false; an access created before that is refused by the sidecar (claim not ready) and its
      // cell would read "never called" (measured: sweep grant OutOfRange then-ok on v0.2.2, 2026-12-05).
      if (quietFor(slot, r?.versions.get(`claim:${claimKey}`), now) < QUIET_MS) {
        // not yet
      } else if (s.trigger === 'create-access') {
        slot.metricsBefore = await scrapeSidecarMetrics(slot);
        await env.createAccess(s, slot.variant.name);
        Object.assign(slot, { state: 'observing', appliedAt: now, stateSince: now });
        slot.phases?.mark('triggered');
      } else {
        await env.createAccess(s, slot.variant.name);
        Object.assign(slot, { state: 'waiting-grant', stateSince: now });
      }
    } else if (
      slot.state === 'waiting-grant' &&
      (r?.grantedAccesses.has(accessKey) ||
        // v0.1.0 never marks an access granted: only for it, an OK grant in the journal stands in. Any other
        // sidecar must finish its grant (finalizer, Secret, status) first, or deleting the access skips revoke.
        (slot.variant.deviation !== undefined &&
          journalOf(slot).some((c) => c.rpc === 'grant' && c.code === 'OK')))
    ) {
      // The sidecar's own writes to the access (finalizer, status) come back to it as updates: the deletion waits
      // until it has processed them, or its work queue drops it (quiet-object.ts).
      if (quietFor(slot, r?.versions.get(`access:${accessKey}`), now) >= QUIET_MS) {
        slot.metricsBefore = await scrapeSidecarMetrics(slot);
        await env.deleteAccess(s, slot.variant.name);
        Object.assign(slot, { state: 'observing', appliedAt: now, stateSince: now });
        slot.phases?.mark('triggered');
      }
    }
    if (
      (slot.state === 'waiting-bucket' || slot.state === 'waiting-grant') &&
      now - slot.stateSince > PRECONDITION_TIMEOUT_MS
    ) {
      const wasWaitingForGrant = slot.state === 'waiting-grant';
      const neverQuiet = slot.watched !== undefined;
      slot.state = 'precondition-failed';
      slot.problem = neverQuiet
        ? `the ${wasWaitingForGrant ? 'BucketAccess' : 'claim'} was ready but kept changing (never ${QUIET_MS / 1000} s ` +
          'without a write): deleting it while a controller still processes its last update loses the deletion'
        : wasWaitingForGrant
          ? 'the sidecar never marked the BucketAccess granted, so its deletion (revoke) could not be triggered'
          : slot.readySince !== undefined
            ? "the claim became ready but never got its controller's finalizer (the controller's claim write kept " +
              "losing to the sidecar's, 409): deleting it would not ask anyone to delete the Bucket"
            : r?.bucketProvisionedClaims.has(claimKey)
              ? "the claim's Bucket was provisioned but the claim never said so (status.bucketReady stayed false: " +
                "v0.2.2's controller runs its Add again on the claim's next update and writes the claim status with " +
                "bucketReady=false over the sidecar's true, which the sidecar never writes again), so the RPC could " +
                'not be triggered'
              : `the claim never became ready (its bucket was never created), so the RPC could not be triggered${lastSetupAnswer(journalOf(slot), 'create')}`;
    }
  } catch (err) {
    slot.state = 'precondition-failed';
    slot.problem = `triggering ${s.trigger} failed: ${err instanceof Error ? err.message : String(err)}`;
  }
}

/**
 * What the driver last answered to the set-up call that never succeeded, for the reason: "the claim never became
 * ready" alone left a user guessing (a real driver had refused every create for a parameter it did not know).
 */
function lastSetupAnswer(journal: readonly DriverCall[], rpc: 'create' | 'grant'): string {
  const calls = journal.filter((c) => c.rpc === rpc);
  const last = calls.at(-1);
  if (!last) return `; the driver was never called (${rpc})`;
  const by =
    last.answeredBy === 'driver' ? 'the driver' : last.answeredBy === 'rule' ? 'a rule' : 'the driver';
  return `; ${by} answered ${calls.length} ${rpc} call${calls.length === 1 ? '' : 's'}, the last ${last.code}${last.message ? ` "${last.message}"` : ''}`;
}

/**
 * spec.s3Objects: each object put into the scenario's bucket through the real driver's S3 server, as a user's
 * application would write it, so the bucket is not empty when the claim is deleted. The bucket is the one the
 * driver's last successful create named.
 */
async function putObjects(
  slot: Slot,
  env: ScenarioEnvironment,
  journal: readonly DriverCall[],
): Promise<void> {
  const s3 = env.member(slot.variant.name).realDriver?.s3;
  if (!s3)
    throw new Error(
      'spec.s3Objects needs a real driver with an S3 server the harness runs (sample, scality)',
    );
  const created = journal.filter((c) => c.rpc === 'create' && c.code === 'OK').at(-1);
  const bucket = created?.bucketId ?? created?.bucketName;
  if (!bucket)
    throw new Error('spec.s3Objects: no create of the scenario was answered OK, so there is no bucket');
  for (const o of slot.scenario.s3Objects ?? []) {
    const answer = await s3Request({
      endpoint: s3.endpoint,
      keys: s3.keys,
      method: 'PUT',
      bucket,
      key: o.key,
      body: o.body,
    });
    if (answer.status !== 200)
      throw new Error(
        `spec.s3Objects: PUT ${bucket}/${o.key} answered HTTP ${answer.status}: ${answer.body.slice(0, 300)}`,
      );
  }
}
