import { describe, expect, it } from 'vitest';
import { WatchEventCounter } from './watch-event-counter.ts';

function frame(payload: string): Buffer {
  const body = Buffer.from(payload);
  const prefix = Buffer.alloc(4);
  prefix.writeUInt32BE(body.length);
  return Buffer.concat([prefix, body]);
}

describe('WatchEventCounter', () => {
  it('counts JSON lines across chunk boundaries and stops at the end of the Nth', () => {
    const counter = new WatchEventCounter('application/json');
    expect(counter.take(Buffer.from('{"type":"ADDED"}\n{"type":'), 2)).toEqual({ bytes: 25, reached: false });
    expect(counter.events).toBe(1);
    const chunk = Buffer.from('"MODIFIED"}\n{"type":"DELETED"}\n');
    expect(counter.take(chunk, 2)).toEqual({ bytes: 12, reached: true });
    expect(counter.events).toBe(2);
  });

  it('counts protobuf frames by their length prefix, even when a prefix is split', () => {
    const counter = new WatchEventCounter('application/vnd.kubernetes.protobuf;stream=watch');
    // A newline inside a frame is payload, not a boundary.
    const stream = Buffer.concat([frame('k8s\0a\nb'), frame('k8s\0cc'), frame('k8s\0ddd')]);
    const first = stream.subarray(0, 13);
    const rest = stream.subarray(13);
    expect(counter.take(first, 2)).toEqual({ bytes: 13, reached: false });
    expect(counter.events).toBe(1);
    expect(counter.take(rest, 2)).toEqual({
      bytes: frame('k8s\0a\nb').length + frame('k8s\0cc').length - 13,
      reached: true,
    });
    expect(counter.events).toBe(2);
  });
});
