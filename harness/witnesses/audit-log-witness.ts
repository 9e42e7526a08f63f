// Reads a kube-apiserver audit log (JSON lines, audit.k8s.io/v1, written with audit-policy.yaml) into per-user,
// per-object write counts: the API server's own record of what the sidecar and the controller did.

/** The fields of one audit.k8s.io/v1 Event this witness reads. */
interface AuditEvent {
  stage?: string;
  verb?: string;
  user?: { username?: string };
  objectRef?: {
    resource?: string;
    subresource?: string;
    name?: string;
    namespace?: string;
    apiGroup?: string;
  };
  responseStatus?: { code?: number };
  /** The body: an Event (create, merge or strategic-merge patch) or JSON-patch operations. */
  requestObject?: EventBody | JsonPatchOp[];
  stageTimestamp?: string;
}

interface EventBody {
  involvedObject?: { kind?: string; name?: string };
  regarding?: { kind?: string; name?: string };
  reason?: string;
  count?: number;
  series?: { count?: number };
}

interface JsonPatchOp {
  op?: string;
  path?: string;
  value?: unknown;
}

// The count a write sets: client-go's strategic-merge PATCH carries {count}; a JSON patch replaces /count.
function countIn(body: EventBody | JsonPatchOp[] | undefined): number | undefined {
  if (Array.isArray(body)) {
    const op = body.find((o) => o.path === '/count' || o.path === '/series/count');
    return typeof op?.value === 'number' ? op.value : undefined;
  }
  return body?.series?.count ?? body?.count;
}

/** Response codes of a set of requests: "201" -> 3. */
export type CodeCounts = Record<string, number>;

/** One user's writes to one COSI object (Bucket, BucketClaim, BucketAccess, ...). */
export interface AuditObjectWrites {
  user: string;
  /** Plural resource, as the API names it: buckets, bucketclaims, ... */
  resource: string;
  namespace?: string;
  name: string;
  /** update/patch of the status subresource, by response code. */
  statusWrites: CodeCounts;
  /** update/patch of the object itself (finalizers, labels, spec), by response code. */
  objectWrites: CodeCounts;
  creates: CodeCounts;
  deletes: CodeCounts;
}

/** One user's writes of the Events about one object (core and events.k8s.io). */
export interface AuditEventWrites {
  user: string;
  /**
   * Kind/name of the object the Events are about ("/name" when only the Event's name says it; "" for a create the
   * API refused before reading its body, such as a 403: then only the user and the code are known).
   */
  involvedObject: string;
  /** Reasons seen in create bodies (a count PATCH carries none). */
  reasons: string[];
  creates: CodeCounts;
  /** The PATCH (or update) client-go sends for a repeated Event: each raises its count by one. */
  patches: CodeCounts;
  /** The highest count a successful write carried: the Event's count as the API server last stored it. */
  lastCount: number;
}

export interface AuditLeaseWrites {
  user: string;
  namespace?: string;
  name: string;
  writes: CodeCounts;
}

/** What the audit log says each user wrote, per object. */
export interface AuditSummary {
  objects: AuditObjectWrites[];
  events: AuditEventWrites[];
  leases: AuditLeaseWrites[];
  /** Lines that were not audit events (a torn last line while the server still writes). */
  unreadableLines: number;
}

const WRITE_VERBS = new Set(['update', 'patch']);
// Core Events (no group) and events.k8s.io Events.
const EVENT_GROUPS = new Set(['', 'events.k8s.io']);

function bump(codes: CodeCounts, code: number | undefined): void {
  const key = String(code ?? 'none');
  codes[key] = (codes[key] ?? 0) + 1;
}

/** Successful requests (2xx) in a CodeCounts. */
export function succeeded(codes: CodeCounts): number {
  return Object.entries(codes).reduce((n, [code, k]) => (/^2\d\d$/.test(code) ? n + k : n), 0);
}

/** Every request in a CodeCounts, whatever its answer. */
export function requests(codes: CodeCounts): number {
  return Object.values(codes).reduce((a, b) => a + b, 0);
}

// client-go names an Event "<involved object name>.<hex timestamp>"; a count PATCH carries only that name.
function involvedFromEventName(name: string): string {
  const dot = name.lastIndexOf('.');
  return dot > 0 ? name.slice(0, dot) : name;
}

/** Parses audit log text (JSON lines) into per-user, per-object write counts. Only ResponseComplete counts. */
export function summarizeAuditLog(text: string): AuditSummary {
  const objects = new Map<string, AuditObjectWrites>();
  const events = new Map<string, AuditEventWrites>();
  const leases = new Map<string, AuditLeaseWrites>();
  // A PATCH names only the Event; its kind comes from the create of the same Event.
  const kindByEventName = new Map<string, string>();
  let unreadableLines = 0;
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    let ev: AuditEvent;
    try {
      ev = JSON.parse(line) as AuditEvent;
    } catch {
      unreadableLines++;
      continue;
    }
    if (ev.stage !== 'ResponseComplete' || !ev.objectRef || !ev.verb) continue;
    const user = ev.user?.username ?? '';
    const ref = ev.objectRef;
    const code = ev.responseStatus?.code;
    const name = ref.name ?? '';
    if (ref.resource === 'events' && EVENT_GROUPS.has(ref.apiGroup ?? '')) {
      const body = Array.isArray(ev.requestObject) ? undefined : ev.requestObject;
      const about = body?.involvedObject ?? body?.regarding;
      if (about?.name) kindByEventName.set(name, `${about.kind ?? ''}/${about.name}`);
      // A create refused before its body was read (403) has no name at all: the object stays unknown ('').
      const involved = kindByEventName.get(name) ?? (name ? `/${involvedFromEventName(name)}` : '');
      const key = JSON.stringify([user, involved]);
      let w = events.get(key);
      if (!w) {
        w = { user, involvedObject: involved, reasons: [], creates: {}, patches: {}, lastCount: 0 };
        events.set(key, w);
      }
      if (body?.reason && !w.reasons.includes(body.reason)) w.reasons.push(body.reason);
      if (ev.verb === 'create') bump(w.creates, code);
      else if (WRITE_VERBS.has(ev.verb)) bump(w.patches, code);
      const count = countIn(ev.requestObject);
      if (count !== undefined && code !== undefined && code < 300) w.lastCount = Math.max(w.lastCount, count);
      continue;
    }
    if (ref.resource === 'leases' && ref.apiGroup === 'coordination.k8s.io') {
      const key = JSON.stringify([user, ref.namespace, name]);
      let w = leases.get(key);
      if (!w) {
        w = { user, namespace: ref.namespace, name, writes: {} };
        leases.set(key, w);
      }
      bump(w.writes, code);
      continue;
    }
    if (ref.apiGroup !== 'objectstorage.k8s.io' || !ref.resource) continue;
    const key = JSON.stringify([user, ref.resource, ref.namespace, name]);
    let w = objects.get(key);
    if (!w) {
      w = {
        user,
        resource: ref.resource,
        namespace: ref.namespace,
        name,
        statusWrites: {},
        objectWrites: {},
        creates: {},
        deletes: {},
      };
      objects.set(key, w);
    }
    if (ev.verb === 'create') bump(w.creates, code);
    else if (ev.verb === 'delete' || ev.verb === 'deletecollection') bump(w.deletes, code);
    else if (WRITE_VERBS.has(ev.verb))
      bump(ref.subresource === 'status' ? w.statusWrites : w.objectWrites, code);
  }
  return {
    objects: [...objects.values()],
    events: [...events.values()],
    leases: [...leases.values()],
    unreadableLines,
  };
}

/** One user's writes to one object, or an all-zero record when the log has none. */
export function writesTo(
  summary: AuditSummary,
  user: string,
  resource: string,
  name: string,
): AuditObjectWrites {
  return (
    summary.objects.find((o) => o.user === user && o.resource === resource && o.name === name) ?? {
      user,
      resource,
      name,
      statusWrites: {},
      objectWrites: {},
      creates: {},
      deletes: {},
    }
  );
}

/** One user's Event writes about one object (by name, any kind), summed over its Events. */
export function eventWritesAbout(summary: AuditSummary, user: string, objectName: string): AuditEventWrites {
  const mine = summary.events.filter(
    (e) => e.user === user && e.involvedObject.slice(e.involvedObject.indexOf('/') + 1) === objectName,
  );
  const sum = (pick: (e: AuditEventWrites) => CodeCounts): CodeCounts => {
    const out: CodeCounts = {};
    for (const e of mine) for (const [c, n] of Object.entries(pick(e))) out[c] = (out[c] ?? 0) + n;
    return out;
  };
  return {
    user,
    involvedObject: mine[0]?.involvedObject ?? `/${objectName}`,
    reasons: [...new Set(mine.flatMap((e) => e.reasons))],
    creates: sum((e) => e.creates),
    patches: sum((e) => e.patches),
    lastCount: mine.reduce((n, e) => n + e.lastCount, 0),
  };
}
