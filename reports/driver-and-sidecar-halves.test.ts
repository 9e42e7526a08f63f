import { describe, expect, it } from 'vitest';
import { driverAndSidecarHalves } from './driver-and-sidecar-halves.ts';
import { readResults } from './results-file.ts';

// A recorded run: `cosi-chaos run scenarios/real-driver/cosi-86-scality.yaml` (2026-12-07), the Scality driver at
// both commits in front of every v1alpha1 sidecar.
const FIXTURE = 'reports/testdata/cosi-86-scality.results.json';

describe('the driver half and the sidecar half, from a recorded Scality run', () => {
  it('gives one row per driver commit with its code, and sorts the sidecars by what they did with it', async () => {
    const results = await readResults(FIXTURE);
    const subject = results.scenarios.filter((r) => r.scenario === 'cosi-86-scality-newest');
    const lines = driverAndSidecarHalves(subject, results);
    const text = lines.join('\n');
    const row = (commit: string) => lines.find((l) => l.startsWith(`| Scality driver ${commit}`)) ?? '';
    expect(row('9bf1529')).toContain('`InvalidArgument` "invalid bucket name: ');
    expect(row('9a49a25')).toContain('`Internal` "Failed to create bucket"');
    expect(text).toContain('- Driver half: Scality driver 9a49a25');
    expect(text).toMatch(/- Sidecar half, not fixed: `v1alpha1-cosi86` \(\d+ attempts, still retrying\)/);
    expect(text).toContain('- Sidecar half, fixed: `correct-fix`, `tiered-fix` make one attempt and stop.');
    // v0.2.2's own bucket name is valid: its one create was answered OK, so it proves nothing about the fix.
    expect(text).toContain(
      '- Not reached: `v1alpha1-v0.2.2` never met the failure: every attempt was answered OK.',
    );
    expect(row('9bf1529')).toContain('| 1 attempt, answered OK |');
  });
});
