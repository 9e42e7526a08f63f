// Test helper: the realistic run every report test renders (regenerate with make-fixture.ts).
import { fileURLToPath } from 'node:url';
import type { RunResults } from '../../harness/results/run-results.ts';
import { readResults } from '../results-file.ts';

/** Path of the fixture results file. */
export const FIXTURE_PATH = fileURLToPath(new URL('./run-results.json', import.meta.url));

/** A fresh, schema-validated copy of the fixture (tests may mutate it). */
export function loadFixture(): Promise<RunResults> {
  return readResults(FIXTURE_PATH);
}
