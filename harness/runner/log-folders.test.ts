import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseScenarios } from '../scenarios/scenario-loader.ts';
import { BUILTIN_VARIANTS } from '../variants/sidecar-variants.ts';
import { type EnvironmentGroup, logFolders } from './suite-runner.ts';

const FILE = 'scenarios/real-driver/happy-path.yaml';
const [access, del] = parseScenarios(readFileSync(FILE, 'utf8'), FILE);
const [cosi86] = parseScenarios(
  readFileSync('scenarios/real-driver/cosi-86-sample-driver.yaml', 'utf8'),
  'scenarios/real-driver/cosi-86-sample-driver.yaml',
);
const v020 = BUILTIN_VARIANTS.find((v) => v.name === 'v1alpha1-v0.2.0');

const group = (key: string, scenario: unknown): EnvironmentGroup =>
  ({
    key,
    members: [{ variant: v020, sidecarBinary: '', controllerBinary: '' }],
    scenarios: [scenario],
    slots: [],
  }) as EnvironmentGroup;

describe('log folders of a run', () => {
  it("gives the plane of a scenario that deletes alone a folder of its own, not its release's shared one", () => {
    // Measured: sample-happy-access (revoke, deletes its access) and cosi-86-sample-driver on v0.2.0 had one folder,
    // and the second plane's start wiped the first's S3 data dir.
    const shared = group('shared', cosi86);
    const revoking = group('revoking', access);
    const deleting = group('deleting', del);
    const folders = logFolders([shared, revoking, deleting], false);
    expect(folders.get(shared)).toBe('v1alpha1-v0.2.0_sample');
    expect(folders.get(revoking)).toBe('v1alpha1-v0.2.0_sample-deletes');
    expect(folders.get(deleting)).toBe('v1alpha1-v0.2.0_sample_sample-happy-delete');
    expect(new Set(folders.values()).size).toBe(3);
  });

  it('numbers a name that is still repeated', () => {
    const a = group('a', cosi86);
    const b = group('b', cosi86);
    expect([...logFolders([a, b], false).values()]).toEqual([
      'v1alpha1-v0.2.0_sample',
      'v1alpha1-v0.2.0_sample-2',
    ]);
  });
});
