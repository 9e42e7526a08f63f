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

/** A backend's tool is missing (kind CLI, a Docker engine): says which and why, before anything is created. */
export class ToolUnavailableError extends Error {
  override readonly name = 'ToolUnavailableError';
  constructor(
    readonly backend: string,
    readonly tool: 'docker' | 'kind',
    readonly reason: string,
  ) {
    super(
      `the ${backend} backend needs ${tool === 'docker' ? 'a Docker engine' : 'the kind CLI'}: ${reason}` +
        (tool === 'kind' ? ' (https://kind.sigs.k8s.io/docs/user/quick-start/#installation)' : ''),
    );
  }
}

/** Throws ToolUnavailableError unless a Docker engine answers and the kind CLI runs. */
export async function requireKindTools(runner: CommandRunner = new ExecaCommandRunner()): Promise<void> {
  const docker = await detectDocker(runner);
  if (!docker.available) throw new ToolUnavailableError('kind', 'docker', docker.reason);
  const kind = await detectKind(runner);
  if (!kind.available) throw new ToolUnavailableError('kind', 'kind', kind.reason);
}
