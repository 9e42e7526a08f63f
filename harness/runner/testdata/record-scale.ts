// Records what the claim-attribution tests replay: a real scale-10 run (20 s window) on one build of each bucket
// naming (<class><UID>, bucket-<UID>, bc-<UID>): the driver journal, the fleet's claims and every Bucket, read just
// before the environment stops, and the sidecar's log.
// Run: node --import tsx harness/runner/testdata/record-scale.ts (about 2 minutes; needs the cached builds).
import { copyFile, mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadScenarioFile } from '../../scenarios/scenario-loader.ts';
import { BUILTIN_VARIANTS } from '../../variants/sidecar-variants.ts';
import { listFleet } from '../start/claim-fleet.ts';
import { LocalEnvironment } from '../start/local-environment.ts';
import { runSuite } from '../suite-runner.ts';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..', '..');
const pick = ['v1alpha1-cosi86', 'v1alpha1-v0.2.2', 'v1alpha2-main'];
const base = await loadScenarioFile(join(root, 'scenarios', 'scale', 'scale-10.yaml'));
const scenario = {
  ...base,
  windowMs: 20_000,
  variants: base.variants.filter((v) => pick.includes(v.sidecar)),
};
const out = await mkdtemp(join(tmpdir(), 'cosi-chaos-scale-recording-'));
const logs = new Map<string, string>();
await runSuite({
  scenarios: [scenario],
  variants: BUILTIN_VARIANTS.filter((v) => pick.includes(v.name)),
  outDir: out,
  startEnvironment: async (a) => {
    const env = await LocalEnvironment.start(a.members, a.binaries, a.scenarios, a.logDir, a.progress, {
      mark: a.mark,
    });
    const stop = env.stop.bind(env);
    env.stop = async () => {
      for (const [name, handle] of env.members) {
        const dir = join(here, 'scale-10', name);
        await mkdir(dir, { recursive: true });
        const fleet = await listFleet(env, scenario, name);
        const journal = await handle.driver.admin.journal();
        await writeFile(join(dir, 'fleet.json'), `${JSON.stringify(fleet, null, 1)}\n`);
        await writeFile(join(dir, 'journal.jsonl'), `${journal.map((c) => JSON.stringify(c)).join('\n')}\n`);
        if (handle.sidecarLogFile) logs.set(join(dir, 'sidecar.txt'), handle.sidecarLogFile);
      }
      return stop();
    };
    return env;
  },
});
for (const [to, from] of logs) await copyFile(from, to);
