import type { ApiResourceVerb } from '../results/api-journal-results.ts';
import type { ApiRequestInfo } from './api-request-info.ts';

// An apiFaults section as written (after schema validation). schemas/api-faults.schema.json is the published form.

/** A bare string matches exactly; otherwise every given condition must hold (as in mock driver rules). */
export type ApiStringMatcherSpec =
  | string
  | { exact?: string; prefix?: string; suffix?: string; glob?: string; regex?: string };

/** Over the request's call number: nth alone, a from/upTo range (inclusive), and/or every Nth (N, 2N, ...). */
export interface ApiCallMatcherSpec {
  nth?: number;
  from?: number;
  upTo?: number;
  every?: number;
}

export interface ApiFaultMatchSpec {
  verb?: ApiResourceVerb | ApiResourceVerb[];
  /** API group; '' is the core group. */
  group?: string | string[];
  /** Plural resource name as in the URL (bucketclaims, buckets, events). */
  resource?: string | string[];
  /** Subresource (status); '' matches only requests without one. */
  subresource?: string | string[];
  namespace?: ApiStringMatcherSpec;
  name?: ApiStringMatcherSpec;
  /** URL path; a rule with a path also matches non-resource requests (/version, discovery). */
  path?: ApiStringMatcherSpec;
  userAgent?: ApiStringMatcherSpec;
  /** The bearer token's subject (system:serviceaccount:NS:NAME); tokens that are no JWT have none. */
  user?: ApiStringMatcherSpec;
  call?: ApiCallMatcherSpec;
}

export interface ApiStatusActionSpec {
  /** HTTP status code, also the Status body's code. */
  code: number;
  /** Status reason; derived from the code when omitted (409 Conflict, 429 TooManyRequests, ...). */
  reason?: string;
  message?: string;
  /** Sets the Retry-After header and details.retryAfterSeconds (429 gets 1 when omitted). */
  retryAfterSeconds?: number;
}

export interface ApiCutWatchSpec {
  /** End the stream once this many events have reached the client. */
  afterEvents?: number;
  /** End the stream this many seconds after it started, whatever arrived. */
  afterSeconds?: number;
}

export type ApiFaultActionSpec =
  | { status: ApiStatusActionSpec }
  | { forward: Record<string, never> }
  | { delay: { ms: number; then?: ApiFaultActionSpec } }
  | { hang: Record<string, never> }
  | { reset: Record<string, never> }
  | { cutWatch: ApiCutWatchSpec }
  | { sequence: { times?: number; action: ApiFaultActionSpec }[] }
  | { flap: { period?: number; actions: ApiFaultActionSpec[] } }
  | { random: { probability: number; seed?: number; then: ApiFaultActionSpec; else?: ApiFaultActionSpec } };

export interface ApiFaultRuleSpec {
  name: string;
  priority?: number;
  match?: ApiFaultMatchSpec;
  action: ApiFaultActionSpec;
}

/** The value of a scenario's `apiFaults:` key. */
export interface ApiFaultsSpec {
  rules: ApiFaultRuleSpec[];
}

/** A request as rules see it: request info plus who sent it and its call number. */
export interface ApiFaultRequest extends ApiRequestInfo {
  callNumber: number;
  userAgent?: string;
  user?: string;
}

/** A validated rule, ready to match. `order` is its position in the section (ties on priority go to the earlier). */
export interface CompiledApiFaultRule {
  name: string;
  priority: number;
  order: number;
  matches: (request: ApiFaultRequest) => boolean;
  action: ApiFaultActionSpec;
}

/** Rules sorted by priority, then order; the first that matches acts. */
export interface ApiFaultSet {
  rules: CompiledApiFaultRule[];
}
