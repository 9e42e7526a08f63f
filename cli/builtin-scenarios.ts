import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UsageError } from './exit-codes.ts';

/** The scenario files shipped with the package (scenarios/ beside cli/, also inside node_modules/cosi-chaos). */
export const BUILTIN_SCENARIO_DIR = fileURLToPath(new URL('../scenarios/', import.meta.url));

/**
 * Every shipped scenario by name: its path under scenarios/ without `.yaml` (`cosi-86`, `real-driver/happy-path`),
 * sorted. An installed package's users name them with `run --builtin NAME` instead of a path into node_modules.
 */
export function builtinScenarios(): Map<string, string> {
  const found = new Map<string, string>();
  const walk = (dir: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\.ya?ml$/.test(e.name))
        found.set(relative(BUILTIN_SCENARIO_DIR, p).replace(/\.ya?ml$/, ''), p);
    }
  };
  walk(BUILTIN_SCENARIO_DIR);
  return new Map([...found].sort(([a], [b]) => a.localeCompare(b)));
}

/**
 * The files of `--builtin` values (each a name or a comma-separated list; `all` is every top-level one, what
 * `run scenarios` runs in a clone). An unknown name is bad input that lists the names there are.
 */
export function builtinScenarioFiles(values: readonly string[]): string[] {
  const shipped = builtinScenarios();
  const files: string[] = [];
  for (const name of values
    .flatMap((v) => v.split(','))
    .map((n) => n.trim())
    .filter(Boolean)) {
    if (name === 'all') {
      files.push(...[...shipped].filter(([n]) => !n.includes('/')).map(([, f]) => f));
      continue;
    }
    const file = shipped.get(name);
    if (!file)
      throw new UsageError(
        `--builtin: no shipped scenario "${name}"; there are: all, ${[...shipped.keys()].join(', ')}`,
      );
    files.push(file);
  }
  return [...new Set(files)];
}
