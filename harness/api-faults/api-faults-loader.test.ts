import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { ScenarioError } from '../scenarios/scenario-error.ts';
import { ApiFaultActionResolver } from './api-fault-action.ts';
import { selectApiFaultRule } from './api-fault-rules.ts';
import type { ApiFaultRequest } from './api-fault-types.ts';
import {
  API_FAULTS_SCHEMA,
  API_FAULTS_SCHEMA_ID,
  compileApiFaultsValue,
  parseApiFaultsYaml,
} from './api-faults-loader.ts';
import { apiRequestInfo } from './api-request-info.ts';

const VALID = `apiFaults:
  rules:
    - name: status-conflict
      match:
        verb: update
        resource: bucketclaims
        subresource: status
        namespace: default
        name: { glob: "claim-*" }
        call: { upTo: 3 }
      action:
        status: { code: 409 }
    - name: throttle-lists
      match: { verb: [list, watch], userAgent: { prefix: objectstorage } }
      action:
        random: { probability: 0.5, seed: 7, then: { status: { code: 429, retryAfterSeconds: 2 } } }
    - name: cut-watches
      match: { verb: watch, resource: buckets }
      action: { cutWatch: { afterEvents: 2, afterSeconds: 30 } }
`;

function errorOf(text: string): ScenarioError {
  try {
    parseApiFaultsYaml(text, 'faults.yaml');
  } catch (error) {
    if (error instanceof ScenarioError) return error;
    throw error;
  }
  throw new Error('expected a ScenarioError');
}

function request(method: string, url: string, callNumber: number, extra: Partial<ApiFaultRequest> = {}) {
  return { ...apiRequestInfo(method, url), callNumber, ...extra };
}

describe('apiFaults loader', () => {
  it('compiles a valid section and matches the requests it names', () => {
    const set = parseApiFaultsYaml(VALID, 'faults.yaml');
    expect(set.rules.map((r) => r.name)).toEqual(['status-conflict', 'throttle-lists', 'cut-watches']);
    const status = '/apis/objectstorage.k8s.io/v1alpha1/namespaces/default/bucketclaims/claim-1/status';
    expect(selectApiFaultRule(set, request('PUT', status, 3))?.name).toBe('status-conflict');
    expect(selectApiFaultRule(set, request('PUT', status, 4))).toBeUndefined();
    expect(selectApiFaultRule(set, request('PUT', status.replace('claim-1', 'other'), 1))).toBeUndefined();
    expect(selectApiFaultRule(set, request('PATCH', status, 1))).toBeUndefined();
    const list = request('GET', '/api/v1/namespaces/d/pods', 1, { userAgent: 'objectstorage-sidecar/v0' });
    expect(selectApiFaultRule(set, list)?.name).toBe('throttle-lists');
    expect(selectApiFaultRule(set, { ...list, userAgent: 'kubectl/v1.32' })).toBeUndefined();
    // No path matcher: discovery and /version are never faulted.
    expect(
      selectApiFaultRule(set, request('GET', '/version', 1, { userAgent: 'objectstorage-x' })),
    ).toBeUndefined();
  });

  it('resolves sequence, flap, every and seeded random like driver rules', () => {
    const set = parseApiFaultsYaml(
      `apiFaults:
  rules:
    - name: every-third
      match: { resource: a, call: { every: 3 } }
      action: { status: { code: 500 } }
    - name: fail-twice
      match: { resource: b }
      action: { sequence: [ { times: 2, action: { status: { code: 503 } } }, { action: { forward: {} } } ] }
    - name: coin
      match: { resource: c }
      action: { random: { probability: 0.5, seed: 42, then: { reset: {} } } }
`,
      'f.yaml',
    );
    const resolver = new ApiFaultActionResolver();
    const kinds = (resource: string) =>
      [1, 2, 3, 4, 5, 6].map((n) => {
        const rule = selectApiFaultRule(set, request('GET', `/api/v1/${resource}`, n));
        return rule ? resolver.resolve(rule.action, n).terminal.kind : 'none';
      });
    expect(kinds('a')).toEqual(['none', 'none', 'status', 'none', 'none', 'status']);
    expect(kinds('b')).toEqual(['status', 'status', 'forward', 'forward', 'forward', 'forward']);
    const coin = kinds('c');
    // Same seed, same draws: a second resolver repeats the first one's sequence exactly.
    const again = new ApiFaultActionResolver();
    const rule = set.rules.find((r) => r.name === 'coin');
    expect([1, 2, 3, 4, 5, 6].map((n) => (rule ? again.resolve(rule.action, n).terminal.kind : ''))).toEqual(
      coin,
    );
    expect(new Set(coin)).toEqual(new Set(['reset', 'forward']));
  });

  const cases: [string, string, RegExp][] = [
    [
      'unknown field',
      VALID.replace('verb: update', 'verbs: update'),
      /^faults\.yaml:5: apiFaults\.rules\.0\.match\.verbs: unknown field "verbs"$/,
    ],
    [
      'bad verb',
      VALID.replace('verb: update', 'verb: put'),
      /^faults\.yaml:5: apiFaults\.rules\.0\.match\.verb: /,
    ],
    [
      'two actions',
      VALID.replace('status: { code: 409 }', 'status: { code: 409 }\n        hang: {}'),
      /:12: apiFaults\.rules\.0\.action: an action has exactly one kind/,
    ],
    [
      'status code out of range',
      VALID.replace('code: 409', 'code: 200'),
      /:12: apiFaults\.rules\.0\.action\.status\.code: must be >= 400/,
    ],
    [
      'nth with upTo',
      VALID.replace('{ upTo: 3 }', '{ nth: 1, upTo: 3 }'),
      /:10: apiFaults\.rules\.0\.match\.call: use either nth, or from\/upTo/,
    ],
    [
      'from after upTo',
      VALID.replace('{ upTo: 3 }', '{ from: 4, upTo: 3 }'),
      /:10: apiFaults\.rules\.0\.match\.call\.from: from 4 is after upTo 3/,
    ],
    [
      'duplicate name',
      VALID.replace('name: cut-watches', 'name: status-conflict'),
      /:17: apiFaults\.rules\.2\.name: duplicate rule name "status-conflict" \(also rules\[0\]\)/,
    ],
    [
      'cutWatch on non-watch',
      VALID.replace('{ verb: watch, resource: buckets }', '{ verb: [watch, list] }'),
      /:19: apiFaults\.rules\.2\.action\.cutWatch: cutWatch acts on watch streams only/,
    ],
    [
      'bad regex',
      VALID.replace('{ glob: "claim-*" }', '{ regex: "(" }'),
      /:9: apiFaults\.rules\.0\.match\.name\.regex: invalid regex/,
    ],
    ['missing section', 'rules: []\n', /^faults\.yaml:1: apiFaults: missing required field "apiFaults"$/],
    ['yaml syntax', 'apiFaults: [\n', /^faults\.yaml:\d+: \(document\): YAML syntax error/],
  ];
  it.each(cases)('%s: one error with file, line and path', (_label, text, expected) => {
    expect(errorOf(text).message).toMatch(expected);
  });

  it('validates a value embedded elsewhere with the caller’s base path and lines', () => {
    expect(() =>
      compileApiFaultsValue(
        { rules: [{ name: 'x', action: { hang: {}, reset: {} } }] },
        {
          file: 'scenario.yaml',
          basePath: ['spec', 'apiFaults'],
          lineOf: (path) => path.length,
        },
      ),
    ).toThrow(/^scenario\.yaml:5: spec\.apiFaults\.rules\.0\.action: an action has exactly one kind/);
  });

  it('is $ref-able from another schema by its $id', () => {
    const ajv = new Ajv({ strict: false });
    ajv.addSchema(API_FAULTS_SCHEMA);
    const validate = ajv.compile({
      type: 'object',
      properties: { apiFaults: { $ref: API_FAULTS_SCHEMA_ID } },
    });
    expect(validate({ apiFaults: { rules: [{ name: 'a', action: { reset: {} } }] } })).toBe(true);
    expect(validate({ apiFaults: { rules: [{ name: 'a', action: { explode: {} } }] } })).toBe(false);
  });
});
