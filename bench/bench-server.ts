import { createWriteStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { execa, type ResultPromise } from 'execa';

// A server under load in its own process, so it never shares an event loop with the load generator.
export interface BenchServerSpec {
  // Names the server in errors, e.g. "mock driver (1000 rules)".
  label: string;
  command: string;
  args: string[];
  cwd?: string;
  socketPath: string;
  // stdout and stderr of the child are appended here.
  logFile: string;
  // Default 60 s: the mock driver compiles TypeScript through tsx on start.
  startTimeoutMs?: number;
}

export class BenchServerStartError extends Error {
  constructor(
    readonly label: string,
    readonly exitCode: number | undefined,
    readonly signal: string | undefined,
    readonly stderrTail: string,
    readonly logFile: string,
  ) {
    super(
      `${label} did not report listening (exit ${exitCode ?? 'none'}, signal ${signal ?? 'none'}); see ${logFile}\n${stderrTail}`,
    );
    this.name = 'BenchServerStartError';
  }
}

export interface RunningBenchServer {
  readonly label: string;
  readonly target: string;
  readonly pid: number;
  // Idempotent: closes stdin (the child exits on EOF), then SIGTERM, then SIGKILL after 5 s.
  stop(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

// Starts the child and resolves once it prints a {"event":"listening"} line on stdout. Both servers take
// an exit-on-stdin-eof flag, so they die with this process even when it is SIGKILLed.
export async function startBenchServer(spec: BenchServerSpec): Promise<RunningBenchServer> {
  const log = createWriteStream(spec.logFile, { flags: 'a' });
  const child: ResultPromise<{ stdin: 'pipe'; reject: false }> = execa(spec.command, spec.args, {
    cwd: spec.cwd,
    stdin: 'pipe',
    reject: false,
    cleanup: true,
    forceKillAfterDelay: 5_000,
  });
  const stderrLines: string[] = [];
  child.stderr?.on('data', (chunk: Buffer) => {
    log.write(chunk);
    stderrLines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    stderrLines.splice(0, Math.max(0, stderrLines.length - 20));
  });

  const listening = new Promise<boolean>((resolve) => {
    if (!child.stdout) return resolve(false);
    const lines = createInterface({ input: child.stdout });
    lines.on('line', (line) => {
      log.write(`${line}\n`);
      try {
        if ((JSON.parse(line) as { event?: string }).event === 'listening') resolve(true);
      } catch {
        // Not a JSON line; only logged.
      }
    });
    lines.on('close', () => resolve(false));
  });
  const timeout = new Promise<'timeout'>((resolve) =>
    setTimeout(resolve, spec.startTimeoutMs ?? 60_000, 'timeout').unref(),
  );

  let stopped: Promise<void> | undefined;
  const stop = () => {
    stopped ??= (async () => {
      child.stdin?.end();
      child.kill('SIGTERM');
      await child;
      await new Promise<void>((resolve) => log.end(resolve));
    })();
    return stopped;
  };

  const outcome = await Promise.race([listening, timeout]);
  if (outcome !== true) {
    await stop();
    const result = await child;
    throw new BenchServerStartError(
      spec.label,
      result.exitCode,
      result.signal,
      outcome === 'timeout' ? `timed out; ${stderrLines.join('\n')}` : stderrLines.join('\n'),
      spec.logFile,
    );
  }
  return {
    label: spec.label,
    target: `unix:${spec.socketPath}`,
    pid: child.pid ?? -1,
    stop,
    [Symbol.asyncDispose]: stop,
  };
}
