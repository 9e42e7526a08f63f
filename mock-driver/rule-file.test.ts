import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { RPC_NAMES } from './call-context.ts';
import { COSI_ERAS } from './cosi-protos.ts';
import { GRPC_CODE_NAMES } from './grpc-code-names.ts';
import { loadRuleFile, RULES_SCHEMA_PATH } from './rule-file.ts';
import { RuleFileError } from './rule-file-error.ts';

const dir = mkdtempSync(join(tmpdir(), 'cosi-chaos-rules-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function write(name: string, text: string): string {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

function loadError(text: string): RuleFileError {
  const file = write('bad.yaml', text);
  try {
    loadRuleFile(file);
  } catch (error) {
    expect(error).toBeInstanceOf(RuleFileError);
    return error as RuleFileError;
  }
  throw new Error('expected the rule file to be rejected');
}

const ok = 'action: { ok: {} }';

// [what is wrong, file text, line, JSON path, message fragment]
const badFiles: [string, string, number, string, RegExp][] = [
  ['YAML syntax error', 'rules: [\n', 2, '', /not valid YAML/],
  ['duplicate YAML keys', `rules: []\nrules: []\n`, 2, '', /not valid YAML: .*unique/i],
  ['empty file', '', 1, '', /empty; write `rules: \[\]`/],
  ['top level is a list', '- name: a\n', 1, '', /must be a mapping, got a list/],
  ['missing rules key', 'seed: {}\n', 1, '', /missing required key "rules"/],
  [
    'unknown top-level key',
    'rules: []\nrulez: []\n',
    2,
    'rulez',
    /unknown key "rulez"; expected one of: rules, seed/,
  ],
  ['rules is not a list', 'rules: { a: 1 }\n', 1, 'rules', /must be a list, got a mapping/],
  ['rule without a name', `rules:\n  - ${ok}\n`, 2, 'rules[0]', /missing required key "name"/],
  ['rule without an action', 'rules:\n  - name: a\n', 2, 'rules[0]', /missing required key "action"/],
  ['empty rule name', `rules:\n  - name: ""\n    ${ok}\n`, 2, 'rules[0].name', /must not be empty/],
  [
    'duplicate rule names',
    `rules:\n  - name: a\n    ${ok}\n  - name: a\n    ${ok}\n`,
    4,
    'rules[1].name',
    /duplicate rule name "a" \(also rules\[0\]\)/,
  ],
  [
    'unknown key in a rule',
    `rules:\n  - name: a\n    when: {}\n    ${ok}\n`,
    3,
    'rules[0].when',
    /unknown key "when"; expected one of: name, priority, match, action/,
  ],
  [
    'negative priority',
    `rules:\n  - name: a\n    priority: -1\n    ${ok}\n`,
    3,
    'rules[0].priority',
    /-1 is out of range; must be >= 0/,
  ],
  [
    'unknown rpc',
    `rules:\n  - name: a\n    match: { rpc: creat }\n    ${ok}\n`,
    3,
    'rules[0].match.rpc',
    /unknown value "creat"; use one of: getInfo, create/,
  ],
  [
    'unknown rpc in a list',
    `rules:\n  - name: a\n    match: { rpc: [create, nuke] }\n    ${ok}\n`,
    3,
    'rules[0].match.rpc[1]',
    /unknown value "nuke"/,
  ],
  [
    'unknown era',
    `rules:\n  - name: a\n    match: { era: v1beta1 }\n    ${ok}\n`,
    3,
    'rules[0].match.era',
    /unknown value "v1beta1"; use one of: v1alpha1, v1alpha2/,
  ],
  [
    'unknown gRPC code',
    'rules:\n  - name: a\n    action: { error: { code: NotAllowed } }\n',
    3,
    'rules[0].action.error.code',
    /unknown gRPC code "NotAllowed"; use one of: OK, Canceled/,
  ],
  [
    'upper-snake gRPC code',
    'rules:\n  - name: a\n    action: { error: { code: INVALID_ARGUMENT } }\n',
    3,
    'rules[0].action.error.code',
    /unknown gRPC code "INVALID_ARGUMENT"/,
  ],
  [
    'error without code',
    'rules:\n  - name: a\n    action: { error: { message: x } }\n',
    3,
    'rules[0].action.error',
    /missing required key "code"/,
  ],
  [
    'bad regex',
    `rules:\n  - name: a\n    match: { bucketName: { regex: "a(" } }\n    ${ok}\n`,
    3,
    'rules[0].match.bucketName.regex',
    /invalid regex "a\(".*Unterminated group/,
  ],
  [
    'bad regex in a parameter matcher',
    `rules:\n  - name: a\n    match:\n      parameters:\n        "cosi-chaos.io/scenario": { regex: "[" }\n    ${ok}\n`,
    5,
    'rules[0].match.parameters["cosi-chaos.io/scenario"].regex',
    /invalid regex/,
  ],
  [
    'unknown string matcher key',
    `rules:\n  - name: a\n    match: { bucketName: { contains: x } }\n    ${ok}\n`,
    3,
    'rules[0].match.bucketName.contains',
    /unknown key "contains"; expected one of: exact, equals, prefix/,
  ],
  [
    'empty string matcher',
    `rules:\n  - name: a\n    match: { bucketName: {} }\n    ${ok}\n`,
    3,
    'rules[0].match.bucketName',
    /must not be empty; give at least one of: exact/,
  ],
  [
    'minLength above maxLength',
    `rules:\n  - name: a\n    match: { bucketName: { minLength: 9, maxLength: 3 } }\n    ${ok}\n`,
    3,
    'rules[0].match.bucketName.minLength',
    /minLength 9 is greater than maxLength 3/,
  ],
  [
    'negative maxLength',
    `rules:\n  - name: a\n    match: { bucketName: { maxLength: -3 } }\n    ${ok}\n`,
    3,
    'rules[0].match.bucketName.maxLength',
    /-3 is out of range; must be >= 0/,
  ],
  [
    'call nth zero',
    `rules:\n  - name: a\n    match: { call: { nth: 0 } }\n    ${ok}\n`,
    3,
    'rules[0].match.call.nth',
    /0 is out of range; must be >= 1/,
  ],
  [
    'call nth with from',
    `rules:\n  - name: a\n    match: { call: { nth: 2, from: 1 } }\n    ${ok}\n`,
    3,
    'rules[0].match.call',
    /either nth, or from\/upTo, not both/,
  ],
  [
    'call from after upTo',
    `rules:\n  - name: a\n    match: { call: { from: 5, upTo: 2 } }\n    ${ok}\n`,
    3,
    'rules[0].match.call.from',
    /from 5 is after upTo 2/,
  ],
  [
    'empty action',
    'rules:\n  - name: a\n    action: {}\n',
    3,
    'rules[0].action',
    /an action needs exactly one kind; write one of: error, ok/,
  ],
  [
    'two actions at once',
    'rules:\n  - name: a\n    action: { ok: {}, hang: {} }\n',
    3,
    'rules[0].action',
    /exactly one kind, found ok and hang/,
  ],
  [
    'unknown action kind',
    'rules:\n  - name: a\n    action: { explode: {} }\n',
    3,
    'rules[0].action.explode',
    /unknown key "explode"/,
  ],
  [
    'negative delay',
    'rules:\n  - name: a\n    action: { delay: { ms: -5 } }\n',
    3,
    'rules[0].action.delay.ms',
    /-5 is out of range; must be >= 0/,
  ],
  [
    'fractional delay',
    'rules:\n  - name: a\n    action: { delay: { ms: 1.5 } }\n',
    3,
    'rules[0].action.delay.ms',
    /must be an integer, got number 1.5/,
  ],
  [
    'bad nested action in delay',
    'rules:\n  - name: a\n    action: { delay: { ms: 5, then: { error: { code: Nope } } } }\n',
    3,
    'rules[0].action.delay.then.error.code',
    /unknown gRPC code "Nope"/,
  ],
  [
    'empty sequence',
    'rules:\n  - name: a\n    action: { sequence: [] }\n',
    3,
    'rules[0].action.sequence',
    /needs at least 1 item/,
  ],
  [
    'sequence step times zero',
    'rules:\n  - name: a\n    action: { sequence: [ { times: 0, action: { ok: {} } } ] }\n',
    3,
    'rules[0].action.sequence[0].times',
    /0 is out of range; must be >= 1/,
  ],
  [
    'flap period zero',
    'rules:\n  - name: a\n    action: { flap: { period: 0, actions: [ { ok: {} } ] } }\n',
    3,
    'rules[0].action.flap.period',
    /must be >= 1/,
  ],
  [
    'random probability above 1',
    'rules:\n  - name: a\n    action: { random: { probability: 1.5, then: { ok: {} } } }\n',
    3,
    'rules[0].action.random.probability',
    /1.5 is out of range; must be <= 1/,
  ],
  [
    'random without then',
    'rules:\n  - name: a\n    action: { random: { probability: 0.5 } }\n',
    3,
    'rules[0].action.random',
    /missing required key "then"/,
  ],
  [
    'crash exit code out of range',
    'rules:\n  - name: a\n    action: { crash: { exitCode: 300 } }\n',
    3,
    'rules[0].action.crash.exitCode',
    /300 is out of range; must be <= 255/,
  ],
  [
    'hang with options',
    'rules:\n  - name: a\n    action: { hang: { forever: true } }\n',
    3,
    'rules[0].action.hang.forever',
    /unknown key "forever"; this object takes no keys/,
  ],
  [
    'unsupported error detail type',
    'rules:\n  - name: a\n    action: { error: { code: Internal, details: [ { type: google.rpc.RetryInfo, reason: r, domain: d } ] } }\n',
    3,
    'rules[0].action.error.details[0].type',
    /"google.rpc.RetryInfo" is not supported; the only supported value is "google.rpc.ErrorInfo"/,
  ],
  [
    'negative seed objects',
    'rules: []\nseed: { objects: { b: -1 } }\n',
    2,
    'seed.objects.b',
    /-1 is out of range; must be >= 0/,
  ],
  [
    'parameter matcher of the wrong type',
    `rules:\n  - name: a\n    match: { parameters: { tier: 5 } }\n    ${ok}\n`,
    3,
    'rules[0].match.parameters.tier',
    /must be a string, got number 5/,
  ],
];

describe('loadRuleFile rejects bad rule files with file:line, JSON path and what to do', () => {
  it('has at least 20 distinct kinds of bad file', () => {
    expect(new Set(badFiles.map(([what]) => what)).size).toBeGreaterThanOrEqual(20);
  });

  it.each(badFiles)('%s', (_what, text, line, path, message) => {
    const error = loadError(text);
    expect(error.file).toBe(join(dir, 'bad.yaml'));
    expect({ line: error.line, path: error.path }).toEqual({ line, path });
    expect(error.reason).toMatch(message);
    expect(error.message).toBe(
      `${error.file}:${error.line}:${error.column}: ${path ? `${path}: ` : ''}${error.reason}`,
    );
  });

  it('names the file when it cannot be read', () => {
    expect(() => loadRuleFile(join(dir, 'missing.yaml'))).toThrow(
      /missing\.yaml: cannot read rule file \(ENOENT\)/,
    );
  });
});

describe('loadRuleFile accepts', () => {
  it('the example from the docs, sorted by priority then file order, with seeds', () => {
    const file = write(
      'good.yaml',
      `
rules:
  - name: plain
    action: { backend: {} }
  - name: long-names-invalid
    priority: 10
    match:
      rpc: create
      era: v1alpha1
      bucketName: { minLength: 64 }
      bucketId: { prefix: "bkt-" }
      parameters: { "cosi-chaos.io/scenario": { equals: "cosi-86" }, tier: { regex: "^gold" }, zone: a }
      call: { nth: 1 }
    action:
      error: { code: InvalidArgument, message: "Invalid bucket name", details: [ { type: google.rpc.ErrorInfo, reason: R, domain: D, metadata: {} } ] }
  - name: all-kinds
    priority: 10
    match: { rpc: [delete, grant], era: [v1alpha1, v1alpha2], call: { from: 2, upTo: 4 } }
    action:
      sequence:
        - { times: 3, action: { delay: { ms: 200, then: { hang: {} } } } }
        - { action: { flap: { period: 2, actions: [ { drop: {} }, { crash: { exitCode: 137 } } ] } } }
        - { action: { random: { probability: 0.3, seed: 42, then: { ok: {} }, else: { error: { code: Unavailable } } } } }
seed:
  objects: { full-bucket: 3 }
`,
    );
    const rules = loadRuleFile(file);
    expect(rules.rules.map((rule) => rule.name)).toEqual(['long-names-invalid', 'all-kinds', 'plain']);
    expect(rules.seedObjects).toEqual({ 'full-bucket': 3 });
  });

  it('an empty rule list, and JSON text', () => {
    expect(loadRuleFile(write('empty.yaml', 'rules: []\n')).rules).toEqual([]);
    expect(
      loadRuleFile(write('rules.json', '{"rules":[{"name":"a","action":{"ok":{}}}]}')).rules,
    ).toHaveLength(1);
  });
});

describe('the published schema', () => {
  it('lists exactly the rpc names, eras and gRPC codes the driver knows', () => {
    const schema = JSON.parse(readFileSync(RULES_SCHEMA_PATH, 'utf8'));
    expect(schema.definitions.rpc.enum).toEqual([...RPC_NAMES]);
    expect(schema.definitions.era.enum).toEqual([...COSI_ERAS]);
    expect(schema.definitions.grpcCode.enum).toEqual([...GRPC_CODE_NAMES]);
  });
});
