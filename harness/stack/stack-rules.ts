import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'yaml';
import { withDirLock } from '../binaries/dir-lock.ts';
import type { StackState } from './stack-state.ts';

/** Each attached run's rules, one file per run: {variant: rules[]}. */
const RUNS_DIR = 'runs';
const LOCK = 'rules.lock';

export type RulesByVariant = Record<string, Record<string, unknown>[]>;

/** The person's rules file is not usable: says where. */
export class StackRulesError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StackRulesError';
  }
}

async function userRules(file: string): Promise<Record<string, unknown>> {
  const text = await readFile(file, 'utf8').catch(() => '');
  let doc: unknown;
  try {
    doc = parse(text) ?? {};
  } catch (e) {
    throw new StackRulesError(`${file}: ${(e as Error).message}`);
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc))
    throw new StackRulesError(`${file}: must be a mapping with a rules: list`);
  return doc as Record<string, unknown>;
}

/**
 * Puts every attached run's rules (each scoped to its own scenarios, so runs never see each other's calls) ahead of
 * the person's rules file into every driver of the stack, through the admin API (its answer confirms the rules are
 * in). Runs under a lock: two runs composing at once would each drop the other's rules.
 */
export async function composeStackRules(state: StackState): Promise<void> {
  await withDirLock(join(state.dir, LOCK), async () => {
    const user = await userRules(state.rulesFile);
    const runDir = join(state.dir, RUNS_DIR);
    const files = (await readdir(runDir).catch(() => [] as string[]))
      .filter((f) => f.endsWith('.json'))
      .sort();
    const runs: RulesByVariant[] = [];
    for (const f of files) {
      const text = await readFile(join(runDir, f), 'utf8').catch(() => undefined);
      if (text) runs.push(JSON.parse(text) as RulesByVariant);
    }
    const own = Array.isArray(user.rules) ? (user.rules as Record<string, unknown>[]) : [];
    const problems: string[] = [];
    await Promise.all(
      state.planes.flatMap((p) =>
        p.variants.map(async (v) => {
          const rules = [...runs.flatMap((r) => r[v.name] ?? []), ...own];
          const res = await fetch(`${v.adminUrl}/rules`, {
            method: 'PUT',
            body: JSON.stringify({ ...user, rules }),
            signal: AbortSignal.timeout(15_000),
          });
          if (!res.ok) problems.push(`driver ${v.name}: ${await res.text()}`);
        }),
      ),
    );
    if (problems.length)
      throw new StackRulesError(`rules not accepted (${state.rulesFile}):\n  ${problems.join('\n  ')}`);
  });
}

/** Adds a run's rules to the stack (then composes); `removeRunRules` takes them out again. */
export async function addRunRules(state: StackState, runId: string, rules: RulesByVariant): Promise<void> {
  await mkdir(join(state.dir, RUNS_DIR), { recursive: true });
  await writeFile(join(state.dir, RUNS_DIR, `${runId}.json`), JSON.stringify(rules));
  await composeStackRules(state);
}

export async function removeRunRules(state: StackState, runId: string): Promise<void> {
  await rm(join(state.dir, RUNS_DIR, `${runId}.json`), { force: true });
  await composeStackRules(state);
}
