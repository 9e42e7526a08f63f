import type { RunProgress } from '../harness/runner/suite-runner.ts';

/**
 * Progress on stderr: on a terminal one line redrawn in place; otherwise (CI logs) plain timestamped lines,
 * only when something changes. Go's own download lines are summarised, not echoed.
 */
export function createCliProgress(stream: NodeJS.WriteStream): RunProgress {
  const tty = stream.isTTY === true;
  const t0 = Date.now();
  let last = '';
  const emit = (text: string) => {
    if (text === last) return;
    last = text;
    const stamp = `[${((Date.now() - t0) / 1000).toFixed(1).padStart(6)}s]`;
    if (tty) stream.write(`\r\x1b[2K${stamp} ${text.slice(0, (stream.columns ?? 120) - 12)}`);
    else stream.write(`${stamp} ${text}\n`);
  };
  return {
    phase(name, detail) {
      if (name === 'build go' && !tty) return;
      emit(`${name}${detail ? `: ${detail}` : ''}`);
      if (tty && name === 'stop') stream.write('\n');
    },
    attempts(scenario, variant, n) {
      emit(`window: ${scenario} / ${variant}: ${n} attempt(s) so far`);
    },
  };
}
