import type { RunResults, ScenarioResult } from '../harness/results/run-results.ts';
import { mdCell } from './markdown-text.ts';

/** What one real driver answered in one scenario, and what each sidecar did with it. */
interface DriverRow {
  scenario: string;
  driver: string;
  /** The driver's own answer to the counted RPC (the most frequent code, with its first message). */
  answer: { code: string; message?: string; count: number } | undefined;
  results: ScenarioResult[];
}

function driverAnswer(results: readonly ScenarioResult[]): DriverRow['answer'] {
  const counts = new Map<string, { count: number; message?: string }>();
  for (const r of results)
    for (const a of r.realDriver?.answers ?? []) {
      if (a.rpc !== r.rpc || a.answeredBy !== 'driver') continue;
      const c = counts.get(a.code) ?? { count: 0, ...(a.message ? { message: a.message } : {}) };
      c.count += a.count;
      counts.set(a.code, c);
    }
  // The error, when there is one: that is what the sidecars were judged on.
  const sorted = [...counts].sort(
    (a, b) => Number(a[0] === 'OK') - Number(b[0] === 'OK') || b[1].count - a[1].count,
  );
  const [code, c] = sorted[0] ?? [];
  return code && c ? { code, count: c.count, ...(c.message ? { message: c.message } : {}) } : undefined;
}

function rowsFor(subject: readonly ScenarioResult[], results: RunResults): DriverRow[] {
  const issue = subject[0]?.issue;
  const rpc = subject[0]?.rpc;
  // Scenarios of the same issue and RPC in front of a real driver: one row per driver.
  const scenarios = [
    ...new Set(
      results.scenarios
        .filter(
          (r) =>
            r.realDriver &&
            r.rpc === rpc &&
            (issue ? r.issue === issue : r.scenario === subject[0]?.scenario),
        )
        .map((r) => r.scenario),
    ),
  ];
  return scenarios.map((scenario) => {
    const list = results.scenarios.filter((r) => r.scenario === scenario);
    return {
      scenario,
      driver: list[0]?.realDriver?.driver ?? 'a real driver',
      answer: driverAnswer(list),
      results: list,
    };
  });
}

/** Every attempt answered OK: this sidecar never sent the failing request (v0.2.2 names its buckets otherwise). */
function neverFailed(r: ScenarioResult): boolean {
  return r.attempts.length > 0 && r.attempts.every((a) => a.code === 'OK');
}

function sidecarCell(r: ScenarioResult | undefined): string {
  if (!r) return '-';
  if (r.outcome === 'unavailable') return 'not run';
  const n = r.attempts.length;
  if (neverFailed(r)) return `${n} attempt${n === 1 ? '' : 's'}, answered OK`;
  const still = r.stillRetryingAtEnd ? ', still retrying' : '';
  return `${r.outcome}, ${n} attempt${n === 1 ? '' : 's'}${still}`;
}

/**
 * "Both halves" of a bug that needs a driver fix and a sidecar fix (COSI-86): per real driver the code it answered,
 * and per sidecar what it did with it. Empty unless the results hold scenarios of the subject's issue in front of a
 * real driver, at least one of which answered an error.
 */
export function driverAndSidecarHalves(subject: readonly ScenarioResult[], results: RunResults): string[] {
  const rows = rowsFor(subject, results);
  if (!rows.some((row) => row.answer && row.answer.code !== 'OK')) return [];
  const variants = [...new Set(rows.flatMap((row) => row.results.map((r) => r.variant)))];
  const header = ['Driver', 'Driver answered', ...variants.map((v) => `\`${v}\``)];
  const table = [
    `| ${header.join(' | ')} |`,
    `|${header.map(() => '---').join('|')}|`,
    ...rows.map((row) => {
      const a = row.answer;
      const answer = a ? `\`${a.code}\`${a.message ? ` "${mdCell(a.message)}"` : ''}` : '-';
      const cells = variants.map((v) => sidecarCell(row.results.find((r) => r.variant === v)));
      return `| ${mdCell(row.driver)} | ${answer} | ${cells.join(' | ')} |`;
    }),
  ];
  const summary: string[] = [];
  const permanent = rows.filter((row) => row.answer?.code === 'InvalidArgument');
  const transient = rows.filter((row) => row.answer && ['Internal', 'Unknown'].includes(row.answer.code));
  for (const row of transient)
    summary.push(
      `- Driver half: ${row.driver} answers \`${row.answer?.code}\`, a transient code by the spec: every sidecar, a fixed one too, may retry it.`,
    );
  for (const row of permanent) {
    summary.push(
      `- Driver half: ${row.driver} answers \`InvalidArgument\`, the permanent code the spec asks.`,
    );
    const looping = row.results.filter((r) => r.outcome === 'unbounded');
    const stopped = row.results.filter(
      (r) => r.outcome === 'terminal' && r.attempts.length === 1 && r.attempts[0]?.code === 'InvalidArgument',
    );
    const spared = row.results.filter(neverFailed);
    if (looping.length)
      summary.push(
        `- Sidecar half, not fixed: ${looping.map((r) => `\`${r.variant}\` (${r.attempts.length} attempts${r.stillRetryingAtEnd ? ', still retrying' : ''})`).join(', ')} retry that \`InvalidArgument\`.`,
      );
    if (stopped.length)
      summary.push(
        `- Sidecar half, fixed: ${stopped.map((r) => `\`${r.variant}\``).join(', ')} make one attempt and stop.`,
      );
    if (spared.length)
      summary.push(
        `- Not reached: ${spared.map((r) => `\`${r.variant}\``).join(', ')} never met the failure: every attempt was answered OK.`,
      );
  }
  return [
    'The same claim in front of the real driver, per driver build: the code the driver answered, and what each sidecar did with it.',
    '',
    ...table,
    '',
    ...summary,
    '',
  ];
}
