/**
 * @module apiserver/request-info
 *
 * Parses a request's method and path into what it is about, as upstream's RequestInfoResolver:
 *   /api/v1/namespaces/default/pods/web-0/status  → verb get|update|patch, resource pods, ...
 *   /apis/apps/v1/deployments?watch=true          → verb watch, cluster-wide
 * Anything else (/version, /healthz, discovery, /openapi) is a non-resource request.
 */

export type Verb = 'get' | 'list' | 'watch' | 'create' | 'update' | 'patch' | 'delete' | 'deletecollection';

export interface ResourceRequest {
  readonly kind: 'resource';
  readonly verb: Verb;
  readonly group: string;
  readonly version: string;
  readonly resource: string;
  readonly subresource: string | undefined;
  /** The namespace in the path; undefined for cluster-scoped paths and all-namespace lists. */
  readonly namespace: string | undefined;
  readonly name: string | undefined;
}

export interface NonResourceRequest {
  readonly kind: 'nonResource';
  readonly path: string;
}

export type RequestInfo = ResourceRequest | NonResourceRequest;

export function parseRequestInfo(method: string, path: string, query: URLSearchParams): RequestInfo {
  const parts = path.split('/').filter((p) => p.length > 0).map(decodeURIComponent);
  let rest: string[];
  let group: string;
  let version: string;
  if (parts[0] === 'api' && parts.length >= 3) {
    group = '';
    version = parts[1]!;
    rest = parts.slice(2);
  } else if (parts[0] === 'apis' && parts.length >= 4) {
    group = parts[1]!;
    version = parts[2]!;
    rest = parts.slice(3);
  } else {
    return { kind: 'nonResource', path };
  }

  let namespace: string | undefined;
  // /namespaces/{ns}/{resource}... addresses a namespaced resource; /namespaces/{name}[/status]
  // addresses the Namespace object itself.
  if (rest[0] === 'namespaces' && rest.length >= 3 && rest[2] !== 'status' && rest[2] !== 'finalize') {
    namespace = rest[1];
    rest = rest.slice(2);
  }
  const [resource, name, subresource, ...extra] = rest;
  if (!resource || extra.length > 0) return { kind: 'nonResource', path };

  const isWatch = query.get('watch') === 'true' || query.get('watch') === '1';
  let verb: Verb;
  switch (method) {
    case 'GET':
    case 'HEAD':
      verb = name === undefined ? (isWatch ? 'watch' : 'list') : 'get';
      break;
    case 'POST':
      verb = 'create';
      break;
    case 'PUT':
      verb = 'update';
      break;
    case 'PATCH':
      verb = 'patch';
      break;
    case 'DELETE':
      verb = name === undefined ? 'deletecollection' : 'delete';
      break;
    default:
      return { kind: 'nonResource', path };
  }
  return { kind: 'resource', verb, group, version, resource, subresource, namespace, name };
}
