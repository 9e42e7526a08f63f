import { describe, expect, it } from 'vitest';
import { createProgressReporter, type ProgressStream } from './progress-reporter.ts';

function fakeStream(isTTY: boolean, columns?: number): ProgressStream & { output: string } {
  const stream = {
    isTTY,
    columns,
    output: '',
    write(chunk: string) {
      stream.output += chunk;
      return true;
    },
  };
  return stream as unknown as ProgressStream & { output: string };
}

function fixedClock(): () => Date {
  let t = Date.parse('2025-06-16T20:15:00.000Z');
  return () => {
    t += 1000;
    return new Date(t);
  };
}

describe('createProgressReporter on a terminal', () => {
  it('redraws one status line with the phase, the open window and the attempts so far', () => {
    const stream = fakeStream(true);
    const p = createProgressReporter(stream);
    p.phase('build', 'upstream-v1alpha1');
    p.phase('window', 'cosi-86-invalid-argument/upstream-v1alpha1');
    p.attempts('cosi-86-invalid-argument', 'upstream-v1alpha1', 1);
    p.attempts('cosi-86-invalid-argument', 'upstream-v1alpha1', 2);
    p.done();
    const frames = stream.output.split('\r\x1b[2K').filter(Boolean);
    expect(frames).toEqual([
      'build: upstream-v1alpha1',
      'window: cosi-86-invalid-argument/upstream-v1alpha1',
      'window: cosi-86-invalid-argument/upstream-v1alpha1 · cosi-86-invalid-argument/upstream-v1alpha1: 1 attempt',
      'window: cosi-86-invalid-argument/upstream-v1alpha1 · cosi-86-invalid-argument/upstream-v1alpha1: 2 attempts\n',
    ]);
    expect(stream.output.split('\n')).toHaveLength(2);
  });

  it('cuts the line to the terminal width and skips identical redraws', () => {
    const stream = fakeStream(true, 20);
    const p = createProgressReporter(stream);
    p.phase('window', 'a-very-long-scenario-name/variant');
    p.phase('window', 'a-very-long-scenario-name/variant');
    expect(stream.output).toBe('\r\x1b[2Kwindow: a-very-lon…');
  });

  it('ignores calls after done and ends the line only once', () => {
    const stream = fakeStream(true);
    const p = createProgressReporter(stream);
    p.phase('build');
    p.done();
    p.attempts('s', 'v', 3);
    p.done();
    expect(stream.output).toBe('\r\x1b[2Kbuild\n');
  });
});

describe('createProgressReporter in CI (not a TTY)', () => {
  it('prints timestamped lines, only when something changed, and no control characters', () => {
    const stream = fakeStream(false);
    const p = createProgressReporter(stream, { now: fixedClock() });
    p.phase('build', 'upstream-v1alpha1');
    p.phase('window', 'cosi-86-invalid-argument/upstream-v1alpha1');
    p.attempts('cosi-86-invalid-argument', 'upstream-v1alpha1', 1);
    p.attempts('cosi-86-invalid-argument', 'upstream-v1alpha1', 1);
    p.attempts('cosi-86-invalid-argument', 'upstream-v1alpha1', 5);
    p.done();
    expect(stream.output).toBe(
      [
        '2025-06-16T20:15:01.000Z build: upstream-v1alpha1',
        '2025-06-16T20:15:02.000Z window: cosi-86-invalid-argument/upstream-v1alpha1',
        '2025-06-16T20:15:03.000Z cosi-86-invalid-argument/upstream-v1alpha1: 1 attempt',
        '2025-06-16T20:15:04.000Z cosi-86-invalid-argument/upstream-v1alpha1: 5 attempts',
        '2025-06-16T20:15:05.000Z done',
        '',
      ].join('\n'),
    );
    expect(stream.output.includes('\r') || stream.output.includes('\x1b')).toBe(false);
  });

  it('lets the caller force a mode regardless of isTTY', () => {
    const stream = fakeStream(true);
    createProgressReporter(stream, { tty: false, now: fixedClock() }).phase('build');
    expect(stream.output).toBe('2025-06-16T20:15:01.000Z build\n');
  });
});
