/**
 * @module client/resource-client
 *
 * The verbs of one served resource: get/list/listAll/create/update/updateStatus/patch/delete/
 * deleteCollection/watch, with namespaces, label and field selectors, limit/continue,
 * resourceVersion(Match) and dryRun, over a RestClient (which owns connection and retries).
 * Reads and watch establishment are idempotent; every write is not.
 */
import type { KubeObject } from '../api/object.js';
import type { ResourceInfo } from '../api/resources.js';
import type { Status } from './errors.js';
import type { RestClient } from './rest-client.js';
import { WatchStream } from './watch.js';

export interface ObjectList<T> {
  readonly apiVersion?: string;
  readonly kind?: string;
  readonly metadata: { readonly resourceVersion?: string; readonly continue?: string; readonly remainingItemCount?: number };
  readonly items: T[];
}

export interface CallOptions {
  readonly signal?: AbortSignal;
  /** Overrides the client's per-request timeout for this call. */
  readonly timeoutMs?: number;
}

export interface GetOptions extends CallOptions {
  readonly namespace?: string;
  readonly resourceVersion?: string;
  readonly subresource?: string;
}

export interface ListOptions extends CallOptions {
  /** Omit for every namespace (namespaced resources). */
  readonly namespace?: string;
  readonly labelSelector?: string;
  readonly fieldSelector?: string;
  readonly limit?: number;
  readonly continue?: string;
  readonly resourceVersion?: string;
  readonly resourceVersionMatch?: 'Exact' | 'NotOlderThan';
}

export interface WriteOptions extends CallOptions {
  readonly namespace?: string;
  readonly dryRun?: boolean;
  readonly fieldManager?: string;
}

export type PatchType = 'json' | 'merge' | 'strategic' | 'apply';

export interface PatchOptions extends WriteOptions {
  readonly subresource?: string;
  /** Server-side apply: take ownership of conflicting fields. */
  readonly force?: boolean;
}

export interface DeleteOptions extends CallOptions {
  readonly namespace?: string;
  readonly dryRun?: boolean;
  readonly gracePeriodSeconds?: number;
  readonly propagationPolicy?: 'Orphan' | 'Background' | 'Foreground';
  readonly preconditions?: { readonly uid?: string; readonly resourceVersion?: string };
}

export interface DeleteCollectionOptions extends Omit<DeleteOptions, 'preconditions'> {
  readonly labelSelector?: string;
  readonly fieldSelector?: string;
}

export interface WatchOptions extends CallOptions {
  readonly namespace?: string;
  readonly labelSelector?: string;
  readonly fieldSelector?: string;
  /** "" or "0": current state as ADDED events first; N: every change after N. */
  readonly resourceVersion?: string;
  /** The server ends the watch after this long. */
  readonly timeoutSeconds?: number;
  /** Default true: the server sends BOOKMARKs carrying its progress, so resumes start later. */
  readonly allowWatchBookmarks?: boolean;
  /** Give up on the stream this long after it started even if the server has not ended it. */
  readonly clientDeadlineMs?: number;
}

const PATCH_CONTENT_TYPES: Readonly<Record<PatchType, string>> = {
  json: 'application/json-patch+json',
  merge: 'application/merge-patch+json',
  strategic: 'application/strategic-merge-patch+json',
  apply: 'application/apply-patch+yaml',
};

/** Typed calls on one resource, by verb. */
export class ResourceClient<T extends KubeObject = KubeObject> {
  constructor(
    readonly client: RestClient,
    readonly info: ResourceInfo,
  ) {}

  get(name: string, options: GetOptions = {}): Promise<T> {
    const query = params({ resourceVersion: options.resourceVersion });
    return this.client.request<T>({ method: 'GET', path: this.path(this.ns(options.namespace), name, options.subresource), query, idempotent: true, ...call(options) });
  }

  list(options: ListOptions = {}): Promise<ObjectList<T>> {
    return this.client.request<ObjectList<T>>({ method: 'GET', path: this.path(this.listNs(options.namespace)), query: listParams(options), idempotent: true, ...call(options) });
  }

  /** Every page of a list, following continue tokens; the resourceVersion is the first page's. */
  async listAll(options: Omit<ListOptions, 'continue'> = {}): Promise<ObjectList<T>> {
    const first = await this.list(options);
    const items = [...first.items];
    let next = first.metadata.continue;
    while (next) {
      const page = await this.list({ ...options, continue: next });
      items.push(...page.items);
      next = page.metadata.continue;
    }
    return { ...first, metadata: { ...(first.metadata.resourceVersion !== undefined && { resourceVersion: first.metadata.resourceVersion }) }, items };
  }

  create(obj: T, options: WriteOptions = {}): Promise<T> {
    const ns = this.ns(options.namespace ?? obj.metadata?.namespace);
    return this.client.request<T>({ method: 'POST', path: this.path(ns), query: writeParams(options), body: obj, idempotent: false, ...call(options) });
  }

  /** PUT: replaces the object, conditional on metadata.resourceVersion when set (409 if stale). */
  update(obj: T, options: WriteOptions = {}): Promise<T> {
    return this.put(obj, undefined, options);
  }

  /** PUT on the status subresource. */
  updateStatus(obj: T, options: WriteOptions = {}): Promise<T> {
    return this.put(obj, 'status', options);
  }

  patch(name: string, type: PatchType, patch: unknown, options: PatchOptions = {}): Promise<T> {
    if (type === 'apply' && !options.fieldManager) throw new TypeError('server-side apply needs a fieldManager');
    const query = writeParams(options);
    if (options.force) query.set('force', 'true');
    return this.client.request<T>({
      method: 'PATCH',
      path: this.path(this.ns(options.namespace), name, options.subresource),
      query,
      body: patch,
      contentType: PATCH_CONTENT_TYPES[type],
      idempotent: false,
      ...call(options),
    });
  }

  /** The deleted object (or a Success Status); the object itself while it is still terminating. */
  delete(name: string, options: DeleteOptions = {}): Promise<T | Status> {
    return this.client.request<T | Status>({
      method: 'DELETE',
      path: this.path(this.ns(options.namespace), name),
      query: params({ dryRun: options.dryRun ? 'All' : undefined }),
      body: deleteBody(options),
      idempotent: false,
      ...call(options),
    });
  }

  deleteCollection(options: DeleteCollectionOptions = {}): Promise<ObjectList<T>> {
    return this.client.request<ObjectList<T>>({
      method: 'DELETE',
      path: this.path(this.listNs(options.namespace)),
      query: params({ labelSelector: options.labelSelector, fieldSelector: options.fieldSelector, dryRun: options.dryRun ? 'All' : undefined }),
      body: deleteBody(options),
      idempotent: false,
      ...call(options),
    });
  }

  /** One watch request; resolves once the server has answered with headers. See `ResumingWatch`. */
  async watch(options: WatchOptions = {}): Promise<WatchStream<T>> {
    const query = params({
      watch: 'true',
      allowWatchBookmarks: options.allowWatchBookmarks === false ? undefined : 'true',
      labelSelector: options.labelSelector,
      fieldSelector: options.fieldSelector,
      resourceVersion: options.resourceVersion,
      timeoutSeconds: options.timeoutSeconds,
    });
    const res = await this.client.requestStream({ method: 'GET', path: this.path(this.listNs(options.namespace)), query, idempotent: true, ...call(options) });
    return new WatchStream<T>(res, {
      ...(options.signal && { signal: options.signal }),
      ...(options.clientDeadlineMs !== undefined && { deadlineMs: options.clientDeadlineMs }),
    });
  }

  /** The URL path: /api/v1/namespaces/ns/pods/name/status, /apis/apps/v1/deployments, ... */
  path(namespace: string | undefined, name?: string, subresource?: string): string {
    const { group, version, plural } = this.info;
    const parts = [group === '' ? `/api/${version}` : `/apis/${group}/${version}`];
    if (namespace !== undefined) parts.push('namespaces', encodeURIComponent(namespace));
    parts.push(plural);
    if (name !== undefined) {
      if (name === '') throw new TypeError(`${plural}: a name is required`);
      parts.push(encodeURIComponent(name));
    }
    if (subresource !== undefined) parts.push(subresource);
    return parts.join('/');
  }

  private put(obj: T, subresource: string | undefined, options: WriteOptions): Promise<T> {
    const name = obj.metadata?.name;
    if (!name) throw new TypeError(`${this.info.plural}: update needs metadata.name`);
    const ns = this.ns(options.namespace ?? obj.metadata?.namespace);
    return this.client.request<T>({ method: 'PUT', path: this.path(ns, name, subresource), query: writeParams(options), body: obj, idempotent: false, ...call(options) });
  }

  /** The namespace for a single-object call: required for namespaced resources, absent otherwise. */
  private ns(namespace: string | undefined): string | undefined {
    if (!this.info.namespaced) return undefined;
    if (!namespace) throw new TypeError(`${this.info.plural} are namespaced: pass a namespace`);
    return namespace;
  }

  /** For lists and watches a missing namespace means all namespaces. */
  private listNs(namespace: string | undefined): string | undefined {
    return this.info.namespaced && namespace ? namespace : undefined;
  }
}

function params(values: Record<string, string | number | undefined>): URLSearchParams {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(values)) if (v !== undefined && v !== '') q.set(k, String(v));
  return q;
}

function listParams(o: ListOptions): URLSearchParams {
  const q = params({
    labelSelector: o.labelSelector,
    fieldSelector: o.fieldSelector,
    limit: o.limit,
    continue: o.continue,
    resourceVersionMatch: o.resourceVersionMatch,
  });
  // resourceVersion="" and unset differ only for the server's defaults; send it when given.
  if (o.resourceVersion !== undefined && o.resourceVersion !== '') q.set('resourceVersion', o.resourceVersion);
  return q;
}

function writeParams(o: WriteOptions): URLSearchParams {
  return params({ dryRun: o.dryRun ? 'All' : undefined, fieldManager: o.fieldManager });
}

function deleteBody(o: DeleteOptions | DeleteCollectionOptions): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'DeleteOptions',
    ...(o.gracePeriodSeconds !== undefined && { gracePeriodSeconds: o.gracePeriodSeconds }),
    ...(o.propagationPolicy && { propagationPolicy: o.propagationPolicy }),
    ...('preconditions' in o && o.preconditions && { preconditions: o.preconditions }),
  };
}

function call(o: CallOptions): { signal?: AbortSignal; timeoutMs?: number } {
  return { ...(o.signal && { signal: o.signal }), ...(o.timeoutMs !== undefined && { timeoutMs: o.timeoutMs }) };
}
