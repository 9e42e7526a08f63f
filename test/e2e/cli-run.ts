import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa, type ResultPromise } from 'execa';

export const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const CLI = join(PROJECT_ROOT, 'bin', 'cosi-chaos.js');

/** Starts the real CLI as a child process (not awaited). */
export function startCli(args: string[]): ResultPromise<{ reject: false; all: true; cwd: string }> {
  return execa(process.execPath, [CLI, ...args], { reject: false, all: true, cwd: PROJECT_ROOT });
}
