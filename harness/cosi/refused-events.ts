import type { RefusedEvent } from '../results/run-results.ts';

// client-go's event broadcaster logs an Event it could not write in one of two shapes, depending on its version:
//   klog printf (client-go <= 0.2x): Unable to write event: '&v1.Event{... InvolvedObject:v1.ObjectReference{Kind:"Bucket",
//     ... Name:"b" ...}, Reason:"FailedCreateBucket", Message:"...", Source:...}': 'why'(may retry after sleeping)
//   structured: "Unable to write event (may retry after sleeping)" err="why" event="&Event{... Reason:X,Message:...,Source:...}"
const LINE = /Unable to write event/;

function field(text: string, name: string, until: string): string | undefined {
  const m = new RegExp(`${name}:"?(.*?)"?,\\s*${until}:`).exec(text);
  return m?.[1];
}

/** One refused Event from a log line, or undefined when the line is not one. */
export function parseRefusedEventLine(line: string): Omit<RefusedEvent, 'times'> | undefined {
  if (!LINE.test(line)) return undefined;
  const involved = /InvolvedObject:(?:v1\.)?ObjectReference\{(.*?)\}/.exec(line)?.[1] ?? '';
  const kind = /Kind:"?([^",]*)"?/.exec(involved)?.[1] ?? '';
  const name = /Name:"?([^",]*)"?/.exec(involved)?.[1] ?? '';
  const refusal =
    /\}': '(.*?)'\s*\(may retry after sleeping\)/.exec(line)?.[1] ??
    /\}': '(.*?)'\s*\(retry limit exceeded!?\)/.exec(line)?.[1] ??
    /err="((?:[^"\\]|\\.)*)"/.exec(line)?.[1] ??
    'refused (no reason logged)';
  return {
    object: `${kind}/${name}`,
    type: field(line, 'Type', 'EventTime') ?? '',
    reason: field(line, 'Reason', 'Message') ?? '',
    message: field(line, 'Message', 'Source') ?? '',
    refusal: refusal.replace(/\\"/g, '"'),
  };
}

/**
 * Events a sidecar tried to write and that never reached the API, read from its log: one entry per distinct
 * object, reason, message and refusal, with how many log lines reported it. The broadcaster retries one refused
 * Event for a while before it gives up, so `times` counts refusals logged, not attempts made by the sidecar.
 */
export function refusedEvents(log: string, objects?: ReadonlySet<string>): RefusedEvent[] {
  const byKey = new Map<string, RefusedEvent>();
  for (const line of log.split('\n')) {
    const ev = parseRefusedEventLine(line);
    if (!ev) continue;
    if (objects && !objects.has(ev.object.slice(ev.object.indexOf('/') + 1))) continue;
    const key = JSON.stringify([ev.object, ev.reason, ev.message, ev.refusal]);
    const seen = byKey.get(key);
    if (seen) seen.times++;
    else byKey.set(key, { ...ev, times: 1 });
  }
  return [...byKey.values()];
}

// client-go's event broadcaster: the sleep between two tries of a refused Event.
const BROADCASTER_RETRY_MS = 10_000;

// klog's line header: severity, month, day, local time to the microsecond (no year).
const KLOG_HEADER = /^[IWEF](\d\d)(\d\d) (\d\d):(\d\d):(\d\d)\.(\d{3})/;

function klogTime(line: string, year: number): number | undefined {
  const m = KLOG_HEADER.exec(line);
  if (!m) return undefined;
  const [, mo, d, h, mi, s, ms] = m.map(Number) as number[];
  return new Date(year, (mo as number) - 1, d, h, mi, s, ms).getTime();
}

/**
 * Why this sidecar could not have logged a refused Event about `objects` since `sinceMs`, or undefined: client-go's
 * broadcaster writes one Event at a time and retries a refused one 12 times, 10 s apart, before the next; a
 * sidecar still refusing other objects' Events after `sinceMs` (an earlier attached run's, each attempt of its
 * loop one more Event) has a queue that hides this run's for minutes.
 */
export function refusedEventBacklog(
  log: string,
  objects: ReadonlySet<string>,
  sinceMs: number,
): string | undefined {
  const year = new Date(sinceMs).getFullYear();
  // A busy broadcaster logs a refusal every 10 s: one just before the run applied its objects counts too, so a run
  // decided within seconds of applying still knows.
  const from = sinceMs - BROADCASTER_RETRY_MS - 1_000;
  const others = new Map<string, number>();
  for (const line of log.split('\n')) {
    const ev = parseRefusedEventLine(line);
    if (!ev || objects.has(ev.object.slice(ev.object.indexOf('/') + 1))) continue;
    const at = klogTime(line, year);
    if (at === undefined || at < from) continue;
    others.set(ev.object, (others.get(ev.object) ?? 0) + 1);
  }
  if (!others.size) return undefined;
  const lines = [...others.values()].reduce((a, b) => a + b, 0);
  const [first] = others.keys();
  return (
    `the sidecar's Event broadcaster was busy retrying earlier refused Events (${lines} refusal(s) of ` +
    `${others.size === 1 ? first : `${others.size} other objects`} from 11 s before this run applied its objects on; client-go ` +
    'writes one Event at a time and retries a refused one 12 times, 10 s apart): run it on a fresh `up`, or without --attach'
  );
}
