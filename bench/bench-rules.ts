// The parameter the harness scopes every rule with (harness scopedRules) and the bench's calls carry; scenario
// numbers cycle over SCENARIO_COUNT, so a 1,000-rule scoped file has one rule per scenario a call can name.
export const SCENARIO_PARAMETER = 'cosi-chaos.io/scenario';
export const SCENARIO_COUNT = 1_000;

// The scenario a bench call with this bucket number belongs to; fixed per bucket, because the object store
// answers AlreadyExists to a create that repeats a name with other parameters.
export function benchScenarioName(bucketNumber: number): string {
  return `scenario-${bucketNumber % SCENARIO_COUNT}`;
}

// How the rules of a bench file are written:
// - bucket-name: `rpc: create` and an exact bucket name no bench call has.
// - scenario-scoped: what the harness writes for 1,000 one-rule scenarios: the scenario parameter (each call
//   carries one of these values) and a bucket-name condition the bench's short names fail (minLength 64, as
//   the COSI-86 scenario's long names would pass), so the call's own scenario rule is tried and then missed.
export type BenchRuleShape = 'bucket-name' | 'scenario-scoped';

// `count` rules that never match a bench call, so every call falls to the backend. With lastMatches, the final
// rule matches every create and answers `ok`, which also goes through the backend.
export function benchRuleFile(count: number, lastMatches: boolean, shape: BenchRuleShape): string {
  const rules: object[] = [];
  const misses = lastMatches ? count - 1 : count;
  for (let i = 0; i < misses; i++) {
    rules.push(
      shape === 'bucket-name'
        ? {
            name: `no-match-${i}`,
            match: { rpc: 'create', bucketName: { exact: `no-match-${i}` } },
            action: { error: { code: 'Internal', message: 'bench rule should never match' } },
          }
        : {
            name: `${benchScenarioName(i)}/invalid-name`,
            match: {
              rpc: 'create',
              bucketName: { minLength: 64 },
              parameters: { [SCENARIO_PARAMETER]: { equals: benchScenarioName(i) } },
            },
            action: { error: { code: 'InvalidArgument', message: 'bench rule should never match' } },
          },
    );
  }
  if (lastMatches && count > 0)
    rules.push({ name: 'last-matches', match: { rpc: 'create' }, action: { ok: {} } });
  // JSON is YAML, and much faster to write for 1,000 rules.
  return `${JSON.stringify({ rules }, null, 1)}\n`;
}
