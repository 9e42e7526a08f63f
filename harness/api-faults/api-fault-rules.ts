import { compileStringMatcher as compileDriverMatcher, MatcherSpecError } from '../../mock-driver/index.ts';
import type {
  ApiCallMatcherSpec,
  ApiFaultActionSpec,
  ApiFaultRequest,
  ApiFaultRuleSpec,
  ApiFaultSet,
  ApiFaultsSpec,
  ApiStringMatcherSpec,
  CompiledApiFaultRule,
} from './api-fault-types.ts';

/** A schema-valid apiFaults section that still makes no sense; `path` leads from the section to the bad node. */
export class ApiFaultSemanticError extends Error {
  override readonly name = 'ApiFaultSemanticError';
  constructor(
    readonly path: (string | number)[],
    message: string,
  ) {
    super(message);
  }
}

/** Turns a schema-valid section into matchers. Throws ApiFaultSemanticError for what the schema cannot say. */
export function compileApiFaults(spec: ApiFaultsSpec): ApiFaultSet {
  const firstIndexByName = new Map<string, number>();
  const rules = spec.rules.map((rule, index) => {
    const earlier = firstIndexByName.get(rule.name);
    if (earlier !== undefined) {
      throw new ApiFaultSemanticError(
        ['rules', index, 'name'],
        `duplicate rule name ${JSON.stringify(rule.name)} (also rules[${earlier}]); give every rule its own name`,
      );
    }
    firstIndexByName.set(rule.name, index);
    return compileRule(rule, index);
  });
  // Stable sort: equal priorities keep written order, so "first match wins" reads top to bottom.
  rules.sort((a, b) => b.priority - a.priority || a.order - b.order);
  return { rules };
}

/** The rule that acts on this request, or undefined when it goes to the API server untouched. */
export function selectApiFaultRule(
  set: ApiFaultSet,
  request: ApiFaultRequest,
): CompiledApiFaultRule | undefined {
  return set.rules.find((rule) => rule.matches(request));
}

function compileRule(rule: ApiFaultRuleSpec, index: number): CompiledApiFaultRule {
  const base = ['rules', index, 'match'];
  const match = rule.match ?? {};
  const checks: ((request: ApiFaultRequest) => boolean)[] = [];
  // Faults are about API objects: without a path matcher, discovery and /version always pass.
  if (match.path === undefined) checks.push((request) => request.isResourceRequest);
  const oneOf = (key: 'verb' | 'group' | 'resource', value: string | string[] | undefined) => {
    if (value === undefined) return;
    const allowed = new Set<string>(Array.isArray(value) ? value : [value]);
    checks.push((request) => allowed.has(request[key === 'group' ? 'apiGroup' : key] ?? ''));
  };
  oneOf('verb', match.verb);
  oneOf('group', match.group);
  oneOf('resource', match.resource);
  if (match.subresource !== undefined) {
    const allowed = new Set(Array.isArray(match.subresource) ? match.subresource : [match.subresource]);
    checks.push((request) => allowed.has(request.subresource ?? ''));
  }
  for (const key of ['namespace', 'name', 'path', 'userAgent', 'user'] as const) {
    const spec = match[key];
    if (spec === undefined) continue;
    const matcher = compileStringMatcher(spec, [...base, key]);
    checks.push((request) => matcher(request[key]));
  }
  if (match.call !== undefined) checks.push(compileCallMatcher(match.call, [...base, 'call']));
  checkCutWatchPlacement(rule, index);
  return {
    name: rule.name,
    priority: rule.priority ?? 0,
    order: index,
    matches: (request) => {
      for (const check of checks) if (!check(request)) return false;
      return true;
    },
    action: rule.action,
  };
}

function compileCallMatcher(
  call: ApiCallMatcherSpec,
  path: (string | number)[],
): (request: ApiFaultRequest) => boolean {
  const { nth, from, upTo, every } = call;
  if (nth !== undefined && (from !== undefined || upTo !== undefined)) {
    throw new ApiFaultSemanticError(
      path,
      'use either nth, or from/upTo, not both; nth: N is from: N, upTo: N',
    );
  }
  if (from !== undefined && upTo !== undefined && from > upTo) {
    throw new ApiFaultSemanticError(
      [...path, 'from'],
      `from ${from} is after upTo ${upTo}, so no call could match; swap them`,
    );
  }
  const low = nth ?? from ?? 1;
  const high = nth ?? upTo ?? Number.POSITIVE_INFINITY;
  const period = every ?? 1;
  return (request) =>
    request.callNumber >= low && request.callNumber <= high && request.callNumber % period === 0;
}

// cutWatch only means something on a watch stream, so a rule using it must match watches and nothing else.
function checkCutWatchPlacement(rule: ApiFaultRuleSpec, index: number): void {
  const cut = findCutWatch(rule.action, ['rules', index, 'action']);
  if (!cut) return;
  const verbs = rule.match?.verb === undefined ? [] : [rule.match.verb].flat();
  if (verbs.length !== 1 || verbs[0] !== 'watch') {
    throw new ApiFaultSemanticError(
      cut,
      'cutWatch acts on watch streams only; add `verb: watch` to this rule’s match (and only watch)',
    );
  }
}

function findCutWatch(
  action: ApiFaultActionSpec,
  path: (string | number)[],
): (string | number)[] | undefined {
  if ('cutWatch' in action) return [...path, 'cutWatch'];
  if ('delay' in action)
    return action.delay.then && findCutWatch(action.delay.then, [...path, 'delay', 'then']);
  if ('sequence' in action) {
    for (const [i, step] of action.sequence.entries()) {
      const found = findCutWatch(step.action, [...path, 'sequence', i, 'action']);
      if (found) return found;
    }
  }
  if ('flap' in action) {
    for (const [i, step] of action.flap.actions.entries()) {
      const found = findCutWatch(step, [...path, 'flap', 'actions', i]);
      if (found) return found;
    }
  }
  if ('random' in action) {
    return (
      findCutWatch(action.random.then, [...path, 'random', 'then']) ??
      (action.random.else && findCutWatch(action.random.else, [...path, 'random', 'else']))
    );
  }
  return undefined;
}

// The driver's own matchers (same spellings: exact, prefix, suffix, glob, regex); a bad regex names its path here.
function compileStringMatcher(
  spec: ApiStringMatcherSpec,
  path: (string | number)[],
): (value: string | undefined) => boolean {
  try {
    return compileDriverMatcher(spec);
  } catch (error) {
    if (error instanceof MatcherSpecError)
      throw new ApiFaultSemanticError([...path, error.key], error.message);
    throw error;
  }
}
