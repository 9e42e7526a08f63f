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
