import type { ApiStatusActionSpec } from './api-fault-types.ts';
import type { ApiRequestInfo } from './api-request-info.ts';

/** A metav1.Status failure body, as the API server sends with every error. */
export interface KubernetesStatus {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, never>;
  status: 'Failure';
  message: string;
  reason?: string;
  details?: { name?: string; group?: string; kind?: string; retryAfterSeconds?: number };
  code: number;
}

// metav1.StatusReason per HTTP code, as the API server's errors package pairs them.
const REASON_BY_CODE: Record<number, string> = {
  400: 'BadRequest',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'NotFound',
  405: 'MethodNotAllowed',
  406: 'NotAcceptable',
  409: 'Conflict',
  410: 'Expired',
  413: 'RequestEntityTooLarge',
  415: 'UnsupportedMediaType',
  422: 'Invalid',
  429: 'TooManyRequests',
  500: 'InternalError',
  503: 'ServiceUnavailable',
  504: 'Timeout',
};

/** 429 without a given Retry-After still gets one, as the API server's own throttling answers do. */
export const DEFAULT_TOO_MANY_REQUESTS_RETRY_AFTER_SECONDS = 1;

/** The Status body and the Retry-After value (seconds) for an injected failure. */
export function injectedStatus(
  action: ApiStatusActionSpec,
  request: ApiRequestInfo,
  rule: string,
): { body: KubernetesStatus; retryAfterSeconds?: number } {
  const reason = action.reason ?? REASON_BY_CODE[action.code];
  const retryAfterSeconds =
    action.retryAfterSeconds ??
    (action.code === 429 ? DEFAULT_TOO_MANY_REQUESTS_RETRY_AFTER_SECONDS : undefined);
  const qualified = request.resource
    ? `${request.resource}${request.apiGroup ? `.${request.apiGroup}` : ''}`
    : request.path;
  const target = request.name ? `${qualified} "${request.name}"` : qualified;
  const message =
    action.message ??
    `${reason ?? `HTTP ${action.code}`} on ${target} (injected by cosi-chaos API fault rule "${rule}")`;
  const details = {
    ...(request.name ? { name: request.name } : {}),
    ...(request.apiGroup ? { group: request.apiGroup } : {}),
    ...(request.resource ? { kind: request.resource } : {}),
    ...(retryAfterSeconds !== undefined ? { retryAfterSeconds } : {}),
  };
  return {
    body: {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message,
      ...(reason ? { reason } : {}),
      ...(Object.keys(details).length ? { details } : {}),
      code: action.code,
    },
    ...(retryAfterSeconds !== undefined ? { retryAfterSeconds } : {}),
  };
}
