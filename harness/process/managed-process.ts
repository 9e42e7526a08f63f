import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, openSync, readdirSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { ProcessStartError } from './process-errors.ts';

// Every child runs under a small bash watchdog in its own process group. The watchdog holds the read end of a
// pipe whose only write end is in this Node process: when the harness dies, even by SIGKILL, the pipe reaches
// EOF and the watchdog kills its whole group. Children we do not control (etcd, kube-apiserver, sidecars)
// thereby die with the harness without any cooperation.
const WATCHDOG = [
  'exec 3<&0',
  '"$@" </dev/null 3<&- &',
  'child=$!',
  '( read -r _ <&3; kill -KILL 0 ) &',
  'reader=$!',
  'wait "$child"; rc=$?',
  'kill "$reader" 2>/dev/null',
  'exit "$rc"',
].join('\n');

// Processes of a group that are not zombies, from /proc (Linux); -1 where /proc cannot say.
function livingMembers(pgid: number): number {
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((d) => /^\d+$/.test(d));
  } catch {
    return -1;
  }
  let living = 0;
  for (const pid of pids) {
    try {
      // "pid (comm) state ppid pgrp ...": comm may hold spaces and parentheses, so split after its last ')'.
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const [state, , pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(pgrp) === pgid && state !== 'Z' && state !== 'X') living++;
    } catch {
      // exited while listing
    }
  }
  return living;
}

function withoutNames(env: NodeJS.ProcessEnv, names: string[]): NodeJS.ProcessEnv {
  for (const name of names) delete env[name];
  return env;
}

export interface ProcessSpec {
  /** Component name used in errors and logs ("etcd", "sidecar/upstream-v1alpha1"). */
  component: string;
  binary: string;
  args: string[];
  env?: Record<string, string>;
  /** Names taken out of the inherited environment (a real driver's clean environment: AWS_CA_BUNDLE ...). */
  unsetEnv?: string[];
  cwd?: string;
  /** stdout and stderr of the child are appended here. */
  logFile: string;
}

export interface ExitInfo {
  code: number | null;
  signal: string | null;
}

/** A started child process group; `stop()` is idempotent and ends every process of the group. */
export class ManagedProcess {
  readonly exited: Promise<ExitInfo>;
  private exitInfo: ExitInfo | undefined;
  private stopping: Promise<void> | undefined;

  private constructor(
    readonly spec: ProcessSpec,
    private readonly child: ChildProcess,
  ) {
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.exitInfo = { code, signal };
        resolve(this.exitInfo);
      });
    });
  }

  /** Starts the child under the watchdog. Throws ProcessStartError when the binary cannot be spawned. */
  static start(spec: ProcessSpec): ManagedProcess {
    const log = openSync(spec.logFile, 'a');
    try {
      const child = spawn('bash', ['-c', WATCHDOG, 'watchdog', spec.binary, ...spec.args], {
        detached: true,
        stdio: ['pipe', log, log],
        env: withoutNames({ ...process.env, ...spec.env }, spec.unsetEnv ?? []),
        cwd: spec.cwd,
      });
      if (child.pid === undefined) {
        throw new ProcessStartError(spec.component, spec.binary, 'could not be spawned', spec.logFile, '');
      }
      // The pipe must not keep the harness's event loop alive, and must never be written to.
      child.stdin?.on('error', () => {});
      (child.stdin as unknown as { unref?: () => void } | null)?.unref?.();
      child.unref();
      return new ManagedProcess(spec, child);
    } finally {
      closeSync(log);
    }
  }

  get pid(): number {
    return this.child.pid as number;
  }

  /** Process group id: the watchdog leads the group, so this equals its pid. */
  get pgid(): number {
    return this.pid;
  }

  get hasExited(): boolean {
    return this.exitInfo !== undefined;
  }

  get exit(): ExitInfo | undefined {
    return this.exitInfo;
  }

  /** Last lines of the component's log, for error messages. */
  logTail(lines = 25): string {
    try {
      return readFileSync(this.spec.logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
    } catch {
      return '';
    }
  }

  /**
   * True while any process of the group is alive. A killed child whose parent (the watchdog) is gone stays in the
   * group as a zombie until init reaps it, which some container inits do only every second or two: where /proc
   * exists, zombies do not count.
   */
  groupAlive(): boolean {
    try {
      process.kill(-this.pgid, 0);
    } catch {
      return false;
    }
    return livingMembers(this.pgid) !== 0;
  }

  /** SIGTERM to the group, SIGKILL after `graceMs`; resolves when no process of the group remains. */
  stop(graceMs = 5_000): Promise<void> {
    this.stopping ??= this.doStop(graceMs);
    return this.stopping;
  }

  private async doStop(graceMs: number): Promise<void> {
    const signalGroup = (sig: NodeJS.Signals) => {
      try {
        process.kill(-this.pgid, sig);
      } catch {
        // group already gone
      }
    };
    signalGroup('SIGTERM');
    const deadline = Date.now() + graceMs;
    while (this.groupAlive() && Date.now() < deadline) await sleep(50);
    if (this.groupAlive()) signalGroup('SIGKILL');
    while (this.groupAlive()) await sleep(20);
    // The child is unref'd (it must not keep the harness alive), so its exit event is delivered only while something
    // else keeps the event loop running; a caller awaiting `exited` after stop() with nothing else pending saw the
    // process end with code 13 (driver-map's server-stopped case). Hold the loop until the exit is known.
    if (!this.hasExited) {
      this.child.ref();
      await Promise.race([this.exited, sleep(2_000)]);
      this.child.unref();
    }
    this.child.stdin?.destroy();
  }
}
