// Loads one recording made by record-witnesses.mts: what the witness tests read, as the harness would have it.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Era, EventSummary } from '../../results/run-results.ts';

export interface RecordedCall {
  seq: number;
  wallTime: string;
  rpc: string;
  bucketName?: string;
  code: string;
}

export interface Recording {
  variant: string;
  era: Era;
  sidecarNamespace: string;
  sidecarUser: string;
  controllerUser: string;
  buckets: string[];
  appliedAt: string;
  closedAt: string;
  windowMs: number;
  journal: RecordedCall[];
  events: EventSummary[];
  audit: string;
  sidecarLog: string;
  metrics?: { before: string; after: string };
}

interface RecordedEvent {
  namespace: string;
  involvedObject: { kind: string; name: string };
  reason: string;
  message: string;
  count: number;
  type?: string;
}

/** The recording <base>/<name>: by default one of testdata/, else one made with record-witnesses.mts --out. */
export function loadRecording(name: string, base = import.meta.dirname): Recording {
  const dir = join(base, name);
  const read = (f: string) => readFileSync(join(dir, f), 'utf8');
  const meta = JSON.parse(read('recording.json')) as Omit<
    Recording,
    'journal' | 'events' | 'audit' | 'sidecarLog' | 'metrics'
  >;
  const events = (JSON.parse(read('events.json')) as RecordedEvent[]).map(
    (e): EventSummary => ({
      object: `${e.involvedObject.kind}/${e.involvedObject.name}`,
      // The recorder kept no type; every Event a failed create records is a Warning.
      type: e.type ?? 'Warning',
      reason: e.reason,
      message: e.message,
      count: e.count,
    }),
  );
  return {
    ...meta,
    journal: read('driver-journal.jsonl')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as RecordedCall),
    events,
    audit: read('audit.jsonl'),
    sidecarLog: read('sidecar.txt'),
    metrics: existsSync(join(dir, 'metrics-before.txt'))
      ? { before: read('metrics-before.txt'), after: read('metrics-after.txt') }
      : undefined,
  };
}

/** The create calls the driver journalled for the recording's bucket. */
export function createCalls(r: Recording): RecordedCall[] {
  return r.journal.filter((c) => c.rpc === 'create' && c.bucketName === r.buckets[0]);
}
