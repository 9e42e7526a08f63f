import type { CallContext } from './call-context.ts';
import { RuleIndex } from './rule-index.ts';
import type { CompiledRule, RuleFileSpec, RuleSet, RuleSpec } from './rule-types.ts';
import { compileStringMatcher, MatcherSpecError, type StringMatcher } from './string-matcher.ts';

// A schema-valid file that still makes no sense; `path` is the list of keys/indexes to the bad node.
export class RuleSemanticError extends Error {
  constructor(
    readonly path: (string | number)[],
    message: string,
  ) {
    super(message);
    this.name = 'RuleSemanticError';
  }
}

// Turns a schema-valid document into matchers. Throws RuleSemanticError for what the schema cannot express.
export function compileRuleSet(spec: RuleFileSpec, source: string): RuleSet {
  const firstIndexByName = new Map<string, number>();
  const rules = spec.rules.map((rule, index) => {
    const earlier = firstIndexByName.get(rule.name);
    if (earlier !== undefined) {
      throw new RuleSemanticError(
        ['rules', index, 'name'],
        `duplicate rule name ${JSON.stringify(rule.name)} (also rules[${earlier}]); give every rule its own name`,
      );
    }
    firstIndexByName.set(rule.name, index);
    return compileRule(rule, index);
  });
  // Stable sort: equal priorities keep file order, so "first match wins" reads top to bottom.
  rules.sort((a, b) => b.priority - a.priority || a.order - b.order);
  return { source, rules, seedObjects: { ...(spec.seed?.objects ?? {}) } };
}

// Rule sets are plain data made in several places (the loader, an empty default, tests), so each one's index is
// built on its first call and kept beside its rule array, which is never changed after compiling.
const indexes = new WeakMap<readonly CompiledRule[], RuleIndex>();

// The rule that acts on this call (the first in priority, then file order, that matches), or undefined when the
// object store should answer. Looked up in the set's RuleIndex, so 1,000 rules cost about what a few do.
export function selectRule(ruleSet: RuleSet, call: CallContext): CompiledRule | undefined {
  let index = indexes.get(ruleSet.rules);
  if (!index) {
    index = new RuleIndex(ruleSet.rules);
    indexes.set(ruleSet.rules, index);
  }
  return index.first(call);
}

function compileRule(rule: RuleSpec, index: number): CompiledRule {
  const base = ['rules', index, 'match'];
  const match = rule.match ?? {};
  const checks: ((call: CallContext) => boolean)[] = [];

  if (match.rpc !== undefined) {
    const rpcs = new Set(Array.isArray(match.rpc) ? match.rpc : [match.rpc]);
    checks.push((call) => rpcs.has(call.rpc));
  }
  if (match.era !== undefined) {
    const eras = new Set(Array.isArray(match.era) ? match.era : [match.era]);
    checks.push((call) => eras.has(call.era));
  }
  if (match.bucketName !== undefined) {
    const matcher = compileAt(match.bucketName, [...base, 'bucketName']);
    checks.push((call) => matcher(call.bucketName));
  }
  if (match.bucketId !== undefined) {
    const matcher = compileAt(match.bucketId, [...base, 'bucketId']);
    checks.push((call) => matcher(call.bucketId));
  }
  for (const [key, spec] of Object.entries(match.parameters ?? {})) {
    const matcher = compileAt(spec, [...base, 'parameters', key]);
    checks.push((call) => matcher(call.parameters[key]));
  }
  if (match.call !== undefined) {
    const { nth, from, upTo } = match.call;
    if (nth !== undefined && (from !== undefined || upTo !== undefined)) {
      throw new RuleSemanticError(
        [...base, 'call'],
        'use either nth, or from/upTo, not both; nth: N is the same as from: N, upTo: N',
      );
    }
    if (from !== undefined && upTo !== undefined && from > upTo) {
      throw new RuleSemanticError(
        [...base, 'call', 'from'],
        `from ${from} is after upTo ${upTo}, so no call could match; swap them`,
      );
    }
    const low = nth ?? from ?? 1;
    const high = nth ?? upTo ?? Number.POSITIVE_INFINITY;
    checks.push((call) => call.callNumber >= low && call.callNumber <= high);
  }

  return {
    name: rule.name,
    priority: rule.priority ?? 0,
    order: index,
    match,
    // A plain loop: with 1,000 rules per call, per-call closures from every() show up in GC time.
    matches: (call) => {
      for (const check of checks) if (!check(call)) return false;
      return true;
    },
    action: rule.action,
  };
}

function compileAt(
  spec: Parameters<typeof compileStringMatcher>[0],
  path: (string | number)[],
): StringMatcher {
  try {
    return compileStringMatcher(spec);
  } catch (error) {
    if (error instanceof MatcherSpecError) throw new RuleSemanticError([...path, error.key], error.message);
    throw error;
  }
}
