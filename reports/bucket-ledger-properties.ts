import type { ScenarioResult } from '../harness/results/run-results.ts';

/** JUnit properties for a result's bucket ledger and fault-proxy summary; none when neither was recorded. */
export function bucketLedgerProperties(r: ScenarioResult): [string, string][] {
  const out: [string, string][] = [];
  const b = r.buckets;
  if (b) {
    out.push(
      ['createCalls', String(b.createCalls)],
      ['createCallsPerClaimMax', String(b.createCallsPerClaimMax)],
      ['duplicates', String(b.duplicates)],
      ['repeatedCreatesOk', String(b.repeatedCreatesOk)],
      ['bucketsNotReady', String(b.bucketsNotReady)],
      ['finalizersLeft', String(b.finalizersLeft)],
    );
    if (b.orphans !== undefined) out.push(['orphans', String(b.orphans)]);
  }
  const a = r.apiRequests;
  if (a) {
    out.push(['apiRequests', String(a.requests)]);
    for (const f of a.injected) out.push([`apiFault.${f.rule}`, `${f.kind} x${f.count}`]);
  }
  return out;
}
