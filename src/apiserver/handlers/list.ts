/**
 * @module apiserver/handlers/list
 *
 * LIST, served from the watch cache when its semantics allow and from storage otherwise, as
 * upstream (with its ConsistentListFromCache behaviour, on by default since 1.31):
 *   - resourceVersion="0": whatever the cache has (limit is ignored, as upstream's cache does);
 *   - unset (a consistent read), no limit: the cache once it has caught up with the storage's
 *     current revision;
 *   - N with NotOlderThan (or no match and no limit): the cache once it has reached N;
 *   - everything else (Exact, continue tokens, limits on consistent reads): storage.
 * The cache keeps each object's JSON, so a large LIST is written without re-encoding every object.
 */
import type { ResourceInfo } from '../../api/resources.js';
import { groupVersion } from '../../api/resources.js';
import type { ListQuery, ResourceStore } from '../../registry/store.js';
import { parseResourceVersion } from '../../registry/store.js';
import { toTable } from '../printers/index.js';
import { negotiate, sendJson, type RequestContext } from '../http.js';
import type { CacheEntry, WatchCache } from '../watch-cache/watch-cache.js';
import { cacheEntry } from '../watch-cache/watch-cache.js';

const CACHE_CATCH_UP_MS = 3_000;
/** Items per write when streaming a list: bounded chunks instead of one giant string. */
const ITEMS_PER_CHUNK = 500;

export async function handleList(ctx: RequestContext, store: ResourceStore, cache: WatchCache, namespace: string | undefined, query: ListQuery): Promise<void> {
  const fromCache = await listFromCache(store, cache, namespace, query);
  if (fromCache) return respondList(ctx, store.info, fromCache.entries, fromCache.resourceVersion, undefined);
  const list = await store.list(namespace, query);
  return respondList(ctx, store.info, list.items.map(cacheEntry), list.resourceVersion, list.continue);
}

async function listFromCache(
  store: ResourceStore,
  cache: WatchCache,
  namespace: string | undefined,
  query: ListQuery,
): Promise<{ entries: CacheEntry[]; resourceVersion: string } | undefined> {
  if (query.continue || query.resourceVersionMatch === 'Exact') return undefined;
  const rv = query.resourceVersion;
  const limited = (query.limit ?? 0) > 0;
  let needed: number;
  if (rv === '0') needed = 0;
  else if (rv === undefined || rv === '') {
    if (limited) return undefined;
    needed = await store.currentRevision();
  } else {
    if (limited && query.resourceVersionMatch === undefined) return undefined;
    needed = parseResourceVersion(rv);
  }
  await cache.ready;
  if (needed > 0 && !(await cache.waitFor(needed, CACHE_CATCH_UP_MS))) return undefined;
  const resourceVersion = String(cache.resourceVersion);
  const entries = cache
    .snapshot(store.prefix(namespace))
    .filter((e) => (namespace === undefined || e.object.metadata.namespace === namespace) && store.matches(e.object, query));
  return { entries, resourceVersion };
}

export function respondList(ctx: RequestContext, resource: ResourceInfo, entries: CacheEntry[], resourceVersion: string, next: string | undefined): void {
  const format = negotiate(ctx.req, ctx.query);
  if (format.kind === 'table') {
    const table = toTable({ group: resource.group, resource: resource.plural }, entries.map((e) => e.object), {
      now: Date.now(),
      resourceVersion,
      includeObject: format.includeObject,
      ...(next && { continue: next }),
    });
    return sendJson(ctx.res, 200, table);
  }
  const metadata = JSON.stringify({ resourceVersion, ...(next && { continue: next }) });
  const res = ctx.res as NodeJS.WritableStream & { writeHead: (code: number, headers: Record<string, string>) => void };
  res.writeHead(200, { 'content-type': 'application/json' });
  res.write(`{"apiVersion":${JSON.stringify(groupVersion(resource))},"kind":"${resource.kind}List","metadata":${metadata},"items":[`);
  for (let i = 0; i < entries.length; i += ITEMS_PER_CHUNK) {
    const chunk = entries.slice(i, i + ITEMS_PER_CHUNK).map((e) => e.json());
    res.write(`${i > 0 ? ',' : ''}${chunk.join(',')}`);
  }
  res.end(']}');
}
