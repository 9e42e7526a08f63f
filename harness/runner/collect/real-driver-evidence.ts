import type { DriverCall } from '../../driver/driver-admin-client.ts';
import type { RealDriver } from '../../driver/real-driver-stack.ts';
import type { AnswerCount, RealDriverEvidence } from '../../results/real-driver-results.ts';
import type { Rpc } from '../../results/run-results.ts';
import { describeDriver } from '../../scenarios/scenario-driver.ts';
import type { Expectation, Scenario } from '../../scenarios/scenario-types.ts';

const COUNTED: readonly Rpc[] = ['create', 'delete', 'grant', 'revoke'];

/**
 * What the real driver behind a variant's interposer did for one scenario: its calls by RPC, answerer and code,
 * and, on the sample driver's S3 server, whether the scenario's buckets really appeared in its data dir and left.
 * `calls` is the scenario's journal group (set-up calls included); offsets are from `triggerWall`.
 */
export async function realDriverEvidence(
  scenario: Scenario,
  real: RealDriver,
  calls: readonly DriverCall[],
  triggerWall: number,
): Promise<RealDriverEvidence> {
  const answers: AnswerCount[] = [];
  for (const c of calls) {
    if (!COUNTED.includes(c.rpc)) continue;
    const answeredBy = c.answeredBy ?? 'rule';
    const same = answers.find((a) => a.rpc === c.rpc && a.answeredBy === answeredBy && a.code === c.code);
    if (same) same.count++;
    else
      answers.push({
        rpc: c.rpc,
        answeredBy,
        code: c.code,
        count: 1,
        ...(c.message ? { message: c.message } : {}),
      });
  }
  const evidence: RealDriverEvidence = { driver: describeDriver(scenario.driver), answers };
  if (!real.s3) return evidence;
  // The sample driver uses the bucket's name as its id: either names the directory.
  const names = [
    ...new Set(calls.flatMap((c) => (c.rpc === 'create' ? [c.bucketName] : [c.bucketId]))),
  ].filter((n): n is string => n !== undefined && n !== '');
  const sightings = await real.s3.watch.read();
  const buckets = names.map((name) => {
    const seen = sightings.find((s) => s.name === name);
    return {
      name,
      ...(seen
        ? {
            sighting: {
              name,
              firstSeenOffsetMs: seen.firstSeenMs - triggerWall,
              ...(seen.goneMs !== undefined ? { goneOffsetMs: seen.goneMs - triggerWall } : {}),
            },
          }
        : {}),
    };
  });
  const seen = buckets.filter((b) => b.sighting);
  const state = !seen.length
    ? 'never'
    : seen.some((b) => b.sighting?.goneOffsetMs === undefined)
      ? 'present'
      : 'gone';
  return { ...evidence, backend: { server: real.s3.server, dataDir: real.s3.dataDir, buckets, state } };
}

/** The expectations only a run with a real driver can check: calls per RPC, and the S3 server's own view. */
export function realDriverProblems(
  e: Expectation,
  calls: readonly DriverCall[],
  evidence: RealDriverEvidence | undefined,
): string[] {
  const problems: string[] = [];
  for (const [rpc, want] of Object.entries(e.calls ?? {})) {
    const got = calls.filter((c) => c.rpc === rpc).length;
    if (got !== want) problems.push(`${got} ${rpc} call(s), expected exactly ${want}`);
  }
  if (e.backendBucket !== undefined) {
    const state = evidence?.backend?.state;
    if (state === undefined)
      problems.push(
        `backendBucket ${e.backendBucket} needs the sample driver's S3 server (spec.driver: sample)`,
      );
    else if (state !== e.backendBucket)
      problems.push(`the bucket in the S3 server's data dir was ${state}, expected ${e.backendBucket}`);
  }
  return problems;
}
