/**
 * @module apiserver/nonresource
 *
 * Requests that are not about a resource: /version, health checks, discovery and OpenAPI.
 */
import { apiErrors } from '../api/errors.js';
import { groupVersion, RESOURCES, servedGroups } from '../api/resources.js';
import {
  AGGREGATED_CONTENT_TYPE,
  aggregatedDiscovery,
  apiGroup,
  apiGroupList,
  apiResourceList,
  apiVersions,
  wantsAggregated,
} from './discovery.js';
import { sendJson, type ServerRequest, type ServerResponseLike } from './http.js';

/**
 * The installed kubectl is a dispatcher that runs the bundled kubectl matching the server's minor
 * version; tskube implements the 1.32 API, so it reports 1.32.
 */
export const VERSION_INFO = {
  major: '1',
  minor: '32',
  gitVersion: 'v1.32.0-tskube',
  gitCommit: '0000000000000000000000000000000000000000',
  gitTreeState: 'clean',
  buildDate: '2026-01-01T00:00:00Z',
  goVersion: `node${process.versions.node}`,
  compiler: 'tsc',
  platform: `${process.platform}/${process.arch === 'x64' ? 'amd64' : process.arch}`,
};

export async function serveNonResource(
  req: ServerRequest,
  res: ServerResponseLike,
  path: string,
  healthy: () => Promise<boolean>,
): Promise<void> {
  const trimmed = path.length > 1 ? path.replace(/\/+$/, '') : path;
  switch (trimmed) {
    case '/version':
      return sendJson(res, 200, VERSION_INFO);
    case '/healthz':
    case '/livez':
    case '/readyz': {
      // Live as long as the process serves; ready (and healthy) only when storage answers.
      const ok = trimmed === '/livez' || (await healthy());
      res.writeHead(ok ? 200 : 500, { 'content-type': 'text/plain; charset=utf-8', 'x-content-type-options': 'nosniff' });
      res.end(ok ? 'ok' : `[-]etcd failed: storage is not answering\n${trimmed.slice(1)} check failed`);
      return;
    }
    case '/api':
      if (wantsAggregated(header(req, 'accept'))) return sendAggregated(res, true);
      return sendJson(res, 200, apiVersions(header(req, 'host') ?? '127.0.0.1:6443'));
    case '/apis':
      if (wantsAggregated(header(req, 'accept'))) return sendAggregated(res, false);
      return sendJson(res, 200, apiGroupList());
    case '/openapi/v3':
      return sendJson(res, 200, openApiRoot());
  }
  const parts = trimmed.split('/').filter(Boolean);
  if (parts[0] === 'api' && parts.length === 2) return sendOr404(res, apiResourceList('', parts[1]!));
  if (parts[0] === 'apis' && parts.length === 2) return sendOr404(res, apiGroup(parts[1]!));
  if (parts[0] === 'apis' && parts.length === 3) return sendOr404(res, apiResourceList(parts[1]!, parts[2]!));
  if (parts[0] === 'openapi' && parts[1] === 'v3' && parts.length >= 4) return sendOr404(res, openApiGroupVersion(parts.slice(2).join('/')));
  throw apiErrors.pathNotFound();
}

function header(req: ServerRequest, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value.join(',') : value;
}

function sendAggregated(res: ServerResponseLike, core: boolean): void {
  const body = JSON.stringify(aggregatedDiscovery(core));
  res.writeHead(200, { 'content-type': AGGREGATED_CONTENT_TYPE, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

function sendOr404(res: ServerResponseLike, body: object | undefined): void {
  if (!body) throw apiErrors.pathNotFound();
  sendJson(res, 200, body);
}

function openApiPath(group: string, version: string): string {
  return group === '' ? `api/${version}` : `apis/${group}/${version}`;
}

/** The OpenAPI v3 index: one document per served group/version (kubectl needs every one listed). */
function openApiRoot() {
  const paths: Record<string, { serverRelativeURL: string }> = {};
  for (const g of servedGroups()) {
    for (const version of g.versions) {
      const path = openApiPath(g.group, version);
      paths[path] = { serverRelativeURL: `/openapi/v3/${path}?hash=tskube-1` };
    }
  }
  return { paths };
}

/**
 * One group/version's OpenAPI document: a PATCH operation per resource that declares the
 * `fieldValidation` parameter, which is what kubectl's apply/create/replace check for before they
 * let the server validate. Schemas come later (kubectl explain needs them).
 */
function openApiGroupVersion(path: string) {
  const resources = RESOURCES.filter((r) => openApiPath(r.group, r.version) === path);
  if (resources.length === 0) return undefined;
  const paths: Record<string, unknown> = {};
  for (const r of resources) {
    const base = `/${path}${r.namespaced ? '/namespaces/{namespace}' : ''}/${r.plural}/{name}`;
    paths[base] = {
      patch: {
        'x-kubernetes-action': 'patch',
        'x-kubernetes-group-version-kind': { group: r.group, version: r.version, kind: r.kind },
        parameters: [
          { name: 'fieldValidation', in: 'query', schema: { type: 'string', uniqueItems: true } },
          { name: 'fieldManager', in: 'query', schema: { type: 'string', uniqueItems: true } },
          { name: 'dryRun', in: 'query', schema: { type: 'string', uniqueItems: true } },
        ],
        requestBody: {
          content: {
            'application/json-patch+json': { schema: {} },
            'application/merge-patch+json': { schema: {} },
            'application/apply-patch+yaml': { schema: {} },
          },
        },
        responses: { '200': { description: 'OK' } },
      },
    };
  }
  return {
    openapi: '3.0.0',
    info: { title: 'Kubernetes', version: 'v1.32.0' },
    paths,
    components: { schemas: {} },
    'x-tskube-group-version': groupVersion(resources[0]!),
  };
}
