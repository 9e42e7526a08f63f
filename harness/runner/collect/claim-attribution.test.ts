import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { DriverCall } from '../../driver/driver-admin-client.ts';
import type { FleetBucket, FleetClaim } from '../start/claim-fleet.ts';
import { attributeCalls, claimUidOf } from './claim-attribution.ts';
import { sidecarLogPerClaim } from './scale-collector.ts';

// Recorded by testdata/record-scale.ts: scale-10 (10 claims, InvalidArgument on every create) on the real builds.
const dir = join(import.meta.dirname, '..', 'testdata', 'scale-10');
function recording(variant: string) {
  const fleet = JSON.parse(readFileSync(join(dir, variant, 'fleet.json'), 'utf8')) as {
    claims: FleetClaim[];
    buckets: FleetBucket[];
  };
  const journal = readFileSync(join(dir, variant, 'journal.jsonl'), 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as DriverCall);
  const creates = journal.filter((c) => c.rpc === 'create');
  const log = readFileSync(join(dir, variant, 'sidecar.txt'), 'utf8');
  return { ...fleet, journal, creates, log };
}

const NAMING: [string, RegExp][] = [
  ['v1alpha1-cosi86', /^scale-10[0-9a-f-]{36}$/],
  ['v1alpha1-v0.2.2', /^bucket-[0-9a-f-]{36}$/],
  ['v1alpha2-main', /^bc-[0-9a-f-]{36}$/],
];

describe('claim attribution on recorded scale-10 runs', () => {
  it.each(NAMING)(
    '%s: every create attributed to its claim, none lost or misattributed',
    (variant, naming) => {
      const r = recording(variant);
      expect(r.claims).toHaveLength(10);
      expect(r.creates.length).toBeGreaterThanOrEqual(10);
      for (const c of r.creates) expect(c.bucketName).toMatch(naming);
      const a = attributeCalls(r.creates, r.claims, r.buckets, r.journal);
      expect(a.lost).toEqual([]);
      expect(a.misattributed).toEqual([]);
      expect(a.journalGaps).toBe(0);
      expect([...a.byClaim.keys()].sort()).toEqual(r.claims.map((c) => c.name).sort());
      let total = 0;
      for (const claim of r.claims) {
        const calls = a.byClaim.get(claim.name) ?? [];
        expect(calls.length, claim.name).toBeGreaterThan(0);
        for (const c of calls) expect(claimUidOf(c.bucketName)).toBe(claim.uid);
        total += calls.length;
      }
      expect(total).toBe(r.creates.length);
    },
  );

  it('attributes through the Bucket object where the name carries no UID', () => {
    const r = recording('v1alpha1-v0.2.2');
    const first = r.creates[0] as DriverCall;
    const bucket = r.buckets.find((b) => b.name === first.bucketName) as FleetBucket;
    // The same call under a name without a UID, with a Bucket object of that name naming the same claim.
    const renamed = { ...first, bucketName: 'no-uid-here' };
    const a = attributeCalls([renamed], r.claims, [...r.buckets, { ...bucket, name: 'no-uid-here' }]);
    expect(a.lost).toEqual([]);
    expect(a.byClaim.get(bucket.claim?.name as string)).toEqual([renamed]);
  });

  it('counts a call whose Bucket object names another claim as misattributed', () => {
    const r = recording('v1alpha1-cosi86');
    const first = r.creates[0] as DriverCall;
    const other = r.claims.find((c) => c.uid !== claimUidOf(first.bucketName)) as FleetClaim;
    const buckets = r.buckets.map((b) =>
      b.name === first.bucketName ? { ...b, claim: { name: other.name, namespace: other.namespace } } : b,
    );
    const a = attributeCalls(r.creates, r.claims, buckets, r.journal);
    const sameBucket = r.creates.filter((c) => c.bucketName === first.bucketName);
    expect(a.misattributed).toEqual(sameBucket);
    expect(a.lost).toEqual([]);
  });

  it('counts calls of a claim outside the fleet as lost, and a journal sequence gap', () => {
    const r = recording('v1alpha2-main');
    const [dropped, ...kept] = r.claims;
    const buckets = r.buckets.filter((b) => b.claim?.uid !== dropped?.uid);
    const journal = r.journal.filter((c) => c.seq !== 3);
    const a = attributeCalls(r.creates, kept, buckets, journal);
    expect(a.lost.map((c) => claimUidOf(c.bucketName))).toEqual(
      r.creates.filter((c) => claimUidOf(c.bucketName) === dropped?.uid).map(() => dropped?.uid),
    );
    expect(a.lost.length).toBeGreaterThan(0);
    expect(a.journalGaps).toBe(1);
  });
});

describe("the sidecar's log per claim on recorded scale-10 runs", () => {
  const UTC = { year: 2026, utcOffsetMinutes: 0 };
  const witness = (variant: string, log?: string) => {
    const r = recording(variant);
    const a = attributeCalls(r.creates, r.claims, r.buckets, r.journal);
    return sidecarLogPerClaim({
      log: log ?? r.log,
      era: variant === 'v1alpha2-main' ? 'v1alpha2' : 'v1alpha1',
      rpc: 'create',
      endMs: Date.parse((r.journal.at(-1) as DriverCall).wallTime),
      claims: r.claims,
      byClaim: a.byClaim,
      buckets: r.buckets,
      clock: UTC,
    });
  };

  it.each(NAMING.map(([v]) => v))(
    '%s: its per-attempt line agrees with the driver on every claim',
    (variant) => {
      const w = witness(variant);
      expect(w?.claimsDisagree).toBe(0);
      expect((w?.claimsAgree ?? 0) + (w?.claimsInFlight ?? 0)).toBe(10);
      expect(w?.witnessed).toBeGreaterThanOrEqual(recording(variant).creates.length);
    },
  );

  it('disagrees on the claim whose first reconcile line is removed', () => {
    const r = recording('v1alpha1-cosi86');
    const lines = r.log.split('\n');
    const first = lines.findIndex((l) => l.includes('] "Add Bucket" name='));
    lines.splice(first, 1);
    expect(witness('v1alpha1-cosi86', lines.join('\n'))?.claimsDisagree).toBe(1);
  });
});
