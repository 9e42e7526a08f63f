// Records the driver journals the outcome decider's tests replay: real sidecars, full 60 s windows.
// Run: node --import tsx harness/runner/testdata/record-journals.ts (about 4 minutes; needs the cached builds).
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import type { RunResults } from '../../results/run-results.ts';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..', '..');
const runs = [
  { files: ['scenarios/cosi-86.yaml'], variants: ['v1alpha1-cosi86', 'v1alpha2-main'] },
  { files: ['scenarios/transient-unavailable.yaml'], variants: ['v1alpha1-cosi86', 'v1alpha2-main'] },
  { files: [join(here, 'stops-after-five.yaml')], variants: ['v1alpha1-cosi86', 'v1alpha2-main'] },
];
for (const run of runs) {
  for (const variant of run.variants) {
    const out = await mkdtemp(join(tmpdir(), 'cosi-chaos-journal-'));
    // --full: the recording is the whole window, never an early decision.
    await execa(
      'node',
      ['bin/cosi-chaos.js', 'run', ...run.files, '--sidecar', variant, '--out', out, '--full'],
      {
        cwd: root,
        reject: false,
        stdio: 'inherit',
      },
    );
    const results = JSON.parse(await readFile(join(out, 'results.json'), 'utf8')) as RunResults;
    for (const r of results.scenarios) {
      const file = join(here, 'journals', `${r.scenario}.${r.variant}.json`);
      const journal = {
        recorded: results.finishedAt,
        scenario: r.scenario,
        variant: r.variant,
        era: r.era,
        windowMs: r.windowMs,
        outcome: r.outcome,
        attempts: r.attempts.map(({ offsetMs, code }) => ({ offsetMs, code })),
      };
      await writeFile(file, `${JSON.stringify(journal, null, 1)}\n`);
      console.log(`${file}: ${r.attempts.length} attempts, ${r.outcome}`);
    }
  }
}
