import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseRefusedEventLine, refusedEventBacklog, refusedEvents } from './refused-events.ts';

// Two lines of the real COSI-86 sidecar (6a5a12c) log, run with POD_NAMESPACE=cosi-chaos-system.
const LOG = readFileSync(join(import.meta.dirname, 'testdata', 'sidecar-6a5a12c-refused-events.txt'), 'utf8');
const BUCKET =
  'testlongnameforbucketgenerationerrorisexpectedtest-bucketclass24185f7c-9911-4353-a4bf-b808e72a2b1e';

describe('refused Events from a sidecar log', () => {
  it('reads object, reason, message, type and the refusal from client-go printf lines', () => {
    const ev = parseRefusedEventLine(LOG.split('\n')[0] as string);
    expect(ev).toEqual({
      object: `Bucket/${BUCKET}`,
      type: 'Warning',
      reason: 'FailedCreateBucket',
      message: 'failed to create bucket: rpc error: code = InvalidArgument desc = Invalid bucket name',
      refusal: "can't create an event with namespace 'default' in namespace 'cosi-chaos-system'",
    });
  });

  it('reads structured lines of newer client-go', () => {
    const line =
      'E1130 02:31:29.735870 1 event.go:359] "Unable to write event (may retry after sleeping)" ' +
      `err="can't create an event with namespace 'default' in namespace 'x'" event="&Event{ObjectMeta:{b.1  default 0 0001-01-01 00:00:00 +0000 UTC <nil> <nil> map[] map[] [] [] []},InvolvedObject:ObjectReference{Kind:Bucket,Namespace:,Name:b,UID:u,APIVersion:objectstorage.k8s.io/v1alpha1,ResourceVersion:1,FieldPath:,},Reason:FailedCreateBucket,Message:rpc error: code = InvalidArgument desc = Invalid bucket name,Source:EventSource{Component:cosi,Host:,},FirstTimestamp:2026-11-30 02:31:29 +0000 UTC,LastTimestamp:2026-11-30 02:31:29 +0000 UTC,Count:1,Type:Warning,EventTime:0001-01-01 00:00:00 +0000 UTC,}"`;
    expect(parseRefusedEventLine(line)).toEqual({
      object: 'Bucket/b',
      type: 'Warning',
      reason: 'FailedCreateBucket',
      message: 'rpc error: code = InvalidArgument desc = Invalid bucket name',
      refusal: "can't create an event with namespace 'default' in namespace 'x'",
    });
  });

  it('groups repeats of one refusal and keeps only the objects asked for', () => {
    expect(refusedEvents(LOG)).toHaveLength(1);
    expect(refusedEvents(LOG)[0]?.times).toBe(2);
    expect(refusedEvents(LOG, new Set(['another-bucket']))).toEqual([]);
    expect(refusedEvents('I1130 nothing to see\n')).toEqual([]);
  });
});

// A shared `up` sidecar (6a5a12c): an attached COSI-86 run at 20:23:44, a second applied at 20:23:53. The
// broadcaster was still refusing the first run's Events (the first 12 times, 10 s apart, then its next Event).
const BACKLOG = readFileSync(
  join(import.meta.dirname, 'testdata', 'sidecar-6a5a12c-attached-backlog.txt'),
  'utf8',
);
const FIRST_RUN_BUCKET =
  'testlongnameforbucketgenerationerrorisexpectedtest-buc-rd010402d2f591d-a029-4f17-a15b-acc569002e41';
const SECOND_RUN = new Set([
  'cosi-86-claim-r2865a1',
  'testlongnameforbucketgenerationerrorisexpectedtest-buc-r2865a19f532656-28f3-4d48-a708-65026debb22a',
]);

describe("a sidecar's refused-Event backlog", () => {
  const secondApplied = new Date(2026, 11, 5, 20, 23, 53, 700).getTime();

  it("says the second run's refused Event could not be logged: the first run's were still being retried", () => {
    const why = refusedEventBacklog(BACKLOG, SECOND_RUN, secondApplied);
    expect(why).toContain(`Bucket/${FIRST_RUN_BUCKET}`);
    expect(why).toContain('4 refusal(s)'); // one 7 s before it applied: the broadcaster was busy then
    expect(why).toContain('without --attach');
  });

  it('finds none before the first run, for the refusing objects themselves, or after the backlog', () => {
    expect(refusedEventBacklog(BACKLOG, new Set([FIRST_RUN_BUCKET]), secondApplied)).toBeUndefined();
    expect(refusedEventBacklog(BACKLOG, SECOND_RUN, Date.now() + 60_000)).toBeUndefined();
    expect(refusedEventBacklog(LOG, new Set([BUCKET]), 0)).toBeUndefined();
  });
});
