import { type CallContext, RPC_NAMES, type RpcName } from './call-context.ts';
import type { CompiledRule, StringMatcherSpec } from './rule-types.ts';

// Where a rule is filed: one value every call it matches must carry, so a call only looks at rules filed under
// what it carries. The first listed that a rule has wins (exact names narrow most; the harness scopes every rule
// with a `cosi-chaos.io/scenario` parameter, so that key carries 1,000-rule runs); a rule with none of them is
// checked on every call of its RPCs.
export type RuleAnchor =
  | { kind: 'bucketName'; value: string }
  | { kind: 'bucketId'; value: string }
  | { kind: 'parameter'; key: string; value: string }
  | { kind: 'bucketNamePrefix'; prefix: string }
  | { kind: 'none' };

// The candidates of one RPC, each list holding positions in the priority-sorted rule array, ascending. Keys in
// use are also kept as arrays: a call walks them, and arrays iterate without allocating.
class RpcRules {
  readonly bucketNames = new Map<string, number[]>();
  readonly bucketIds = new Map<string, number[]>();
  readonly parameters: { key: string; values: Map<string, number[]> }[] = [];
  // A call looks up its name cut to each prefix length in use.
  readonly bucketNamePrefixes: { length: number; prefixes: Map<string, number[]> }[] = [];
  readonly unanchored: number[] = [];

  add(anchor: RuleAnchor, position: number): void {
    switch (anchor.kind) {
      case 'bucketName':
        append(this.bucketNames, anchor.value, position);
        break;
      case 'bucketId':
        append(this.bucketIds, anchor.value, position);
        break;
      case 'parameter': {
        let slot = this.parameters.find((entry) => entry.key === anchor.key);
        if (!slot) {
          slot = { key: anchor.key, values: new Map() };
          this.parameters.push(slot);
        }
        append(slot.values, anchor.value, position);
        break;
      }
      case 'bucketNamePrefix': {
        const { length } = anchor.prefix;
        let slot = this.bucketNamePrefixes.find((entry) => entry.length === length);
        if (!slot) {
          slot = { length, prefixes: new Map() };
          this.bucketNamePrefixes.push(slot);
        }
        append(slot.prefixes, anchor.prefix, position);
        break;
      }
      case 'none':
        this.unanchored.push(position);
    }
  }
}

// Finds the rule a call gets (the first of the priority-sorted rules whose matcher accepts it) without trying
// every rule: a call tries only the rules filed under its RPC and what it carries. Built once per rule set.
export class RuleIndex {
  private readonly byRpc = new Map<RpcName, RpcRules>();

  // `rules` must already be in match order (priority, then file order) and not change afterwards.
  constructor(private readonly rules: readonly CompiledRule[]) {
    for (const rpc of RPC_NAMES) this.byRpc.set(rpc, new RpcRules());
    rules.forEach((rule, position) => {
      const anchor = ruleAnchor(rule);
      const rpcs = rule.match.rpc ?? RPC_NAMES;
      for (const rpc of typeof rpcs === 'string' ? [rpcs] : new Set(rpcs)) {
        this.byRpc.get(rpc)?.add(anchor, position);
      }
    });
  }

  // The same rule as `rules.find((rule) => rule.matches(call))`.
  first(call: CallContext): CompiledRule | undefined {
    const filed = this.byRpc.get(call.rpc);
    if (!filed) return undefined;
    const none = this.rules.length;
    let best = none;
    const { bucketName, bucketId, parameters } = call;
    if (bucketName !== undefined) {
      best = this.firstIn(filed.bucketNames.get(bucketName), best, call);
      for (const { length, prefixes } of filed.bucketNamePrefixes) {
        if (length <= bucketName.length)
          best = this.firstIn(prefixes.get(bucketName.slice(0, length)), best, call);
      }
    }
    if (bucketId !== undefined) best = this.firstIn(filed.bucketIds.get(bucketId), best, call);
    for (const { key, values } of filed.parameters) {
      const value = parameters[key];
      if (typeof value === 'string') best = this.firstIn(values.get(value), best, call);
    }
    best = this.firstIn(filed.unanchored, best, call);
    return best === none ? undefined : this.rules[best];
  }

  // The first position in the list whose rule matches, if it is before `best`; else `best`. Lists are ascending,
  // so a list's first match is its best and the walk stops at `best`.
  private firstIn(positions: number[] | undefined, best: number, call: CallContext): number {
    if (!positions) return best;
    for (const position of positions) {
      if (position >= best) return best;
      if ((this.rules[position] as CompiledRule).matches(call)) return position;
    }
    return best;
  }
}

// The anchor a rule is filed under; see RuleAnchor for the order.
export function ruleAnchor(rule: Pick<CompiledRule, 'match'>): RuleAnchor {
  const { bucketName, bucketId, parameters = {} } = rule.match;
  const name = bucketName === undefined ? undefined : exactValue(bucketName);
  if (name !== undefined) return { kind: 'bucketName', value: name };
  const id = bucketId === undefined ? undefined : exactValue(bucketId);
  if (id !== undefined) return { kind: 'bucketId', value: id };
  for (const [key, spec] of Object.entries(parameters)) {
    const value = exactValue(spec);
    if (value !== undefined) return { kind: 'parameter', key, value };
  }
  const prefix = bucketName === undefined ? undefined : literalPrefix(bucketName);
  if (prefix !== undefined) return { kind: 'bucketNamePrefix', prefix };
  return { kind: 'none' };
}

// The one value a matcher accepts, when it names one (exact or equals; with both, either will do: a value
// matching the rule equals both).
function exactValue(spec: StringMatcherSpec): string | undefined {
  if (typeof spec === 'string') return spec;
  return spec.exact ?? spec.equals;
}

// A start every accepted value has: `prefix`, else the glob's characters before its first wildcard. Empty
// prefixes narrow nothing and are left unanchored.
function literalPrefix(spec: StringMatcherSpec): string | undefined {
  if (typeof spec === 'string') return undefined;
  if (spec.prefix) return spec.prefix;
  if (spec.glob) {
    const wildcard = spec.glob.search(/[*?]/);
    const prefix = wildcard === -1 ? spec.glob : spec.glob.slice(0, wildcard);
    if (prefix) return prefix;
  }
  return undefined;
}

function append(map: Map<string, number[]>, key: string, position: number): void {
  const list = map.get(key);
  if (list) list.push(position);
  else map.set(key, [position]);
}
