/**
 * @module apiserver/handlers/watch
 *
 * Serves WATCH requests from the per-resource watch caches: a chunked stream of
 * `{"type":...,"object":...}\n` lines, headers flushed at once (a reflector blocks until it sees
 * them). Semantics as upstream:
 *   - resourceVersion unset or "0": synthetic ADDED for every current match, then changes;
 *   - resourceVersion N: every change after N, or one ERROR 410 Expired when N is too old;
 *   - sendInitialEvents=true (with resourceVersionMatch=NotOlderThan): the current state, then a
 *     BOOKMARK annotated k8s.io/initial-events-end;
 *   - label and field selectors see transitions: an object that stops matching is DELETED for
 *     this watcher, one that starts matching is ADDED;
 *   - allowWatchBookmarks: a BOOKMARK with the current resourceVersion about once a minute;
 *   - timeoutSeconds, else a random 30–60 minutes, then the stream ends cleanly.
 */
import { apiErrors } from '../../api/errors.js';
import type { StoredObject } from '../../api/object.js';
import { groupVersion } from '../../api/resources.js';
import type { ListQuery, ResourceStore } from '../../registry/store.js';
import { parseResourceVersion } from '../../registry/store.js';
import { toTable } from '../printers/index.js';
import { integerParam, negotiate, type RequestContext, type ResponseFormat } from '../http.js';
import { TooOldResourceVersionError, type CacheEntry, type CacheEvent, type WatchCache } from '../watch-cache/watch-cache.js';

export interface WatchServer {
  serve(ctx: RequestContext, store: ResourceStore, namespace: string | undefined, query: ListQuery): Promise<void>;
}

/** Buffered events per watcher before a slow client is cut off (it resumes from its last RV). */
const MAX_PENDING_EVENTS = 10_000;
const BOOKMARK_INTERVAL_MS = 60_000;
const WAIT_FOR_FRESH_RV_MS = 3_000;

type WireType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';

export class CachedWatchServer implements WatchServer {
  constructor(private readonly cacheFor: (store: ResourceStore) => WatchCache) {}

  async serve(ctx: RequestContext, store: ResourceStore, namespace: string | undefined, query: ListQuery): Promise<void> {
    const cache = this.cacheFor(store);
    await cache.ready;
    const params = ctx.query;
    const format = negotiate(ctx.req, params);
    const sendInitialEvents = params.get('sendInitialEvents') === 'true';
    if (sendInitialEvents && query.resourceVersionMatch !== 'NotOlderThan') {
      throw apiErrors.invalid('ListOptions', 'meta.k8s.io', '', [
        { type: 'FieldValueForbidden', field: 'resourceVersionMatch', detail: "sendInitialEvents requires setting resourceVersionMatch to NotOlderThan" },
      ]);
    }
    const requested = parseResourceVersion(query.resourceVersion);
    const timeoutSeconds = integerParam(params, 'timeoutSeconds') ?? 1800 + Math.floor(Math.random() * 1800);
    const bookmarks = params.get('allowWatchBookmarks') === 'true';
    if (requested > cache.resourceVersion && !(await cache.waitFor(requested, WAIT_FOR_FRESH_RV_MS))) {
      throw apiErrors.timeout(`Too large resource version: ${requested}, current: ${cache.resourceVersion}`);
    }

    const keyPrefix = store.prefix(namespace);
    const inScope = (obj: StoredObject) => namespace === undefined || obj.metadata.namespace === namespace;
    const matches = (obj: StoredObject | undefined) => obj !== undefined && inScope(obj) && store.matches(obj, query);
    const writer = new EventWriter(ctx, store, format);

    ctx.res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-cache, private' });
    if ('flushHeaders' in ctx.res && typeof ctx.res.flushHeaders === 'function') ctx.res.flushHeaders();

    const synthetic = requested === 0 || sendInitialEvents;
    let from = requested;
    if (synthetic) {
      from = cache.resourceVersion;
      for (const entry of cache.snapshot(keyPrefix)) if (matches(entry.object)) writer.write('ADDED', entry);
      if (sendInitialEvents) writer.bookmark(from, true);
    }

    let lastRevision = from;
    let unsubscribe: () => void = () => {};
    const finished = new Promise<void>((resolve) => {
      const end = () => {
        unsubscribe();
        clearTimeout(timeout);
        clearInterval(bookmarkTimer);
        writer.end();
        resolve();
      };
      const timeout = setTimeout(end, timeoutSeconds * 1000);
      const bookmarkTimer = bookmarks ? setInterval(() => writer.bookmark(Math.max(lastRevision, cache.resourceVersion), false), BOOKMARK_INTERVAL_MS) : undefined;
      ctx.signal.addEventListener('abort', end, { once: true });
      try {
        unsubscribe = cache.subscribe(from, {
          onEvent: (ev: CacheEvent) => {
            lastRevision = ev.revision;
            const type = transition(ev, matches);
            if (type) writer.write(type, ev.entry);
            if (writer.pending > MAX_PENDING_EVENTS) end();
          },
          onTerminate: end,
        });
      } catch (err) {
        if (err instanceof TooOldResourceVersionError) {
          writer.error(apiErrors.gone(err.message).toStatus());
          end();
        } else throw err;
      }
    });
    await finished;
  }
}

/** What this watcher sees of a cache event, given its selectors. */
function transition(ev: CacheEvent, matches: (obj: StoredObject | undefined) => boolean): WireType | undefined {
  const now = ev.type !== 'DELETED' && matches(ev.object);
  const before = matches(ev.prevObject);
  if (ev.type === 'DELETED') return before ? 'DELETED' : undefined;
  if (now && before) return 'MODIFIED';
  if (now) return 'ADDED';
  if (before) return 'DELETED';
  return undefined;
}

/** Serialises events onto the response, as JSON objects or one-row Tables. */
class EventWriter {
  private headersSent = false;
  pending = 0;

  constructor(
    private readonly ctx: RequestContext,
    private readonly store: ResourceStore,
    private readonly format: ResponseFormat,
  ) {}

  write(type: WireType, entry: CacheEntry): void {
    if (this.format.kind === 'table') {
      const obj = entry.object;
      const object = toTable({ group: this.store.info.group, resource: this.store.info.plural }, [obj], {
        now: Date.now(),
        resourceVersion: obj.metadata.resourceVersion ?? '',
        includeObject: this.format.includeObject,
        noHeaders: this.headersSent,
      });
      this.headersSent = true;
      return this.send({ type, object });
    }
    // The object's JSON is shared by every watcher of this event.
    this.sendLine(`{"type":"${type}","object":${entry.json()}}\n`);
  }

  bookmark(revision: number, initialEventsEnd: boolean): void {
    this.send({
      type: 'BOOKMARK',
      object: {
        kind: this.store.info.kind,
        apiVersion: groupVersion(this.store.info),
        metadata: {
          resourceVersion: String(revision),
          ...(initialEventsEnd && { annotations: { 'k8s.io/initial-events-end': 'true' } }),
        },
      },
    });
  }

  error(status: unknown): void {
    this.send({ type: 'ERROR', object: status });
  }

  end(): void {
    if (!this.ctx.res.writableEnded) this.ctx.res.end();
  }

  private send(event: { type: WireType; object: unknown }): void {
    this.sendLine(`${JSON.stringify(event)}\n`);
  }

  private sendLine(line: string): void {
    if (this.ctx.res.writableEnded) return;
    const flushed = (this.ctx.res as NodeJS.WritableStream).write(line);
    if (!flushed) {
      // One 'drain' listener per blocked stretch, not one per blocked write.
      if (this.pending === 0) this.ctx.res.once('drain', () => (this.pending = 0));
      this.pending++;
    }
  }
}
