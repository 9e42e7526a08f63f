import type { CommandRunner } from './command-runner.ts';
import { ExecaCommandRunner } from './command-runner.ts';

export interface ToolAvailability {
  available: boolean;
  /** Why not, in the words tests print when they skip. */
  reason: string;
}

/** Whether a Docker engine answers: `docker info` exit code 0 (a docker CLI without an engine is not enough). */
export async function detectDocker(
  runner: CommandRunner = new ExecaCommandRunner(),
): Promise<ToolAvailability> {
  try {
    const res = await runner.run('docker', ['info', '--format', '{{.ServerVersion}}'], {
      allowFailure: true,
      timeoutMs: 20_000,
    });
    if (res.exitCode === 0) return { available: true, reason: `Docker engine ${res.stdout.trim()}` };
    return { available: false, reason: 'no Docker engine reachable (docker info failed)' };
  } catch {
    return {
      available: false,
      reason: 'no Docker engine reachable (docker CLI not found or docker info timed out)',
    };
  }
}

/** Whether the kind CLI is on PATH (`kind version`). */
export async function detectKind(
  runner: CommandRunner = new ExecaCommandRunner(),
): Promise<ToolAvailability> {
  try {
    const res = await runner.run('kind', ['version'], { allowFailure: true, timeoutMs: 20_000 });
    if (res.exitCode === 0) return { available: true, reason: res.stdout.trim() };
    return { available: false, reason: `kind version exited ${res.exitCode}` };
  } catch {
    return { available: false, reason: 'kind CLI not found on PATH' };
  }
}

/**
 * For tests that need a real Docker engine: undefined when it is there, else the skip message
 * "needs Docker: <reason>" (pass it to `it.skipIf(...)` names or `ctx.skip(message)`; a skip is never a pass).
 */
export async function needsDocker(reason: string, runner?: CommandRunner): Promise<string | undefined> {
  const docker = await detectDocker(runner);
  return docker.available ? undefined : `needs Docker: ${docker.reason} — ${reason}`;
}
