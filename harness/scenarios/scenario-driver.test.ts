import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { API_FAULTS_SCHEMA } from '../api-faults/api-faults-loader.ts';
import { InvalidScenariosError } from './invalid-scenarios-error.ts';
import { driverFromFlag } from './scenario-driver.ts';
import { parseScenarios } from './scenario-loader.ts';

const root = join(import.meta.dirname, '..', '..');
const happy = readFileSync(join(root, 'scenarios', 'real-driver', 'unavailable-then-driver.yaml'), 'utf8');
const schema = createRequire(import.meta.url)('../../schemas/scenario.schema.json') as object;
const validate = new Ajv({ allErrors: true, strict: false }).addSchema(API_FAULTS_SCHEMA).compile(schema);

/** The real-driver scenario with its `driver: sample` line replaced by `yaml` (indented under spec). */
function withDriver(yaml: string): string {
  if (!happy.includes('  driver: sample\n'))
    throw new Error('the scenario no longer selects the sample driver');
  return happy.replace('  driver: sample\n', yaml);
}

function problemsOf(text: string, file = join(root, 'scenarios', 'real-driver', 'x.yaml')) {
  try {
    parseScenarios(text, file);
  } catch (e) {
    if (!(e instanceof InvalidScenariosError)) throw e;
    return e.problems.map(({ line, path, problem }) => ({ line, path, problem }));
  }
  return [];
}

const lineOf = (text: string, fragment: string) =>
  text.split('\n').findIndex((l) => l.includes(fragment)) + 1;

describe('spec.driver', () => {
  it('selects the mock by default, the sample driver with its config, a binary or a running driver', () => {
    const [plain] = parseScenarios(happy.replace('  driver: sample\n', ''), 'x.yaml');
    expect(plain?.driver).toBeUndefined();
    const sample = withDriver(
      '  driver:\n    sample:\n      mode: s3:fake\n      errors:\n        deleteBucket: { code: FailedPrecondition, message: not empty }\n',
    );
    expect(parseScenarios(sample, 'x.yaml')[0]?.driver).toEqual({
      kind: 'sample',
      sample: {
        mode: 's3:fake',
        errors: { deleteBucket: { code: 'FailedPrecondition', message: 'not empty' } },
      },
    });
    // A binary is found relative to the scenario file: bin/cosi-chaos.js stands in for a driver.
    const binary = withDriver(
      "  driver: { binary: ../../bin/cosi-chaos.js, args: ['--endpoint', '{socket}'] }\n",
    );
    expect(parseScenarios(binary, join(root, 'scenarios', 'real-driver', 'x.yaml'))[0]?.driver).toEqual({
      kind: 'binary',
      binary: join(root, 'bin', 'cosi-chaos.js'),
      args: ['--endpoint', '{socket}'],
      env: {},
    });
    const socket = withDriver('  driver: { socket: "unix:///run/cosi/driver.sock" }\n');
    expect(parseScenarios(socket, 'x.yaml')[0]?.driver).toEqual({
      kind: 'socket',
      address: 'unix:///run/cosi/driver.sock',
    });
    for (const text of [happy, sample, binary, socket])
      expect(validate((parseAllYaml(text) as unknown[])[0]), JSON.stringify(validate.errors)).toBe(true);
  });

  it('reports each bad value at its file, line and path, in its own words', () => {
    const cases: [string, string, string, RegExp][] = [
      ['  driver: sampel\n', 'driver: sampel', 'spec.driver', /^must be mock, sample/],
      [
        '  driver:\n    sample: { mode: "s3:cloud" }\n',
        's3:cloud',
        'spec.driver.sample.mode',
        /^must be "s3:impl" or "s3:fake"/,
      ],
      [
        '  driver:\n    sample:\n      errors:\n        createBucket: { code: Invalid }\n',
        'code: Invalid',
        'spec.driver.sample.errors.createBucket.code',
        /^must be a gRPC code name other than OK/,
      ],
      [
        '  driver:\n    sample:\n      errors:\n        makeBucket: { code: Internal }\n',
        'makeBucket',
        'spec.driver.sample.errors.makeBucket',
        /^unknown call "makeBucket"; use getInfo, createBucket/,
      ],
      [
        '  driver: { binary: ./no-such-driver }\n',
        'no-such-driver',
        'spec.driver.binary',
        /no-such-driver is not an executable file$/,
      ],
      [
        '  driver: { socket: /run/driver.sock }\n',
        'socket:',
        'spec.driver.socket',
        /^must be unix:\/\/\/path/,
      ],
      [
        '  driver: { socket: "h:1", binary: /bin/true }\n',
        'socket:',
        'spec.driver',
        /^names binary and socket: choose one$/,
      ],
    ];
    for (const [yaml, fragment, path, problem] of cases) {
      const text = withDriver(yaml);
      const problems = problemsOf(text);
      expect(problems, yaml).toHaveLength(1);
      expect(problems[0], yaml).toMatchObject({ line: lineOf(text, fragment), path });
      expect(problems[0]?.problem, yaml).toMatch(problem);
      // The published schema refuses it too (its words are the oneOf's; the loader's are the ones above), except
      // a binary that is not there, which only the loader can see.
      if (!fragment.includes('no-such-driver'))
        expect(validate((parseAllYaml(text) as unknown[])[0]), yaml).toBe(false);
    }
  });

  it('refuses a v1alpha2 sidecar in front of the sample driver, which serves cosi.v1alpha1 only', () => {
    const text = happy.replace('    - sidecar: v1alpha1-v0.1.0\n', '    - sidecar: v1alpha2-main\n');
    expect(problemsOf(text)).toEqual([
      {
        line: lineOf(text, 'sidecar: v1alpha2-main'),
        path: 'spec.variants.1.sidecar',
        problem: expect.stringMatching(
          /^v1alpha2-main is a v1alpha2 sidecar and the sample driver serves cosi.v1alpha1 only/,
        ),
      },
    ]);
  });

  it('run --driver takes mock, sample, an address or a binary, and names what it expects otherwise', () => {
    expect(driverFromFlag('sample')).toMatchObject({ kind: 'sample' });
    expect(driverFromFlag('127.0.0.1:9000')).toEqual({ kind: 'socket', address: '127.0.0.1:9000' });
    expect(driverFromFlag(join(root, 'bin', 'cosi-chaos.js'))).toMatchObject({ kind: 'binary' });
    expect(driverFromFlag('sampel')).toMatch(
      /^--driver "sampel": expected mock, sample, scality\[@COMMIT\], unix:/,
    );
  });

  it('names the Scality driver by commit prefix or an alias a user would guess; scality alone is the newest', () => {
    const commitOf = (flag: string) => {
      const d = driverFromFlag(flag);
      return typeof d === 'string' ? d : d.kind === 'scality' ? d.revision.commit : d.kind;
    };
    expect(commitOf('scality')).toBe('9bf1529');
    expect(commitOf('scality@newest')).toBe('9bf1529');
    expect(commitOf('scality@9bf152924e92')).toBe('9bf1529');
    expect(commitOf('scality@before-188')).toBe('9a49a25');
    expect(commitOf('scality@9a49a25')).toBe('9a49a25');
    expect(commitOf('scality@1234567')).toMatch(
      /names no pinned Scality driver commit; use scality \(newest\)/,
    );
    const text = withDriver('  driver: scality@before-188\n');
    expect(parseScenarios(text, 'x.yaml')[0]?.driver).toMatchObject({
      kind: 'scality',
      revision: { commit: '9a49a25' },
    });
    const wrong = withDriver('  driver: { scality: { revision: abcdefg } }\n');
    expect(problemsOf(wrong)).toEqual([
      {
        line: lineOf(wrong, 'revision: abcdefg'),
        path: 'spec.driver.scality.revision',
        problem: expect.stringMatching(/^"scality@abcdefg" names no pinned Scality driver commit/),
      },
    ]);
  });

  it('a binary driver asks for in-cluster config with RBAC rules or a manifest, and for Secrets', () => {
    const text = withDriver(
      [
        '  driver:',
        '    binary: ../../bin/cosi-chaos.js',
        '    inCluster: { rules: [{ apiGroups: [""], resources: [secrets], verbs: [get] }] }',
        '    secrets: [{ name: creds, stringData: { region: r1 } }]',
        '',
      ].join('\n'),
    );
    expect(parseScenarios(text, join(root, 'scenarios', 'real-driver', 'x.yaml'))[0]?.driver).toMatchObject({
      kind: 'binary',
      inCluster: { rules: [{ apiGroups: [''], resources: ['secrets'], verbs: ['get'] }] },
      secrets: [{ name: 'creds', stringData: { region: 'r1' } }],
    });
    const both = withDriver(
      '  driver:\n    binary: ../../bin/cosi-chaos.js\n    inCluster: {}\n    secrets: [{ name: c, stringData: {} }]\n',
    );
    expect(problemsOf(both).map((p) => `${p.path}: ${p.problem}`)).toEqual([
      "spec.driver.inCluster: must name the driver's RBAC: rbac (a manifest file) or rules (a ClusterRole's rules), one of them",
      'spec.driver.secrets: a driver reads Secrets through in-cluster config: set inCluster too',
    ]);
  });
});

function parseAllYaml(text: string): unknown[] {
  return text
    .split(/^---$/m)
    .map((doc) => YAML.parse(doc) as unknown)
    .filter((d) => d !== null);
}
