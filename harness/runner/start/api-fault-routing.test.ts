import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadScenarioFile } from '../../scenarios/scenario-loader.ts';
import { BUILTIN_VARIANTS } from '../../variants/sidecar-variants.ts';
import { runSuite } from '../suite-runner.ts';

const root = join(import.meta.dirname, '..', '..', '..');

describe('apiFaults on other backends', () => {
  it('a scenario with apiFaults on kind is skipped with the reason, and no cluster is started for it', async () => {
    const scenario = await loadScenarioFile(join(root, 'scenarios', 'status-write-conflict.yaml'));
    const variant = BUILTIN_VARIANTS.find((v) => v.name === 'v1alpha1-v0.2.2');
    if (!variant) throw new Error('v1alpha1-v0.2.2 is not a builtin variant');
    const out = await mkdtemp(join(tmpdir(), 'cosi-chaos-api-faults-'));
    let started = 0;
    try {
      const results = await runSuite({
        scenarios: [scenario],
        variants: [variant],
        outDir: out,
        backend: 'kind',
        // An image-based backend needs no binary; the resolver stands in for the image lookup.
        resolveSidecar: async (v) => ({
          path: '/nonexistent',
          component: { name: `sidecar ${v.name}`, version: 'image', source: 'test' },
        }),
        startEnvironment: async () => {
          started++;
          throw new Error('no cluster may be started for a scenario that cannot run here');
        },
      });
      expect(started).toBe(0);
      const [r] = results.scenarios;
      expect(r?.verdict).toBe('skipped');
      expect(r?.outcome).toBe('unavailable');
      expect(r?.verdictReason).toMatch(
        /spec\.apiFaults needs the local backend .* on kind the sidecar runs in a Pod/,
      );
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  });
});
