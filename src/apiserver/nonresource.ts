/**
 * @module apiserver/nonresource
 *
 * Requests that are not about a resource: /version, health checks, discovery and OpenAPI.
 */
import { apiErrors } from '../api/errors.js';
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
import { openApiDocument, openApiRoot } from './openapi/index.js';

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
  if (parts[0] === 'openapi' && parts[1] === 'v3' && parts.length >= 4) return sendOpenApi(req, res, parts.slice(2).join('/'));
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

/** One group/version's OpenAPI document, with an ETag so kubectl's cached copy is revalidated cheaply. */
function sendOpenApi(req: ServerRequest, res: ServerResponseLike, path: string): void {
  const doc = openApiDocument(path);
  if (!doc) throw apiErrors.pathNotFound();
  const etag = `"${doc.hash}"`;
  const headers = { etag, 'cache-control': 'no-cache, private', vary: 'Accept' };
  if (header(req, 'if-none-match') === etag) {
    res.writeHead(304, headers);
    res.end();
    return;
  }
  res.writeHead(200, { ...headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(doc.body) });
  res.end(doc.body);
}
