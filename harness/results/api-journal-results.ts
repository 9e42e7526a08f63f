// What the API-server fault proxy saw: one entry per proxied request. Plain data only (JSON-serialisable), so
// results and reports can carry it beside the mock driver's journal on one timeline.

/** Request verb as kube-apiserver's request info names it. */
export type ApiResourceVerb =
  | 'get'
  | 'list'
  | 'watch'
  | 'create'
  | 'update'
  | 'patch'
  | 'delete'
  | 'deletecollection';

/** Non-resource requests (/version, discovery) get the lowercase HTTP method as their verb, as in the API server. */
export type ApiVerb = ApiResourceVerb | 'post' | 'put' | 'head' | 'options';

/** How the proxy finished a request. */
export type ApiRequestOutcome =
  /** The real API server answered and the whole answer reached the client. */
  | 'forwarded'
  /** A fault rule answered with a Kubernetes Status; the API server never saw the request. */
  | 'injected-status'
  /** A fault rule reset the client's connection (TCP RST). */
  | 'reset'
  /** A fault rule held the request until the client gave up. */
  | 'hung'
  /** A fault rule ended the watch stream early (after N events or N seconds). */
  | 'watch-cut'
  /** The client closed its connection before the answer was complete (a watch it stopped, a timeout). */
  | 'client-closed'
  /** The proxy could not reach the API server, or it broke off mid-answer; the client got 502 or a cut. */
  | 'upstream-error'
  /** The proxy was stopped while the request was open. */
  | 'proxy-stopped';

/** The fault a rule put on a request. */
export interface InjectedApiFault {
  /** The rule's name from the apiFaults section. */
  rule: string;
  kind: 'status' | 'delay' | 'hang' | 'reset' | 'cut-watch';
  /** Extra wait before the request went on (delay), ms. */
  delayMs?: number;
}

export interface ApiJournalEntry {
  /** 1-based, in the order requests arrived. */
  seq: number;
  /** When the request arrived (ISO 8601). */
  wallTime: string;
  /** performance.timeOrigin + performance.now() at arrival: the mock driver journal's clock, comparable across processes. */
  monoMs: number;
  method: string;
  verb: ApiVerb;
  /** False for /version, discovery, /openapi, /readyz and the like (then only path and verb are set). */
  isResourceRequest: boolean;
  /** '' for the core group. */
  apiGroup?: string;
  apiVersion?: string;
  resource?: string;
  subresource?: string;
  namespace?: string;
  name?: string;
  /** URL path without the query. */
  path: string;
  /** 1-based count of requests with the same verb, group, resource, subresource, namespace and name. */
  callNumber: number;
  /** HTTP status the client received; null when it received none (reset, hang, client gone first). */
  status: number | null;
  /** Arrival to the last byte sent (for a watch: until the stream ended), ms. */
  latencyMs: number;
  outcome: ApiRequestOutcome;
  /** Present only when a fault rule acted on this request. */
  fault?: InjectedApiFault;
  /** Watches only: events relayed to the client. */
  watchEvents?: number;
  /** From the bearer token when it is a JWT (ServiceAccount tokens: system:serviceaccount:NS:NAME); unverified. */
  user?: string;
  userAgent?: string;
  /** What went wrong on the upstream side (outcome upstream-error). */
  error?: string;
}

/** The proxy's journal as results carry it. */
export interface ApiJournal {
  /** The proxy's URL (what the clients' kubeconfig pointed at). */
  proxyUrl: string;
  /** The API server it forwarded to. */
  upstreamUrl: string;
  entries: ApiJournalEntry[];
}
