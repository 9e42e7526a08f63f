import { execFile } from 'node:child_process';
import type { BackendControl, TargetBucket } from './conform-target.ts';

/** The user's commands that put their backend in a state (run with `sh -c`). */
export interface BackendHooks {
  /** Puts an object in the bucket: gets COSI_BUCKET_ID and COSI_BUCKET_NAME. */
  nonEmpty?: string;
  /** Removes it again, so the cleanup can delete the bucket (optional). */
  empty?: string;
  /** Stops the backend (the suite runs this last, after its cleanup). */
  stopBackend?: string;
}

// A hook that hangs must not hold the run: it gets what a driver call gets, and then some.
const HOOK_TIMEOUT_MS = 120_000;

function runHook(command: string, env: Record<string, string>): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      'sh',
      ['-c', command],
      { env: { ...process.env, ...env }, timeout: HOOK_TIMEOUT_MS },
      (error, stdout, stderr) => {
        const tail = `${stdout}${stderr}`.trim().split('\n').slice(-3).join(' | ');
        if (error)
          reject(
            new Error(
              `hook \`${command}\` failed (${error.message.split('\n')[0]})${tail ? `: ${tail}` : ''}`,
            ),
          );
        else resolve(`hook \`${command}\` ran${tail ? `: ${tail}` : ''}`);
      },
    );
  });
}

const bucketEnv = (b: TargetBucket) => ({ COSI_BUCKET_ID: b.bucketId, COSI_BUCKET_NAME: b.name });

/** The hooks as a backend control; undefined when none is given. */
export function hookBackendControl(hooks: BackendHooks): BackendControl | undefined {
  if (!hooks.nonEmpty && !hooks.stopBackend) return undefined;
  let stopped: Promise<string> | undefined;
  const { nonEmpty, empty, stopBackend } = hooks;
  return {
    source: 'hook',
    ...(nonEmpty ? { makeBucketNonEmpty: (b: TargetBucket) => runHook(nonEmpty, bucketEnv(b)) } : {}),
    ...(empty ? { emptyBucket: (b: TargetBucket) => runHook(empty, bucketEnv(b)) } : {}),
    // Once: a driver serving two eras runs the case on each.
    ...(stopBackend ? { stopBackend: () => (stopped ??= runHook(stopBackend, {})) } : {}),
  };
}
