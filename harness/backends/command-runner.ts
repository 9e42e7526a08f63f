import { createInterface } from 'node:readline';
import { execa, type ResultPromise } from 'execa';

/** Options of one command; `env` is added to the runner's environment. */
export interface RunOptions {
  cwd?: string;
  /** Text written to stdin (e.g. rendered manifests for `kubectl create -f -`). */
  input?: string;
  /** Kill the command after this long; default 10 minutes (image builds and `kind create cluster` are slow). */
  timeoutMs?: number;
  /** Resolve with the result instead of rejecting when the exit code is not 0. */
  allowFailure?: boolean;
}

export interface CommandResult {
  command: string;
  args: string[];
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** A long-running command (kubectl port-forward): reads stdout lines until a pattern appears. */
export interface StartedCommand {
  readonly command: string;
  readonly args: string[];
  /** Resolves with the first stdout line matching `pattern`; rejects when the command exits first or on timeout. */
  waitForLine(pattern: RegExp, timeoutMs: number): Promise<RegExpMatchArray>;
  /** Idempotent: SIGTERM, then waits for exit. */
  stop(): Promise<void>;
}

/** Every external command of the backends goes through this, so tests can see the exact commands. */
export interface CommandRunner {
  run(command: string, args: string[], opts?: RunOptions): Promise<CommandResult>;
  start(command: string, args: string[], opts?: Pick<RunOptions, 'cwd'>): StartedCommand;
}

const DEFAULT_TIMEOUT_MS = 10 * 60_000;
const TAIL_LINES = 20;

/** A command exited non-zero, timed out or could not start; carries what is needed to act on it. */
export class CommandError extends Error {
  override readonly name: string = 'CommandError';
  constructor(
    readonly command: string,
    readonly args: string[],
    readonly exitCode: number | undefined,
    readonly signal: string | undefined,
    readonly timedOut: boolean,
    readonly stderrTail: string,
    options?: { cause?: unknown },
  ) {
    const what = timedOut
      ? 'timed out'
      : exitCode === undefined
        ? `failed (${signal ?? 'did not start'})`
        : `exited ${exitCode}`;
    super(`${[command, ...args].join(' ')} ${what}\n${stderrTail || '(no stderr)'}`, options);
  }
}

function tail(text: string): string {
  return text.trimEnd().split('\n').slice(-TAIL_LINES).join('\n');
}

/**
 * The real runner, on execa. `env` is merged over process.env for every command (tests put fake `kind`,
 * `docker` and `kubectl` first on PATH this way).
 */
export class ExecaCommandRunner implements CommandRunner {
  constructor(private readonly env: Record<string, string> = {}) {}

  async run(command: string, args: string[], opts: RunOptions = {}): Promise<CommandResult> {
    const res = await execa(command, args, {
      cwd: opts.cwd,
      env: this.env,
      input: opts.input,
      stdin: opts.input === undefined ? 'ignore' : undefined,
      timeout: opts.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      reject: false,
      stripFinalNewline: false,
    });
    const result: CommandResult = {
      command,
      args,
      exitCode: res.exitCode ?? -1,
      stdout: String(res.stdout ?? ''),
      stderr: String(res.stderr ?? ''),
    };
    if (res.failed && !(opts.allowFailure && res.exitCode !== undefined && !res.timedOut)) {
      throw new CommandError(
        command,
        args,
        res.exitCode,
        res.signal,
        res.timedOut,
        tail(result.stderr || (res.message ?? '')),
        {
          cause: res.cause,
        },
      );
    }
    return result;
  }

  start(command: string, args: string[], opts: Pick<RunOptions, 'cwd'> = {}): StartedCommand {
    return new ExecaStartedCommand(
      command,
      args,
      execa(command, args, { cwd: opts.cwd, env: this.env, reject: false, stdin: 'ignore' }),
    );
  }
}

class ExecaStartedCommand implements StartedCommand {
  private readonly lines: string[] = [];
  private readonly listeners = new Set<() => void>();
  private exited = false;
  private stderr = '';
  private stopped: Promise<void> | undefined;

  constructor(
    readonly command: string,
    readonly args: string[],
    private readonly child: ResultPromise<{ reject: false; stdin: 'ignore' }>,
  ) {
    if (child.stdout) {
      createInterface({ input: child.stdout }).on('line', (line) => {
        this.lines.push(line);
        this.notify();
      });
    }
    child.stderr?.on('data', (chunk: Buffer) => {
      this.stderr = tail(this.stderr + chunk.toString());
    });
    void child.then(() => {
      this.exited = true;
      this.notify();
    });
  }

  private notify(): void {
    for (const l of this.listeners) l();
  }

  waitForLine(pattern: RegExp, timeoutMs: number): Promise<RegExpMatchArray> {
    return new Promise((resolve, reject) => {
      const check = () => {
        for (const line of this.lines) {
          const m = line.match(pattern);
          if (m) return done(() => resolve(m));
        }
        if (this.exited) {
          done(() =>
            reject(
              new CommandError(
                this.command,
                this.args,
                this.child.exitCode ?? undefined,
                undefined,
                false,
                this.stderr,
                {
                  cause: new Error(`exited before printing a line matching ${pattern}`),
                },
              ),
            ),
          );
        }
      };
      const timer = setTimeout(
        () =>
          done(() =>
            reject(new CommandError(this.command, this.args, undefined, undefined, true, this.stderr)),
          ),
        timeoutMs,
      );
      const done = (settle: () => void) => {
        clearTimeout(timer);
        this.listeners.delete(check);
        settle();
      };
      this.listeners.add(check);
      check();
    });
  }

  stop(): Promise<void> {
    this.stopped ??= (async () => {
      if (!this.exited) this.child.kill('SIGTERM');
      await this.child;
    })();
    return this.stopped;
  }
}
