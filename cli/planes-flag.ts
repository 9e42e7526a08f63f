import { PLANES_ENV } from '../harness/index.ts';
import { countFlag } from './count-flag.ts';

/** The `--planes` help text, shared by run, matrix and sweep. */
export const PLANES_HELP = `most local control planes at once, each reused by one group after another (default $${PLANES_ENV}, else what memory and cores carry, at most 16)`;

/** `--planes N`: a whole number of control planes, 1 or more; undefined when not given. */
export function planesFlag(raw: string | undefined): number | undefined {
  return countFlag('--planes', raw, 'control planes');
}
