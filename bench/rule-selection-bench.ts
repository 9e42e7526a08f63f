import { type CallContext, parseRules, type RuleSet, selectRule } from '../mock-driver/index.ts';
import { type BenchRuleShape, benchRuleFile, benchScenarioName, SCENARIO_PARAMETER } from './bench-rules.ts';

// Rule selection alone, in this process: what selectRule (the index) and a plain first-match scan over the same
// rules cost per call. Both run interleaved on the same calls, so load from other processes hits them alike;
// the end-to-end table says what a call costs in all, this one how much of that the rules are.
export interface RuleSelectionRow {
  ruleCount: number;
  shape: BenchRuleShape;
  lastRuleMatches: boolean;
  indexNsPerCall: number;
  scanNsPerCall: number;
}

const SHAPES: { ruleCount: number; shape: BenchRuleShape; lastRuleMatches: boolean }[] = [
  { ruleCount: 0, shape: 'bucket-name', lastRuleMatches: false },
  { ruleCount: 1_000, shape: 'bucket-name', lastRuleMatches: false },
  { ruleCount: 1_000, shape: 'bucket-name', lastRuleMatches: true },
  { ruleCount: 1_000, shape: 'scenario-scoped', lastRuleMatches: false },
];

// The bench load's calls: creates of bench-N carrying N's scenario.
function benchCalls(count: number): CallContext[] {
  return Array.from({ length: count }, (_, n) => ({
    era: 'v1alpha1' as const,
    rpc: 'create' as const,
    bucketName: `bench-${n}`,
    parameters: { [SCENARIO_PARAMETER]: benchScenarioName(n) },
    callNumber: 1,
  }));
}

// Nanoseconds per call of `select` over `calls`, repeated until at least minMs has passed.
function timePerCall(select: (call: CallContext) => unknown, calls: CallContext[], minMs: number): number {
  let done = 0;
  let sink = 0;
  const started = performance.now();
  let elapsed = 0;
  while (elapsed < minMs) {
    for (const call of calls) if (select(call) !== undefined) sink++;
    done += calls.length;
    elapsed = performance.now() - started;
  }
  // Keeps the loop's result observable so it is not optimized away.
  if (sink < 0) throw new Error('unreachable');
  return (elapsed * 1e6) / done;
}

function medianOf(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

// Median over `rounds` interleaved measurements of minMs each, per shape.
export function measureRuleSelection(rounds = 5, minMs = 100): RuleSelectionRow[] {
  const calls = benchCalls(1_024);
  const sets: RuleSet[] = SHAPES.map((s) =>
    parseRules(benchRuleFile(s.ruleCount, s.lastRuleMatches, s.shape), 'rule-selection-bench'),
  );
  const index = sets.map(() => [] as number[]);
  const scan = sets.map(() => [] as number[]);
  for (let round = 0; round < rounds; round++) {
    sets.forEach((set, i) => {
      index[i]?.push(timePerCall((call) => selectRule(set, call), calls, minMs));
      scan[i]?.push(timePerCall((call) => set.rules.find((rule) => rule.matches(call)), calls, minMs));
    });
  }
  return SHAPES.map((s, i) => ({
    ...s,
    indexNsPerCall: medianOf(index[i] ?? []),
    scanNsPerCall: medianOf(scan[i] ?? []),
  }));
}
