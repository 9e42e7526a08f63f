import type { ScenarioResult } from '../harness/results/run-results.ts';

/** Column names of the bucket ledger table (HTML report). */
export const BUCKET_LEDGER_HEADER = [
  'Scenario',
  'Variant',
  'Creates',
  'Max per claim',
  'Buckets created',
  'Duplicates',
  'Repeated OK creates',
  'Orphans',
  'Not ready',
  'Finalizers left',
  'API faults injected',
];

/** One row of plain text per result that counted its buckets; orphans "-" while the claim exists. */
export function bucketLedgerRows(results: readonly ScenarioResult[]): string[][] {
  return results.flatMap((r) => {
    const b = r.buckets;
    if (!b) return [];
    const injected = (r.apiRequests?.injected ?? []).map((f) => `${f.rule} x${f.count}`).join(', ');
    return [
      [
        r.scenario,
        r.variant,
        String(b.createCalls),
        String(b.createCallsPerClaimMax),
        String(b.bucketsCreated),
        String(b.duplicates),
        String(b.repeatedCreatesOk),
        b.orphans === undefined ? '-' : String(b.orphans),
        String(b.bucketsNotReady),
        String(b.finalizersLeft),
        r.apiRequests ? injected || 'none' : '',
      ],
    ];
  });
}
