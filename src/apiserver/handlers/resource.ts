/**
 * @module apiserver/handlers/resource
 *
 * Serves one resource request (already authenticated and parsed) by verb: get, list, create,
 * update, patch, delete, deletecollection and watch, each translated onto the resource's store.
 */
import { ApiError, apiErrors } from '../../api/errors.js';
import { isPlainObject, type StoredObject } from '../../api/object.js';
import { groupVersion, type ResourceInfo } from '../../api/resources.js';
import type { Registry } from '../../registry/registry.js';
import type { ResourceStore } from '../../registry/store.js';
import { toTable } from '../printers/index.js';
import { decodeDocument, decodeObject, mediaType, negotiate, readBody, sendJson, type RequestContext } from '../http.js';
import type { ResourceRequest } from '../request-info.js';
import { isDryRun, parseDeleteOptions, parseListQuery } from './options.js';
import { checkBodyFields, checkPatchedFields } from './field-validation.js';
import { applyPatch } from './patch.js';
import { handleBinding, handleEviction } from './pod-subresources.js';
import { handlePodLog, STREAMING_SUBRESOURCES, type KubeletClient } from './pod-streams/index.js';
import { handleScale } from './scale.js';
import type { WatchServer } from './watch.js';
import { handleList, respondList } from './list.js';
import { cacheEntry, type WatchCache } from '../watch-cache/watch-cache.js';

export interface ResourceHandlerDeps {
  readonly registry: Registry;
  readonly watches: WatchServer;
  readonly cacheFor: (store: ResourceStore) => WatchCache;
  readonly kubelet: KubeletClient;
}

export async function handleResource(ctx: RequestContext, info: ResourceRequest, deps: ResourceHandlerDeps): Promise<void> {
  const store = deps.registry.store(info.group, info.version, info.resource);
  if (!store) throw apiErrors.pathNotFound();
  const resource = store.info;
  if (resource.namespaced === false && info.namespace !== undefined) throw apiErrors.pathNotFound();
  const sub = info.subresource;
  if (sub !== undefined && !resource.subresources.some((s) => s.name === sub)) throw apiErrors.pathNotFound();
  const namespace = resource.namespaced ? info.namespace : undefined;
  if (sub === 'scale') return handleScale(ctx, info, store, namespace);
  if (sub === 'finalize') return handleFinalize(ctx, info, store);
  if (sub === 'binding') return handleBinding(ctx, info, store);
  if (sub === 'eviction') return handleEviction(ctx, info, deps.registry);
  if (sub === 'log') return handlePodLog(ctx, info, deps.registry, deps.kubelet);
  // exec, attach and portforward arrive as HTTP/1.1 upgrades (see server.ts); anything else cannot stream.
  if (sub !== undefined && STREAMING_SUBRESOURCES.has(sub)) throw apiErrors.badRequest('Upgrade request required');
  if (sub !== undefined && sub !== 'status') {
    throw apiErrors.methodNotAllowed(ctx.req.method ?? '', { group: resource.group, plural: `${resource.plural}/${sub}` });
  }
  const { query } = ctx;

  switch (info.verb) {
    case 'get': {
      const obj = await store.get(namespace, info.name!, query.get('resourceVersion') ?? undefined);
      return respond(ctx, resource, obj);
    }
    case 'list':
      return handleList(ctx, store, deps.cacheFor(store), namespace, parseListQuery(query, store.strategy, resource.namespaced));
    case 'watch':
      return deps.watches.serve(ctx, store, namespace, parseListQuery(query, store.strategy, resource.namespaced));
    case 'create': {
      const body = decodeObject(await readBody(ctx.req), mediaType(ctx.req));
      checkTypeMeta(body, resource);
      checkBodyFields(ctx, resource, body);
      const created = await store.create(namespace, body, { dryRun: isDryRun(query) });
      return respond(ctx, resource, created, 201);
    }
    case 'update': {
      const body = decodeObject(await readBody(ctx.req), mediaType(ctx.req));
      checkTypeMeta(body, resource);
      checkBodyFields(ctx, resource, body);
      const updated = await store.update(namespace, info.name!, body, { ...(sub && { subresource: sub }), dryRun: isDryRun(query) });
      return respond(ctx, resource, updated);
    }
    case 'patch': {
      const type = mediaType(ctx.req);
      const patch = decodeDocument(await readBody(ctx.req), type, PATCH_TYPES);
      if (type === 'application/apply-patch+yaml' && sub === undefined) {
        const created = await createOnApply(store, namespace, info.name!, patch, isDryRun(query));
        if (created) return respond(ctx, resource, created, 201);
      }
      const patched = await store.guaranteedUpdate(
        namespace,
        info.name!,
        (current) => {
          const next = applyPatch(type, current, patch, resource);
          checkPatchedFields(ctx, resource, type, patch, next);
          return next;
        },
        {
          ...(sub && { subresource: sub }),
          dryRun: isDryRun(query),
        },
      );
      return respond(ctx, resource, patched);
    }
    case 'delete': {
      const raw = await readBody(ctx.req);
      const body = raw.length > 0 ? decodeDocument(raw, mediaType(ctx.req)) : undefined;
      const result = await store.delete(namespace, info.name!, parseDeleteOptions(body, query));
      // As upstream: an object that is gone is reported as a Success Status (pods return the
      // object itself); one still terminating (grace period, finalizers) is returned as it is now.
      if (result.deleted && !(resource.group === '' && resource.plural === 'pods')) {
        return sendJson(ctx.res, 200, deletedStatus(resource, result.object));
      }
      return respond(ctx, resource, result.object);
    }
    case 'deletecollection':
      return deleteCollection(ctx, store, namespace);
  }
}

const PATCH_TYPES =
  'application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json, application/apply-patch+yaml';

/** apiVersion and kind in a body, when present, must name this resource. */
function checkTypeMeta(body: { apiVersion?: unknown; kind?: unknown }, resource: ResourceInfo): void {
  const gv = groupVersion(resource);
  if (body.apiVersion !== undefined && body.apiVersion !== gv) {
    throw apiErrors.badRequest(`the API version in the data (${String(body.apiVersion)}) does not match the expected API version (${gv})`);
  }
  if (body.kind !== undefined && body.kind !== resource.kind) {
    throw apiErrors.badRequest(`the kind in the data (${String(body.kind)}) does not match the expected kind (${resource.kind})`);
  }
}

/**
 * PUT namespaces/{name}/finalize: replaces spec.finalizers only. The namespace controller calls it
 * once the namespace is empty; a terminating namespace with no finalizers left is then deleted.
 */
async function handleFinalize(ctx: RequestContext, info: ResourceRequest, store: ResourceStore): Promise<void> {
  if (info.verb !== 'update') throw apiErrors.methodNotAllowed(ctx.req.method ?? '', { group: '', plural: 'namespaces/finalize' });
  const body = decodeObject(await readBody(ctx.req), mediaType(ctx.req));
  const finalizers = isPlainObject(body.spec) && Array.isArray(body.spec.finalizers) ? (body.spec.finalizers as unknown[]) : [];
  if (!finalizers.every((f) => typeof f === 'string')) throw apiErrors.badRequest('spec.finalizers must be a list of strings');
  const updated = await store.guaranteedUpdate(undefined, info.name!, (current) => {
    const spec = isPlainObject(current.spec) ? current.spec : {};
    return { ...current, spec: { ...spec, finalizers } };
  });
  return respond(ctx, store.info, updated);
}

/** Server-side apply of an object that does not exist yet creates it, as upstream. */
async function createOnApply(
  store: ResourceStore,
  namespace: string | undefined,
  name: string,
  applied: unknown,
  dryRun: boolean,
): Promise<StoredObject | undefined> {
  try {
    await store.get(namespace, name);
    return undefined;
  } catch (err) {
    if (!(err instanceof ApiError && err.code === 404)) throw err;
  }
  if (!isPlainObject(applied)) throw apiErrors.badRequest('the applied configuration must be an object');
  checkTypeMeta(applied, store.info);
  const meta = isPlainObject(applied.metadata) ? applied.metadata : {};
  if (meta.name !== undefined && meta.name !== name) {
    throw apiErrors.badRequest(`the name of the object (${String(meta.name)}) does not match the name on the URL (${name})`);
  }
  try {
    return await store.create(namespace, { ...applied, metadata: { ...meta, name } }, { dryRun });
  } catch (err) {
    // Someone created it between our read and our write: apply onto theirs instead.
    if (err instanceof ApiError && err.reason === 'AlreadyExists') return undefined;
    throw err;
  }
}

async function deleteCollection(ctx: RequestContext, store: ResourceStore, namespace: string | undefined): Promise<void> {
  const raw = await readBody(ctx.req);
  const options = parseDeleteOptions(raw.length > 0 ? decodeDocument(raw, mediaType(ctx.req)) : undefined, ctx.query);
  const { items, resourceVersion } = await store.list(namespace, parseListQuery(ctx.query, store.strategy, store.info.namespaced));
  const deleted: StoredObject[] = [];
  for (const item of items) {
    try {
      deleted.push((await store.delete(item.metadata.namespace, item.metadata.name!, options)).object);
    } catch (err) {
      // Something else deleted it meanwhile: the collection is still gone, as asked.
      if (!(err instanceof Error && 'code' in err && err.code === 404)) throw err;
    }
  }
  return respondList(ctx, store.info, deleted.map(cacheEntry), resourceVersion, undefined);
}

function deletedStatus(resource: ResourceInfo, obj: StoredObject) {
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Success',
    details: { name: obj.metadata.name, group: resource.group || undefined, kind: resource.plural, uid: obj.metadata.uid },
  };
}

function respond(ctx: RequestContext, resource: ResourceInfo, obj: StoredObject, code = 200): void {
  const format = negotiate(ctx.req, ctx.query);
  if (format.kind === 'table') {
    const table = toTable({ group: resource.group, resource: resource.plural }, [obj], {
      now: Date.now(),
      resourceVersion: obj.metadata.resourceVersion ?? '',
      includeObject: format.includeObject,
    });
    return sendJson(ctx.res, code, table);
  }
  sendJson(ctx.res, code, obj);
}

