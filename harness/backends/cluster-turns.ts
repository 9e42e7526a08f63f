/**
 * One release at a time on a cluster: releases install CRDs of the same names with different schemas (and
 * v1alpha2 another version of them), so a second release's install waits until the first one's stop() removed
 * its own. Turns are granted in the order they were asked for.
 */
export class ClusterTurns {
  private tail: Promise<void> = Promise.resolve();

  /** Resolves when it is the caller's turn; call the returned function (once) to hand the cluster on. */
  take(): Promise<() => void> {
    let release!: () => void;
    const done = new Promise<void>((r) => {
      release = r;
    });
    const turn = this.tail.then(() => {
      let released = false;
      return () => {
        if (released) return;
        released = true;
        release();
      };
    });
    this.tail = this.tail.then(() => done);
    return turn;
  }
}
