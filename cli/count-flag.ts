import { UsageError } from './exit-codes.ts';

/** A flag that counts things at once (`--jobs`, `--planes`): a whole number, 1 or more; undefined when not given. */
export function countFlag(flag: string, raw: string | undefined, what: string): number | undefined {
  if (raw === undefined) return undefined;
  if (!/^\d+$/.test(raw) || Number(raw) < 1)
    throw new UsageError(`${flag} ${raw}: expected a whole number of ${what}, 1 or more`);
  return Number(raw);
}
