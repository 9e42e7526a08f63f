// Rule files for the throughput scenarios: `count` rules that never match a bench call (each walks to the last
// check, a bucket-name comparison), so every call pays for the whole list and then falls to the backend.
// With lastMatches, the final rule matches every create and answers `ok`, which also goes through the backend.
export function benchRuleFile(count: number, lastMatches: boolean): string {
  const rules: object[] = [];
  const misses = lastMatches ? count - 1 : count;
  for (let i = 0; i < misses; i++) {
    rules.push({
      name: `no-match-${i}`,
      match: { rpc: 'create', bucketName: { exact: `no-match-${i}` } },
      action: { error: { code: 'Internal', message: 'bench rule should never match' } },
    });
  }
  if (lastMatches && count > 0)
    rules.push({ name: 'last-matches', match: { rpc: 'create' }, action: { ok: {} } });
  // JSON is YAML, and much faster to write for 1,000 rules.
  return `${JSON.stringify({ rules }, null, 1)}\n`;
}
