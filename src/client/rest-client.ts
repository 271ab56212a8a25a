/**
 * @module client/rest-client
 *
 * A REST client for every resource in the served table (`RESOURCES`): `client.resource(group,
 * version, plural)` gives get/list/create/update/updateStatus/patch/delete/deleteCollection/watch
 * with namespaces, selectors, paging, resourceVersion and dryRun. Failures are `ApiStatusError`s
 * carrying the server's Status, or `TransportError`s.
 *
 * Retries (bounded, exponential backoff with jitter, `Retry-After` honoured):
 *   - idempotent requests (GET, LIST, establishing a WATCH): on connection errors, 5xx and 429;
 *   - mutating requests: only on 429 (the server did not process it) or when the request cannot
 *     have reached the server (dial failed, stream refused);
 *   - never on a per-request timeout or an abort: the caller's budget is spent.
 */
import type { KubeObject } from '../api/object.js';
import { findResource, groupVersion, type ResourceInfo } from '../api/resources.js';
import { createLogger, type Logger } from '../log.js';
import { backoffDelay, type BackoffOptions } from './backoff.js';
import { realClock, type Clock } from './clock.js';
import { ApiStatusError, TransportError, type Status } from './errors.js';
import type { ClientConfig } from './kubeconfig.js';
import { loadKubeconfig, type LoadKubeconfigOptions } from './kubeconfig.js';
import { Http2Transport, type TransportOptions, type TransportResponse, type TransportStream } from './transport.js';
import { WatchStream } from './watch.js';

export interface RetryPolicy {
  /** Retries after the first attempt; default 5. */
  readonly maxRetries: number;
  /** Backoff between attempts when the server gives no Retry-After; default 250 ms → 8 s. */
  readonly backoff: BackoffOptions;
  /** The longest Retry-After honoured; longer ones are capped. Default 60 s. */
  readonly maxRetryAfterMs: number;
}

export interface RestClientOptions {
  /** Where and how to connect (see `loadKubeconfig`). */
  readonly config: ClientConfig;
  /** Health check and dial settings of the transport (defaults: read idle 30 s, ping timeout 15 s). */
  readonly transport?: Omit<TransportOptions, 'server' | 'ca' | 'cert' | 'key' | 'insecureSkipTLSVerify' | 'tlsServerName' | 'log'>;
  /** Per-request timeout (per attempt); default 30 s; 0 = none. Watches use it until their headers. */
  readonly timeoutMs?: number;
  readonly retry?: Partial<RetryPolicy>;
  readonly userAgent?: string;
  /** Injected for tests: retries wait with `clock.sleep`. */
  readonly clock?: Clock;
  readonly log?: Logger;
}

/** What one API call needs; `idempotent` decides the retry policy. */
export interface ApiRequest {
  readonly method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  readonly path: string;
  readonly query?: URLSearchParams;
  readonly body?: unknown;
  readonly contentType?: string;
  readonly idempotent: boolean;
  readonly signal?: AbortSignal;
  readonly timeoutMs?: number;
}

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

const DEFAULT_RETRY: RetryPolicy = {
  maxRetries: 5,
  backoff: { initialMs: 250, maxMs: 8_000 },
  maxRetryAfterMs: 60_000,
};

/** Error bodies are Status objects of a few hundred bytes; never buffer more than this of one. */
const MAX_ERROR_BODY = 64 * 1024;

export class RestClient {
  readonly transport: Http2Transport;
  readonly config: ClientConfig;
  private readonly log: Logger;
  private readonly retry: RetryPolicy;
  private readonly clock: Clock;
  private readonly timeoutMs: number;
  private readonly baseHeaders: Record<string, string>;

  constructor(options: RestClientOptions) {
    this.config = options.config;
    this.log = options.log ?? createLogger('client');
    this.retry = { ...DEFAULT_RETRY, ...options.retry };
    this.clock = options.clock ?? realClock;
    this.timeoutMs = options.timeoutMs ?? 30_000;
    const { config } = options;
    this.transport = new Http2Transport({
      ...options.transport,
      server: config.server,
      ...(config.ca && { ca: config.ca }),
      ...(config.cert && { cert: config.cert }),
      ...(config.key && { key: config.key }),
      ...(config.insecureSkipTLSVerify && { insecureSkipTLSVerify: true }),
      ...(config.tlsServerName && { tlsServerName: config.tlsServerName }),
      log: this.log,
    });
    this.baseHeaders = {
      accept: 'application/json',
      'user-agent': options.userAgent ?? 'tskube-client',
      ...(config.token && { authorization: `Bearer ${config.token}` }),
    };
  }

  static async fromKubeconfig(kubeconfig: LoadKubeconfigOptions = {}, options: Omit<RestClientOptions, 'config'> = {}): Promise<RestClient> {
    return new RestClient({ ...options, config: await loadKubeconfig(kubeconfig) });
  }

  /** A client for one resource of the served table. Throws for a resource tskube does not serve. */
  resource<T extends KubeObject = KubeObject>(group: string, version: string, plural: string): ResourceClient<T> {
    const info = findResource(group, version, plural);
    if (!info) throw new TypeError(`no served resource ${plural} in ${groupVersion({ group, version })}`);
    return new ResourceClient<T>(this, info);
  }

  /** Closes every connection; pending requests fail. */
  close(): void {
    this.transport.close();
  }

  /** Sends a request (with retries) and decodes its JSON answer. */
  async request<R>(req: ApiRequest): Promise<R> {
    const res = (await this.send(req, false)) as TransportResponse;
    const text = res.body.toString('utf8');
    return (text.length > 0 ? JSON.parse(text) : undefined) as R;
  }

  /** Establishes a stream (with the idempotent retry policy) and hands back its answer. */
  async requestStream(req: ApiRequest): Promise<TransportStream> {
    return (await this.send(req, true)) as TransportStream;
  }

  private async send(req: ApiRequest, streaming: boolean): Promise<TransportResponse | TransportStream> {
    const query = req.query?.toString();
    const path = query ? `${req.path}?${query}` : req.path;
    const body = req.body === undefined ? undefined : typeof req.body === 'string' ? req.body : JSON.stringify(req.body);
    const headers = { ...this.baseHeaders, ...(body !== undefined && { 'content-type': req.contentType ?? 'application/json' }) };
    const timeoutMs = req.timeoutMs ?? this.timeoutMs;
    for (let attempt = 0; ; attempt++) {
      let failure: ApiStatusError | TransportError;
      try {
        const transportReq = { method: req.method, path, headers, ...(body !== undefined && { body }), timeoutMs, ...(req.signal && { signal: req.signal }) };
        if (streaming) {
          const res = await this.transport.stream(transportReq);
          if (res.status < 400) return res;
          failure = ApiStatusError.fromResponse(res.status, res.headers, await readBounded(res));
        } else {
          const res = await this.transport.request(transportReq);
          if (res.status < 400) return res;
          failure = ApiStatusError.fromResponse(res.status, res.headers, res.body);
        }
      } catch (err) {
        if (!(err instanceof TransportError)) throw err;
        failure = err;
      }
      const delay = this.retryDelay(failure, req.idempotent, attempt);
      if (delay === undefined) throw failure;
      this.log.debug({ method: req.method, path: req.path, attempt: attempt + 1, delayMs: Math.round(delay), err: failure.message }, 'retrying request');
      await this.clock.sleep(delay, req.signal);
      if (req.signal?.aborted) throw new TransportError('Aborted', `${req.method} ${req.path} aborted`, false, { cause: req.signal.reason });
    }
  }

  /** Milliseconds to wait before retrying, or undefined when the failure is final. */
  private retryDelay(failure: ApiStatusError | TransportError, idempotent: boolean, attempt: number): number | undefined {
    if (attempt >= this.retry.maxRetries) return undefined;
    let retriable: boolean;
    if (failure instanceof TransportError) {
      if (failure.code === 'Timeout' || failure.code === 'Aborted' || failure.code === 'Closed') return undefined;
      retriable = idempotent || !failure.requestSent;
    } else {
      retriable = failure.code === 429 || (idempotent && failure.code >= 500 && failure.code !== 501);
    }
    if (!retriable) return undefined;
    const backoff = backoffDelay(this.retry.backoff, attempt);
    if (failure instanceof ApiStatusError && failure.retryAfterSeconds !== undefined && (failure.code === 429 || failure.code >= 500)) {
      return Math.min(this.retry.maxRetryAfterMs, failure.retryAfterSeconds * 1000);
    }
    return backoff;
  }
}

async function readBounded(res: TransportStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of res.body as AsyncIterable<Buffer>) {
      chunks.push(chunk);
      size += chunk.length;
      if (size > MAX_ERROR_BODY) break;
    }
  } catch {
    // A body cut short still says what it can; the status code is what matters.
  } finally {
    res.close();
  }
  return Buffer.concat(chunks);
}

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
