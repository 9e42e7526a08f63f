import { describe, expect, it } from 'vitest';
import { apiRequestInfo } from './api-request-info.ts';

describe('apiRequestInfo derives what the API server would', () => {
  const cases: [string, string, Record<string, unknown>][] = [
    [
      'GET',
      '/api/v1/namespaces/ns1/configmaps/cm',
      { verb: 'get', apiGroup: '', resource: 'configmaps', namespace: 'ns1', name: 'cm' },
    ],
    ['GET', '/api/v1/namespaces/ns1/configmaps', { verb: 'list', resource: 'configmaps', namespace: 'ns1' }],
    [
      'GET',
      '/api/v1/namespaces/ns1/configmaps?watch=true&resourceVersion=5',
      { verb: 'watch', resource: 'configmaps' },
    ],
    ['GET', '/api/v1/namespaces/ns1/configmaps?watch=1', { verb: 'watch' }],
    ['GET', '/api/v1/namespaces/ns1/configmaps?watch=false', { verb: 'list' }],
    ['GET', '/api/v1/namespaces/ns1/configmaps?watch=FALSE', { verb: 'list' }],
    ['GET', '/api/v1/namespaces/ns1/configmaps?watch=0', { verb: 'list' }],
    // Anything else is a watch to the API server, the empty value and non-booleans included.
    ['GET', '/api/v1/namespaces/ns1/configmaps?watch=yes', { verb: 'watch' }],
    ['GET', '/api/v1/namespaces/ns1/configmaps?watch=', { verb: 'watch' }],
    [
      'GET',
      '/api/v1/watch/namespaces/ns1/configmaps',
      { verb: 'watch', resource: 'configmaps', namespace: 'ns1' },
    ],
    [
      'GET',
      '/apis/objectstorage.k8s.io/v1alpha1/buckets?watch=true&fieldSelector=metadata.name%3Db1',
      {
        verb: 'watch',
        apiGroup: 'objectstorage.k8s.io',
        apiVersion: 'v1alpha1',
        resource: 'buckets',
        name: 'b1',
      },
    ],
    [
      'PUT',
      '/apis/objectstorage.k8s.io/v1alpha1/namespaces/d/bucketclaims/c1/status',
      { verb: 'update', resource: 'bucketclaims', subresource: 'status', namespace: 'd', name: 'c1' },
    ],
    [
      'PATCH',
      '/apis/objectstorage.k8s.io/v1alpha1/buckets/b1',
      { verb: 'patch', resource: 'buckets', name: 'b1' },
    ],
    [
      'POST',
      '/api/v1/namespaces/d/serviceaccounts/sa/token',
      { verb: 'create', subresource: 'token', name: 'sa' },
    ],
    ['DELETE', '/api/v1/namespaces/d/pods', { verb: 'deletecollection', resource: 'pods' }],
    ['DELETE', '/api/v1/namespaces/d/pods/p', { verb: 'delete', name: 'p' }],
    ['GET', '/api/v1/namespaces/d', { verb: 'get', resource: 'namespaces', name: 'd', namespace: 'd' }],
    [
      'PUT',
      '/api/v1/namespaces/d/finalize',
      { verb: 'update', resource: 'namespaces', subresource: 'finalize', name: 'd' },
    ],
  ];
  it.each(cases)('%s %s', (method, url, expected) => {
    expect(apiRequestInfo(method, url)).toMatchObject({ isResourceRequest: true, ...expected });
  });

  it.each([
    ['GET', '/version', 'get'],
    ['GET', '/apis/objectstorage.k8s.io/v1alpha1', 'get'],
    ['GET', '/api', 'get'],
    ['POST', '/openapi/v3', 'post'],
  ])('non-resource %s %s', (method, url, verb) => {
    const info = apiRequestInfo(method, url);
    expect(info).toEqual({ isResourceRequest: false, verb, path: url });
  });

  it('never throws on a target the API server would refuse (the proxy calls it for every request)', () => {
    expect(apiRequestInfo('GET', 'http://[')).toEqual({
      isResourceRequest: false,
      verb: 'get',
      path: 'http://[',
    });
    expect(apiRequestInfo('GET', '/api/v1/namespaces/%ZZ/pods')).toMatchObject({
      isResourceRequest: true,
      verb: 'list',
      resource: 'pods',
      namespace: '%ZZ',
    });
  });
});
