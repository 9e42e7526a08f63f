import type { ScenarioResult } from '../harness/results/run-results.ts';
import { formatMs } from './format-units.ts';
import { mdCell } from './markdown-text.ts';

const row = (cells: string[]) => `| ${cells.map(mdCell).join(' | ')} |`;

/**
 * Scenarios run in front of a real driver (spec.driver): who answered each RPC (the scenario's rule or the
 * driver) with which code, and what the S3 server's data dir showed of the scenario's bucket.
 */
export function realDriverSection(results: readonly ScenarioResult[]): string[] {
  const real = results.filter((r) => r.realDriver);
  if (real.length === 0) return [];
  return [
    '## Real driver',
    '',
    "Every call of the scenario over the run (set-up included), by RPC and answerer; the bucket as the S3 server's " +
      'data dir showed it, in ms from the trigger (negative: before it).',
    '',
    row(['Scenario', 'Variant', 'Driver', 'Answers', 'Bucket in the S3 server']),
    '|---|---|---|---|---|',
    ...real.map((r) => {
      const d = r.realDriver as NonNullable<ScenarioResult['realDriver']>;
      const answers = d.answers.map((a) => `${a.rpc} ${a.code} x${a.count} (${a.answeredBy})`).join(', ');
      const seen = (d.backend?.buckets ?? [])
        .filter((b) => b.sighting)
        .map((b) => {
          const s = b.sighting as NonNullable<typeof b.sighting>;
          const at = (ms: number) => `${ms < 0 ? '-' : '+'}${formatMs(Math.abs(ms))}`;
          return `${b.name}: seen ${at(s.firstSeenOffsetMs)}${s.goneOffsetMs !== undefined ? `, gone ${at(s.goneOffsetMs)}` : ', still there'}`;
        });
      const backend = d.backend ? `${d.backend.state}${seen.length ? ` (${seen.join('; ')})` : ''}` : '-';
      return row([r.scenario, r.variant, d.driver, answers || 'no call', backend]);
    }),
    '',
  ];
}
