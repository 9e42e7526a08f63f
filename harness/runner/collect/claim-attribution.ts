import type { DriverCall } from '../../driver/driver-admin-client.ts';
import type { FleetBucket, FleetClaim } from '../start/claim-fleet.ts';

// Every release names a dynamically provisioned bucket after its claim's UID: <class name><uid> up to v0.2.1,
// bucket-<uid> in v0.2.2, bc-<uid> in v1alpha2. The UID is the name's last 36 characters in each.
const TRAILING_UID = /([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/;

/** The claim UID a bucket name carries, or undefined. */
export function claimUidOf(bucketName: string | undefined): string | undefined {
  return bucketName ? TRAILING_UID.exec(bucketName)?.[1] : undefined;
}

/** Driver calls of one scenario, each attributed to one of its claims or counted as lost or misattributed. */
export interface ClaimAttribution {
  /** Calls per claim name, in journal order; every claim of the fleet has an entry (empty: never called). */
  byClaim: Map<string, DriverCall[]>;
  /** Calls that name no claim of the fleet, neither by the UID in the bucket name nor through a Bucket object. */
  lost: DriverCall[];
  /**
   * Calls whose two witnesses disagree: the UID in the bucket name points at one claim and the Bucket object of
   * that name at another (or at a claim outside the fleet).
   */
  misattributed: DriverCall[];
  /** Journal sequence numbers missing between the first and last call seen (calls the journal never returned). */
  journalGaps: number;
}

/**
 * Attributes each call to its claim twice, independently: by the claim UID in the bucket name, and through the
 * Bucket object of that name (its spec's claim reference). A call counts for a claim when at least one of them
 * names a claim of the fleet and neither names another.
 */
export function attributeCalls(
  calls: readonly DriverCall[],
  claims: readonly FleetClaim[],
  buckets: readonly FleetBucket[],
  /** Every call the journal returned (any scenario), for the sequence-gap check. */
  journal: readonly DriverCall[] = calls,
): ClaimAttribution {
  const byUid = new Map(claims.map((c) => [c.uid, c]));
  const byKey = new Map(claims.map((c) => [`${c.namespace}/${c.name}`, c]));
  const bucketByName = new Map(buckets.map((b) => [b.name, b]));
  const byClaim = new Map<string, DriverCall[]>(claims.map((c) => [c.name, []]));
  const lost: DriverCall[] = [];
  const misattributed: DriverCall[] = [];
  for (const call of calls) {
    const uid = claimUidOf(call.bucketName);
    const fromName = uid === undefined ? undefined : byUid.get(uid);
    const ref = call.bucketName === undefined ? undefined : bucketByName.get(call.bucketName)?.claim;
    const fromBucket = ref
      ? (byKey.get(`${ref.namespace ?? ''}/${ref.name}`) ?? (ref.uid ? byUid.get(ref.uid) : undefined))
      : undefined;
    // A Bucket that refers to a claim outside the fleet contradicts a UID that points inside it.
    const bucketDisagrees = ref !== undefined && fromName !== undefined && fromBucket !== fromName;
    if (bucketDisagrees) misattributed.push(call);
    else if (fromName ?? fromBucket) byClaim.get((fromName ?? fromBucket)?.name as string)?.push(call);
    else lost.push(call);
  }
  return { byClaim, lost, misattributed, journalGaps: sequenceGaps(journal) };
}

// The journal numbers calls 1, 2, 3 ...: a missing number is a call the harness never read.
function sequenceGaps(journal: readonly DriverCall[]): number {
  if (journal.length === 0) return 0;
  const seqs = journal.map((c) => c.seq).sort((a, b) => a - b);
  const first = Math.min(1, seqs[0] as number);
  const last = seqs.at(-1) as number;
  return last - first + 1 - new Set(seqs).size;
}
