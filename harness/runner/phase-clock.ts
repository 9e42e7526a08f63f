import { performance } from 'node:perf_hooks';

/**
 * When each phase of a run was first reached, in ms since the process started (performance.now()), so a slow run
 * points at its phase: binaries resolved, etcd ready, kube-apiserver ready, CRDs established, ...
 */
export class PhaseClock {
  private readonly marks = new Map<string, number>();

  constructor(private readonly parent?: PhaseClock) {}

  /** Records the first time a phase was reached; later marks of the same phase are ignored. */
  mark(phase: string, at = performance.now()): void {
    if (!this.marks.has(phase)) this.marks.set(phase, Math.round(at));
  }

  /** Every phase of this clock and its parent's, in the order they were reached. */
  entries(): Record<string, number> {
    const all = { ...(this.parent?.entries() ?? {}), ...Object.fromEntries(this.marks) };
    return Object.fromEntries(Object.entries(all).sort((a, b) => a[1] - b[1]));
  }
}
