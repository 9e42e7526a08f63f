import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';

// The reaper holds the read end of a pipe whose only write end is in this Node process, like ManagedProcess's
// watchdog, but in a process group of its own, so the watchdogs' group kills never reach it. At EOF (the
// harness died, even by SIGKILL) it runs the clean-up script; a "done" line (stop() cleaned up itself) ends it.
const REAPER = ['read -r line', '[ "$line" = done ] && exit 0', 'exec bash "$1" "$2"'].join('\n');

/** A started reaper for one node; `dismiss()` after a clean stop, or it runs the clean-up when the harness dies. */
export class NodeReaper {
  private dismissed: Promise<void> | undefined;

  private constructor(private readonly child: ChildProcess) {}

  /** Starts the reaper on `cleanupScript`; its output goes to `logFile`. */
  static start(cleanupScript: string, logFile: string): NodeReaper {
    const log = openSync(logFile, 'a');
    try {
      const child = spawn('bash', ['-c', REAPER, 'node-reaper', cleanupScript, String(process.pid)], {
        detached: true,
        stdio: ['pipe', log, log],
      });
      child.stdin?.on('error', () => {});
      (child.stdin as unknown as { unref?: () => void } | null)?.unref?.();
      child.unref();
      return new NodeReaper(child);
    } finally {
      closeSync(log);
    }
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Idempotent: tells the reaper it is not needed and waits for it to exit. */
  dismiss(): Promise<void> {
    this.dismissed ??= new Promise<void>((resolve) => {
      if (this.child.exitCode !== null || this.child.signalCode !== null) return resolve();
      this.child.once('exit', () => resolve());
      this.child.stdin?.end('done\n');
    });
    return this.dismissed;
  }
}
