import type { ScenarioResult } from '../harness/results/run-results.ts';
import { formatMs } from './format-units.ts';
import { mdCell } from './markdown-text.ts';

const row = (cells: string[]) => `| ${cells.map(mdCell).join(' | ')} |`;

/** Duplicates, orphans and create calls per claim for every scenario x variant that counted them. */
export function bucketLedgerSection(results: readonly ScenarioResult[]): string[] {
  const counted = results.filter((r) => r.buckets);
  if (counted.length === 0) return [];
  return [
    '## Duplicate and orphan buckets',
    '',
    'Counted when the run ended, from the mock driver (create calls, buckets in its backend) and the API (Buckets, ' +
      'finalizers). Orphans are counted only once the claim is gone; "-" while it exists.',
    '',
    row([
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
    ]),
    '|---|---|---|---|---|---|---|---|---|---|',
    ...counted.map((r) => {
      const b = r.buckets as NonNullable<ScenarioResult['buckets']>;
      return row([
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
      ]);
    }),
    '',
    ...apiFaultSection(results),
  ];
}

// API requests through the fault proxy beside the driver's calls, on one time axis from the trigger.
function apiFaultSection(results: readonly ScenarioResult[]): string[] {
  const proxied = results.filter((r) => r.apiRequests);
  if (proxied.length === 0) return [];
  const out = ['## API-server faults', ''];
  for (const r of proxied) {
    const a = r.apiRequests as NonNullable<ScenarioResult['apiRequests']>;
    const injected = a.injected.map((f) => `${f.rule} (${f.kind}) x${f.count}`).join(', ') || 'none';
    out.push(
      `### ${r.scenario} on ${r.variant}`,
      '',
      `${a.requests} request(s) through the proxy from ${a.clients.join(' and ')}; faults injected: ${injected}` +
        `${a.watchesCut ? `; ${a.watchesCut} watch(es) cut` : ''}.`,
      '',
      '<details><summary>Driver calls and API writes on one timeline</summary>',
      '',
      row(['After trigger', 'Source', 'What', 'Answer']),
      '|---|---|---|---|',
      ...timeline(r).map((t) => row([formatMs(t.offsetMs), t.source, t.what, t.answer])),
      '',
      '</details>',
      '',
    );
  }
  return out;
}

interface TimelineRow {
  offsetMs: number;
  source: string;
  what: string;
  answer: string;
}

function timeline(r: ScenarioResult): TimelineRow[] {
  const rows: TimelineRow[] = [
    ...r.attempts.map((a) => ({
      offsetMs: a.offsetMs,
      source: 'driver',
      what: `${r.rpc} ${a.bucketName ?? ''}`.trim(),
      answer: a.code,
    })),
    ...(r.apiRequests?.writes ?? []).map((w) => ({
      offsetMs: w.offsetMs,
      source: 'API',
      what: `${w.verb} ${w.resource}${w.name ? ` ${w.name}` : ''}`,
      answer: `${w.status ?? w.outcome}${w.rule ? ` (injected by ${w.rule})` : ''}`,
    })),
  ];
  return rows.sort((a, b) => a.offsetMs - b.offsetMs).slice(0, 200);
}
