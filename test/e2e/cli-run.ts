import { dirname, join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { execa, type ResultPromise } from 'execa';

export const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const CLI = join(PROJECT_ROOT, 'bin', 'cosi-chaos.js');

/** Starts the real CLI as a child process (not awaited). */
export function startCli(
  args: string[],
  env?: Record<string, string>,
): ResultPromise<{ reject: false; all: true; cwd: string }> {
  return execa(process.execPath, [CLI, ...args], {
    reject: false,
    all: true,
    cwd: PROJECT_ROOT,
    ...(env ? { env } : {}),
  });
}

/** The run's results.json; when the run wrote none, an error carrying its exit code and the tail of its output. */
export async function readRunResults<T>(
  out: string,
  run: { exitCode?: number; signal?: string; all?: unknown },
): Promise<T> {
  const { readFile } = await import('node:fs/promises');
  try {
    return JSON.parse(await readFile(join(out, 'results.json'), 'utf8')) as T;
  } catch (err) {
    const tail = String(run.all ?? '')
      .split('\n')
      .slice(-60)
      .join('\n');
    throw new Error(
      `the run wrote no results.json in ${out} (exit ${run.exitCode}, signal ${run.signal ?? 'none'}): ` +
        `${err instanceof Error ? err.message : String(err)}\n--- last lines of its output ---\n${tail}`,
    );
  }
}

/**
 * Starts `cosi-chaos up` with `args` and waits until it says it is ready (30 minutes: a cold machine builds the
 * binaries first); throws with its output when it ends or never gets there. `output()` keeps growing after.
 */
export async function startUp(args: string[]): Promise<{
  up: ReturnType<typeof startCli>;
  output: () => string;
}> {
  const up = startCli(['up', ...args]);
  let text = '';
  up.all?.on('data', (c: Buffer) => {
    text += c.toString();
  });
  let ended = false;
  void up.then(() => {
    ended = true;
  });
  const ready = 'Ctrl-C stops everything';
  const deadline = Date.now() + 30 * 60_000;
  while (!text.includes(ready) && !ended && Date.now() < deadline) await sleep(200);
  if (!text.includes(ready)) throw new Error(`up did not come up:\n${text}`);
  return { up, output: () => text };
}
