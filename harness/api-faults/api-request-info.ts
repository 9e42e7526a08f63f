import type { ApiResourceVerb, ApiVerb } from '../results/api-journal-results.ts';

/** What kube-apiserver's request info would say about a request: the facts fault rules match on. */
export interface ApiRequestInfo {
  isResourceRequest: boolean;
  verb: ApiVerb;
  path: string;
  /** '' for the core group (/api). */
  apiGroup?: string;
  apiVersion?: string;
  resource?: string;
  subresource?: string;
  namespace?: string;
  name?: string;
}

// Namespace subresources stay on the namespace itself (/api/v1/namespaces/NS/status is namespaces/status).
const NAMESPACE_SUBRESOURCES = new Set(['status', 'finalize']);
// The API server reads ?watch= with apimachinery's Convert_Slice_string_To_bool: only "false" and "0" (any case)
// are false; anything else, the empty string included, is a watch.
const FALSE_VALUES = new Set(['false', '0']);
const NON_RESOURCE_VERBS: Record<string, ApiVerb> = {
  GET: 'get',
  POST: 'post',
  PUT: 'put',
  PATCH: 'patch',
  DELETE: 'delete',
  HEAD: 'head',
  OPTIONS: 'options',
};

/**
 * Derives verb, group, version, resource, subresource, namespace and name from method and URL the way the API
 * server's RequestInfoFactory does: /api/v1/... and /apis/GROUP/VERSION/..., the legacy /watch/ prefix, ?watch=,
 * and a list or watch narrowed to one object by fieldSelector=metadata.name=NAME.
 */
export function apiRequestInfo(method: string, rawUrl: string): ApiRequestInfo {
  const methodOnly = NON_RESOURCE_VERBS[method.toUpperCase()] ?? 'get';
  const url = parseTarget(rawUrl);
  // A target URL cannot parse (e.g. "http://["): the API server answers it 400; it is still forwarded and journaled.
  if (!url) return { isResourceRequest: false, verb: methodOnly, path: rawUrl.split('?')[0] ?? rawUrl };
  const path = url.pathname;
  const nonResource: ApiRequestInfo = { isResourceRequest: false, verb: methodOnly, path };
  const segments = path
    .split('/')
    .filter((s) => s !== '')
    .map(decodeSegment);
  let rest: string[];
  let apiGroup: string;
  let apiVersion: string | undefined;
  if (segments[0] === 'api') {
    apiGroup = '';
    apiVersion = segments[1];
    rest = segments.slice(2);
  } else if (segments[0] === 'apis') {
    apiGroup = segments[1] ?? '';
    apiVersion = segments[2];
    rest = segments.slice(3);
  } else {
    return nonResource;
  }
  // /api, /api/v1, /apis/GROUP/VERSION: discovery, not a resource.
  if (!apiVersion || rest.length === 0) return nonResource;

  let verb: ApiResourceVerb | undefined;
  if (rest[0] === 'watch') {
    verb = 'watch';
    rest = rest.slice(1);
  }
  let namespace: string | undefined;
  if (rest[0] === 'namespaces' && rest.length > 1) {
    namespace = rest[1];
    if (rest.length > 2 && !NAMESPACE_SUBRESOURCES.has(rest[2] as string)) rest = rest.slice(2);
  }
  const [resource, name, subresource] = rest;
  const info: ApiRequestInfo = {
    isResourceRequest: true,
    verb: 'get',
    path,
    apiGroup,
    apiVersion,
    ...(resource !== undefined ? { resource } : {}),
    ...(subresource !== undefined ? { subresource } : {}),
    ...(namespace !== undefined ? { namespace } : {}),
    ...(name !== undefined ? { name } : {}),
  };
  info.verb = verb ?? methodVerb(method.toUpperCase(), name !== undefined, url.searchParams);
  if ((info.verb === 'list' || info.verb === 'watch') && info.name === undefined) {
    const byName = nameFromFieldSelector(url.searchParams.get('fieldSelector'));
    if (byName !== undefined) info.name = byName;
  }
  return info;
}

// Never throws: the proxy calls this for every request, and a throw there would take the whole harness down.
function parseTarget(rawUrl: string): URL | undefined {
  try {
    return new URL(rawUrl, 'http://proxy.invalid');
  } catch {
    return undefined;
  }
}

// A malformed escape ("%ZZ") stays as sent, as a name rules can still match; the API server will answer 400.
function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

function methodVerb(method: string, hasName: boolean, query: URLSearchParams): ApiResourceVerb {
  switch (method) {
    case 'POST':
      return 'create';
    case 'PUT':
      return 'update';
    case 'PATCH':
      return 'patch';
    case 'DELETE':
      return hasName ? 'delete' : 'deletecollection';
    default: {
      const watch = query.get('watch');
      if (watch !== null && !FALSE_VALUES.has(watch.toLowerCase())) return 'watch';
      return hasName ? 'get' : 'list';
    }
  }
}

// A selector term requiring metadata.name to equal a value names the object, as in the API server.
function nameFromFieldSelector(selector: string | null): string | undefined {
  for (const term of selector?.split(',') ?? []) {
    const match = /^metadata\.name==?(.+)$/.exec(term.trim());
    if (match) return match[1];
  }
  return undefined;
}
