import { describe, expect, it } from 'vitest';
import { type CallContext, RPC_NAMES, type RpcName } from './call-context.ts';
import { COSI_ERAS, type CosiEra } from './cosi-protos.ts';
import { parseRules } from './rule-file.ts';
import { ruleAnchor } from './rule-index.ts';
import { selectRule } from './rule-set.ts';
import type { CompiledRule, RuleSet, RuleSpec, StringMatcherSpec } from './rule-types.ts';
import { seededRandom } from './seeded-random.ts';

// What the index must agree with: the first rule, in priority then file order, whose matcher accepts the call.
function byScan(ruleSet: RuleSet, call: CallContext): CompiledRule | undefined {
  return ruleSet.rules.find((rule) => rule.matches(call));
}

function load(rules: RuleSpec[]): RuleSet {
  return parseRules(JSON.stringify({ rules }), 'rule-index.test');
}

const ok = { ok: {} };
const SCENARIO = 'cosi-chaos.io/scenario';

// Small pools, so random rules and random calls meet often: most calls match several rules.
const NAMES = ['', 'a', 'ab', 'abc', 'b', 'bench-1', 'bench-12', 'bench-2x', 'x'];
const IDS = ['', 'bkt-1', 'bkt-2', 'bkt-12'];
const PARAMETER_KEYS = [SCENARIO, 'tier', 'region'];
const PARAMETER_VALUES = ['', 's1', 's2', 's12', 'gold'];
const PREFIXES = ['', 'a', 'ab', 'b', 'bench-', 'bench-1', 's', 'bkt-1', 'zz'];
const GLOBS = ['', 'a*', 'ab?', 'bench-*', 'bench-1?', '*x', '*', '?', 'abc', 's*', 'bkt-?'];
const REGEXES = ['^a', 'b', '1$', '^bench-\\d+$'];

class RandomSpecs {
  private readonly next: () => number;
  constructor(seed: number) {
    this.next = seededRandom(seed);
  }
  int(below: number): number {
    return Math.floor(this.next() * below);
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)] as T;
  }
  some<T>(items: readonly T[]): T[] {
    const chosen = items.filter(() => this.chance(0.5));
    return chosen.length > 0 ? chosen : [this.pick(items)];
  }

  // One to three conditions of every kind the schema has; values from the pool (or a prefix of one).
  matcher(pool: readonly string[]): StringMatcherSpec {
    if (this.chance(0.2)) return this.pick(pool);
    const spec: Exclude<StringMatcherSpec, string> = {};
    const conditions = 1 + this.int(3);
    for (let i = 0; i < conditions; i++) {
      switch (this.int(8)) {
        case 0:
          spec.exact = this.pick(pool);
          break;
        case 1:
          spec.equals = this.pick(pool);
          break;
        case 2:
          spec.prefix = this.pick(PREFIXES);
          break;
        case 3:
          spec.suffix = this.pick(['', '1', 'x', '2', 'c']);
          break;
        case 4:
          spec.glob = this.pick(GLOBS);
          break;
        case 5:
          spec.regex = this.pick(REGEXES);
          break;
        case 6:
          spec.minLength = this.int(5);
          break;
        default:
          spec.maxLength = 4 + this.int(6);
      }
    }
    return spec;
  }

  rule(index: number): RuleSpec {
    const match: NonNullable<RuleSpec['match']> = {};
    if (this.chance(0.6)) {
      match.rpc = this.chance(0.5) ? this.pick(RPC_NAMES) : this.some(RPC_NAMES);
    }
    if (this.chance(0.2)) match.era = this.chance(0.5) ? this.pick(COSI_ERAS) : [...COSI_ERAS];
    if (this.chance(0.5)) match.bucketName = this.matcher(NAMES);
    if (this.chance(0.2)) match.bucketId = this.matcher(IDS);
    if (this.chance(0.6)) {
      match.parameters = {};
      for (const key of this.some(PARAMETER_KEYS)) match.parameters[key] = this.matcher(PARAMETER_VALUES);
    }
    if (this.chance(0.3)) {
      const low = 1 + this.int(3);
      match.call = this.chance(0.5) ? { nth: low } : { from: low, upTo: low + this.int(3) };
      if (this.chance(0.3)) delete match.call.upTo;
    }
    return {
      name: `r${index}`,
      // Few distinct priorities, so ties (decided by file order) are common.
      ...(this.chance(0.5) ? { priority: this.int(3) } : {}),
      ...(Object.keys(match).length > 0 || this.chance(0.5) ? { match } : {}),
      action: ok,
    };
  }

  call(): CallContext {
    const rpc: RpcName = this.pick(RPC_NAMES);
    const era: CosiEra = this.pick(COSI_ERAS);
    const parameters: Record<string, string> = {};
    for (const key of PARAMETER_KEYS) if (this.chance(0.6)) parameters[key] = this.pick(PARAMETER_VALUES);
    return {
      era,
      rpc,
      ...(rpc !== 'getInfo' && this.chance(0.9) ? { bucketName: this.pick(NAMES) } : {}),
      ...(rpc !== 'getInfo' && this.chance(0.5) ? { bucketId: this.pick(IDS) } : {}),
      parameters,
      callNumber: 1 + this.int(5),
    };
  }
}

describe('RuleIndex', () => {
  it('picks the same rule as trying every rule in order, over seeded random rules and calls', () => {
    const random = new RandomSpecs(20261130);
    let compared = 0;
    let matched = 0;
    let decidedAmongSeveral = 0;
    let decidedByPriority = 0;
    const answeredBy = new Map<string, number>();
    for (let set = 0; set < 300; set++) {
      const specs = Array.from({ length: 1 + random.int(40) }, (_, i) => random.rule(i));
      const ruleSet = load(specs);
      for (let c = 0; c < 150; c++) {
        const call = random.call();
        const expected = byScan(ruleSet, call);
        const actual = selectRule(ruleSet, call);
        expect(actual?.name, JSON.stringify({ rules: specs, call })).toBe(expected?.name);
        compared++;
        if (!expected) continue;
        matched++;
        const kind = ruleAnchor(expected).kind;
        answeredBy.set(kind, (answeredBy.get(kind) ?? 0) + 1);
        const all = ruleSet.rules.filter((rule) => rule.matches(call));
        if (all.length > 1) decidedAmongSeveral++;
        if (all.some((rule) => rule.order < expected.order)) decidedByPriority++;
      }
    }
    // The comparison only means something if calls matched, often among several rules, through every anchor.
    expect(compared).toBe(300 * 150);
    expect(matched).toBeGreaterThan(compared / 10);
    expect(decidedAmongSeveral).toBeGreaterThan(1_000);
    expect(decidedByPriority).toBeGreaterThan(100);
    for (const kind of ['bucketName', 'bucketId', 'parameter', 'bucketNamePrefix', 'none']) {
      expect(answeredBy.get(kind) ?? 0, kind).toBeGreaterThan(50);
    }
  });

  it('1,000 rules scoped per scenario, as the harness writes them: each call gets its scenario rule for its call number', () => {
    const specs: RuleSpec[] = [];
    for (let s = 0; s < 500; s++) {
      const scoped = { [SCENARIO]: { equals: `scenario-${s}` } };
      specs.push({
        name: `scenario-${s}/first-${(s % 3) + 1}`,
        match: { rpc: 'create', parameters: scoped, call: { upTo: (s % 3) + 1 } },
        action: { error: { code: 'Unavailable' } },
      });
      specs.push({
        name: `scenario-${s}/long-names`,
        match: { rpc: ['create', 'delete'], bucketName: { minLength: 64 }, parameters: scoped },
        action: { error: { code: 'InvalidArgument' } },
      });
    }
    // A catch-all late in the file that outranks every scenario rule, but only for one bucket-name prefix.
    specs.push({ name: 'urgent', priority: 1, match: { bucketName: { prefix: 'urgent-' } }, action: ok });
    const ruleSet = load(specs);
    expect(ruleSet.rules).toHaveLength(1_001);

    const random = new RandomSpecs(11);
    for (let c = 0; c < 5_000; c++) {
      const scenario = random.int(520); // some calls name a scenario with no rules
      const call: CallContext = {
        era: random.pick(COSI_ERAS),
        rpc: random.pick(['create', 'delete', 'grant'] as const),
        bucketName: `${random.pick(['', 'urgent-'])}${'n'.repeat(random.pick([10, 70]))}`,
        parameters: { [SCENARIO]: `scenario-${scenario}` },
        callNumber: 1 + random.int(4),
      };
      expect(selectRule(ruleSet, call)?.name, JSON.stringify(call)).toBe(byScan(ruleSet, call)?.name);
    }

    const create = (scenario: number, callNumber: number, bucketName: string) =>
      selectRule(ruleSet, {
        era: 'v1alpha1',
        rpc: 'create',
        bucketName,
        parameters: { [SCENARIO]: `scenario-${scenario}` },
        callNumber,
      })?.name;
    const long = 'n'.repeat(70);
    expect(create(302, 3, 'short')).toBe('scenario-302/first-3');
    expect(create(302, 4, 'short')).toBeUndefined();
    expect(create(302, 4, long)).toBe('scenario-302/long-names');
    expect(create(300, 2, 'short')).toBeUndefined();
    expect(create(300, 1, long)).toBe('scenario-300/first-1');
    expect(create(301, 1, `urgent-${long}`)).toBe('urgent');
    expect(create(510, 1, long)).toBeUndefined();
  });

  it('an unanchored rule earlier in the file beats an anchored one of the same priority, and loses to a higher one', () => {
    const ruleSet = load([
      { name: 'any-create', match: { rpc: 'create' }, action: ok },
      { name: 'exact-name', match: { bucketName: 'b1' }, action: ok },
      { name: 'scoped', priority: 2, match: { parameters: { [SCENARIO]: { equals: 's1' } } }, action: ok },
      { name: 'prefixed', priority: 1, match: { bucketName: { glob: 'b1*' } }, action: ok },
    ]);
    const call = (rpc: RpcName, parameters: Record<string, string>): CallContext => ({
      era: 'v1alpha2',
      rpc,
      bucketName: 'b1',
      parameters,
      callNumber: 1,
    });
    expect(selectRule(ruleSet, call('create', { [SCENARIO]: 's1' }))?.name).toBe('scoped');
    expect(selectRule(ruleSet, call('create', { [SCENARIO]: 's2' }))?.name).toBe('prefixed');
    expect(selectRule(ruleSet, call('delete', {}))?.name).toBe('prefixed');
    const lowered = load([
      { name: 'any-create', match: { rpc: 'create' }, action: ok },
      { name: 'exact-name', match: { bucketName: 'b1' }, action: ok },
    ]);
    expect(selectRule(lowered, call('create', {}))?.name).toBe('any-create');
    expect(selectRule(lowered, call('delete', {}))?.name).toBe('exact-name');
  });

  it('files each rule under the narrowest value every matching call must carry', () => {
    const anchor = (match: RuleSpec['match']) => ruleAnchor({ match: match ?? {} });
    expect(anchor({ bucketName: 'b', bucketId: 'i', parameters: { k: 'v' } })).toEqual({
      kind: 'bucketName',
      value: 'b',
    });
    expect(anchor({ bucketName: { equals: 'b', prefix: 'x' } })).toEqual({ kind: 'bucketName', value: 'b' });
    expect(anchor({ bucketName: { prefix: 'p' }, bucketId: { exact: 'i' } })).toEqual({
      kind: 'bucketId',
      value: 'i',
    });
    expect(
      anchor({ bucketName: { prefix: 'p' }, parameters: { a: { prefix: 'q' }, k: { equals: 'v' } } }),
    ).toEqual({ kind: 'parameter', key: 'k', value: 'v' });
    expect(anchor({ bucketName: { prefix: 'p', minLength: 3 } })).toEqual({
      kind: 'bucketNamePrefix',
      prefix: 'p',
    });
    expect(anchor({ bucketName: { glob: 'cosi-86-?x*' } })).toEqual({
      kind: 'bucketNamePrefix',
      prefix: 'cosi-86-',
    });
    expect(anchor({ bucketName: { glob: '*-86' } })).toEqual({ kind: 'none' });
    expect(anchor({ bucketName: { prefix: '' } })).toEqual({ kind: 'none' });
    expect(anchor({ bucketName: { regex: '^cosi' }, rpc: 'create' })).toEqual({ kind: 'none' });
    expect(anchor(undefined)).toEqual({ kind: 'none' });
  });
});
