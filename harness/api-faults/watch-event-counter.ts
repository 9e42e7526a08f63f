/**
 * Finds event boundaries in a watch response body as it streams: JSON watches send one JSON object per line,
 * protobuf watches (application/vnd.kubernetes.protobuf;stream=watch) a 4-byte big-endian length before each
 * frame. `take` says how much of a chunk to pass on so the client gets whole events only, up to a limit.
 */
export class WatchEventCounter {
  /** Events whose last byte has passed through take(). */
  events = 0;
  private readonly lengthPrefixed: boolean;
  // Protobuf only: bytes of the current frame still to come, and the partial length prefix.
  private frameRemaining = 0;
  private prefix: number[] = [];

  constructor(contentType: string | undefined) {
    this.lengthPrefixed = /protobuf/i.test(contentType ?? '');
  }

  /**
   * How many leading bytes of `chunk` to forward: all of it, or only up to the end of the event that makes
   * `events` reach `limit` (then `reached` is true and the rest must be dropped).
   */
  take(chunk: Buffer, limit: number): { bytes: number; reached: boolean } {
    if (this.events >= limit) return { bytes: 0, reached: true };
    for (let i = 0; i < chunk.length; i++) {
      if (this.endsEventAt(chunk[i] as number)) {
        this.events++;
        if (this.events >= limit) return { bytes: i + 1, reached: true };
      }
    }
    return { bytes: chunk.length, reached: false };
  }

  private endsEventAt(byte: number): boolean {
    if (!this.lengthPrefixed) return byte === 0x0a;
    if (this.frameRemaining > 0) {
      this.frameRemaining--;
      return this.frameRemaining === 0;
    }
    this.prefix.push(byte);
    if (this.prefix.length < 4) return false;
    const [a = 0, b = 0, c = 0, d = 0] = this.prefix;
    this.prefix = [];
    this.frameRemaining = ((a << 24) | (b << 16) | (c << 8) | d) >>> 0;
    // An empty frame ends with its prefix.
    return this.frameRemaining === 0;
  }
}
