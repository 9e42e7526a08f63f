// The sidecar's own log as a witness: the line each real build writes once per reconcile (or per failed driver
// call) of an object, and how much log an object costs per attempt. Line shapes are read from each release's
// source and checked against recorded logs (testdata/):
//   v1alpha1 (provisioner-sidecar v0.1.0, 6a5a12cb56ed; monorepo v0.2.0-v0.2.2), klog at --v=5:
//     I1130 04:31:30.756191   24169 bucket_controller.go:72] "Add Bucket" name="<bucket>"   (V(3), every Add reconcile)
//     ... "Add BucketAccess" name="<access>" bucketClaim="<claim>"                           (V(3), every grant reconcile)
//   v1alpha2 (monorepo main), controller-runtime's zap console logger:
//     2026-11-30T04:31:30Z	ERROR	DriverCreateBucketRequest error	{..., "name": "<bucket>", ...}  (every failed create)
//     2026-11-30T04:31:30Z	ERROR	Reconciler error	{..., "name": "<bucket>", ...}                   (every failed reconcile)
import type { Era, Rpc } from '../results/run-results.ts';
import type { LogVolume, WitnessExpects } from '../results/witness-results.ts';

/** One kind of line counted for one object. */
export interface SidecarLogCount {
  measure: string;
  expects: WitnessExpects;
  count: number;
  /** When each counted line was written (ms since the epoch). */
  times: number[];
}

interface LinePattern {
  measure: string;
  expects: WitnessExpects;
  matches: (record: LogRecord, objectName: string) => boolean;
}

/** A log record: its first line and any continuation lines (zap's stack traces). */
interface LogRecord {
  text: string;
  lines: number;
  bytes: number;
  timeMs?: number;
}

const KLOG_HEAD = /^([IWEF])(\d\d)(\d\d) (\d\d):(\d\d):(\d\d)\.(\d+)\s/;
const ZAP_HEAD = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:?\d\d))\t/;

function klogLine(message: string, key: string): (r: LogRecord, name: string) => boolean {
  return (r, name) => r.text.includes(`] "${message}" ${key}="${name}"`);
}

// zap console: timestamp, level, message, then the structured fields as one JSON object.
function zapLine(message: string): (r: LogRecord, name: string) => boolean {
  return (r, name) => {
    const first = r.text.split('\n', 1)[0] as string;
    const parts = first.split('\t');
    if (parts[2] !== message) return false;
    try {
      const fields = JSON.parse(parts.slice(3).join('\t')) as { name?: unknown };
      return fields.name === name;
    } catch {
      return false;
    }
  };
}

const PATTERNS: Record<Era, Partial<Record<Rpc, LinePattern[]>>> = {
  v1alpha1: {
    create: [
      { measure: '"Add Bucket" log lines', expects: 'attempts', matches: klogLine('Add Bucket', 'name') },
    ],
    grant: [
      {
        measure: '"Add BucketAccess" log lines',
        expects: 'attempts',
        // Add logs the name twice (with the claim, then with the class); the first marks the reconcile.
        matches: (r, name) =>
          klogLine('Add BucketAccess', 'name')(r, name) && r.text.includes(' bucketClaim='),
      },
    ],
  },
  v1alpha2: {
    create: [
      {
        measure: '"DriverCreateBucketRequest error" log lines',
        expects: 'failed-attempts',
        matches: zapLine('DriverCreateBucketRequest error'),
      },
      {
        measure: '"Reconciler error" log lines',
        expects: 'failed-attempts',
        matches: zapLine('Reconciler error'),
      },
    ],
    grant: [
      {
        measure: '"DriverGrantBucketAccess error" log lines',
        expects: 'failed-attempts',
        matches: zapLine('DriverGrantBucketAccess error'),
      },
      {
        measure: '"Reconciler error" log lines',
        expects: 'failed-attempts',
        matches: zapLine('Reconciler error'),
      },
    ],
    revoke: [
      {
        measure: '"DriverRevokeBucketAccess error" log lines',
        expects: 'failed-attempts',
        matches: zapLine('DriverRevokeBucketAccess error'),
      },
    ],
  },
};

/** True when this witness knows a per-attempt line for the era and RPC (others are reported not measured). */
export function hasReconcileLine(era: Era, rpc: Rpc): boolean {
  return (PATTERNS[era][rpc]?.length ?? 0) > 0;
}

/**
 * How to read klog's time: it prints no year and the sidecar's local time. Defaults: this year and this process's
 * zone (a local sidecar inherits the harness's TZ); recordings pass the zone they were made in.
 */
export interface KlogClock {
  year?: number;
  /** Minutes east of UTC of the sidecar's zone (UTC+2 is 120). */
  utcOffsetMinutes?: number;
}

/**
 * Splits a log into records, each with its time. Lines before the first header, and lines that start with neither
 * header, continue the record before them.
 */
export function logRecords(log: string, clock: KlogClock = {}): LogRecord[] {
  const year = clock.year ?? new Date().getUTCFullYear();
  const offsetMs = (clock.utcOffsetMinutes ?? -new Date().getTimezoneOffset()) * 60_000;
  const records: LogRecord[] = [];
  const lines = log.split('\n');
  if (lines.at(-1) === '') lines.pop();
  for (const line of lines) {
    const bytes = Buffer.byteLength(line) + 1;
    const k = KLOG_HEAD.exec(line);
    const z = k ? undefined : ZAP_HEAD.exec(line);
    const last = records.at(-1);
    if (!k && !z && last) {
      last.text += `\n${line}`;
      last.lines++;
      last.bytes += bytes;
      continue;
    }
    let timeMs: number | undefined;
    if (k) {
      const [, , mo, d, h, mi, s, frac] = k;
      timeMs =
        Date.UTC(year, Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s)) +
        Math.floor(Number(`0.${frac}`) * 1000) -
        offsetMs;
    } else if (z) timeMs = Date.parse(z[1] as string);
    records.push({ text: line, lines: 1, bytes, timeMs });
  }
  return records;
}

/** Per-reconcile (or per-failed-call) lines of one object in a sidecar's log, for the era and RPC. */
export function countReconcileLines(
  log: string,
  era: Era,
  rpc: Rpc,
  objectName: string,
  clock?: KlogClock,
): SidecarLogCount[] {
  const records = logRecords(log, clock);
  return (PATTERNS[era][rpc] ?? []).map((p) => {
    const hits = records.filter((r) => p.matches(r, objectName));
    return {
      measure: p.measure,
      expects: p.expects,
      count: hits.length,
      times: hits.flatMap((r) => (r.timeMs === undefined ? [] : [r.timeMs])),
    };
  });
}

/**
 * The log an object costs: every record that names it (with its stack trace), per driver attempt, and per day
 * when the attempts projection per object per day is given. Lines about no object (resyncs, Lease renewals) are
 * not attributed.
 */
export function logVolume(
  log: string,
  objectNames: readonly string[],
  attempts: number,
  attemptsPerObjectPerDay?: number,
): LogVolume {
  let lines = 0;
  let bytes = 0;
  for (const r of logRecords(log)) {
    if (!objectNames.some((n) => n && r.text.includes(n))) continue;
    lines += r.lines;
    bytes += r.bytes;
  }
  const per = (n: number) => (attempts > 0 ? n / attempts : 0);
  const volume: LogVolume = { lines, bytes, linesPerAttempt: per(lines), bytesPerAttempt: per(bytes) };
  if (attemptsPerObjectPerDay !== undefined)
    volume.bytesPerObjectPerDay = Math.round(per(bytes) * attemptsPerObjectPerDay);
  return volume;
}
