/** What a long run tells the reporter; every method is cheap and safe to call often. */
export interface ProgressReporter {
  /** Enters a phase ('build sidecars', 'window'), with what it is working on ('upstream-v1alpha1'). */
  phase(name: string, detail?: string): void;
  /** Attempts counted so far for one scenario x variant in the open window. */
  attempts(scenario: string, variant: string, n: number): void;
  /** Ends the status line (TTY) or prints a final line (plain); later calls are ignored. */
  done(): void;
}

/** Anything with write(); isTTY/columns are read when present (process.stderr, a socket, a test double). */
export type ProgressStream = (NodeJS.WriteStream | NodeJS.WritableStream) & {
  isTTY?: boolean;
  columns?: number;
};

export interface ProgressReporterOptions {
  /** Overrides stream.isTTY: true redraws one status line, false prints timestamped lines (CI). */
  tty?: boolean;
  /** Clock for plain-line timestamps; inject for deterministic tests. Default: new Date(). */
  now?: () => Date;
}

const CLEAR_LINE = '\r\x1b[2K';

/**
 * A progress reporter for the CLI. On a terminal: one redrawn status line (phase, open window, attempts so
 * far), cut to the terminal width. Elsewhere: plain 'ISO-timestamp message' lines, written only when the
 * message changes, so CI logs stay short. Library code never creates one; the CLI passes it in.
 */
export function createProgressReporter(
  stream: ProgressStream,
  opts: ProgressReporterOptions = {},
): ProgressReporter {
  const tty = opts.tty ?? stream.isTTY === true;
  const now = opts.now ?? (() => new Date());
  let phase = '';
  let counts = '';
  let lastLine = '';
  let drawn = false;
  let finished = false;

  const status = () => [phase, counts].filter(Boolean).join(' · ');

  const emit = (line: string) => {
    if (finished || line === lastLine) return;
    lastLine = line;
    if (tty) {
      const width = stream.columns && stream.columns > 1 ? stream.columns - 1 : undefined;
      const shown = width !== undefined && line.length > width ? `${line.slice(0, width - 1)}…` : line;
      stream.write(`${CLEAR_LINE}${shown}`);
      drawn = true;
    } else {
      stream.write(`${now().toISOString()} ${line}\n`);
    }
  };

  return {
    phase(name, detail) {
      phase = detail ? `${name}: ${detail}` : name;
      counts = '';
      emit(tty ? status() : phase);
    },
    attempts(scenario, variant, n) {
      counts = `${scenario}/${variant}: ${n} attempt${n === 1 ? '' : 's'}`;
      emit(tty ? status() : counts);
    },
    done() {
      if (finished) return;
      if (tty) {
        if (drawn) stream.write('\n');
      } else {
        stream.write(`${now().toISOString()} done\n`);
      }
      finished = true;
    },
  };
}
