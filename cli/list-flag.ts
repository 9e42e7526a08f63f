import { UsageError } from './exit-codes.ts';

/** A comma-separated flag checked against what it may name; unset means all of them. */
export function listFlag<T extends string>(flag: string | undefined, all: readonly T[], name: string): T[] {
  if (!flag) return [...all];
  const items = flag
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (!items.length) throw new UsageError(`--${name} "${flag}" names nothing`);
  for (const i of items)
    if (!all.includes(i as T)) throw new UsageError(`--${name} "${i}" is not one of ${all.join(', ')}`);
  return items as T[];
}
