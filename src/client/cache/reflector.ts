/**
 * @module client/cache/reflector
 *
 * Keeps a store in step with the server (client-go's Reflector): list, then watch from the list's
 * resourceVersion, feeding every change into the store (a DeltaFIFO in an informer); retries
 * forever with backoff, and runs until its signal aborts.
 *
 * Which resourceVersion a (re)list asks for, as client-go's relistResourceVersion:
 *   - the first list: "0" — any recent state will do, the server can answer from its cache;
 *   - later lists: the last resourceVersion seen (lastSyncResourceVersion), never older state;
 *   - after a list answered 410 Expired (or "too large resource version"): "" — a fresh read.
 * Watches resume from the last resourceVersion seen, bookmarks included (`ResumingWatch`); only a
 * 410 from the watch makes the reflector relist, and the relist's `replace` turns objects that
 * vanished meanwhile into deletes.
 *
 * Paging: lists are paged (`pageSize`) only when asked for "" or when pageSize is set explicitly;
 * a list from "0" or a resourceVersion is left unpaged so the server can serve it from its watch
 * cache instead of storage, as client-go does.
 */
import type { KubeObject } from '../../api/object.js';
import { createLogger, type Logger } from '../../log.js';
import { Backoff, type BackoffOptions } from '../backoff.js';
import { realClock, type Clock } from '../clock.js';
import { isResourceExpired, isTooLargeResourceVersion } from '../errors.js';
import { ResumingWatch } from '../watch.js';
import type { ListerWatcher } from './list-watch.js';

/** Where a reflector writes; the DeltaFIFO implements it. */
export interface ReflectorStore<T> {
  add(obj: T): void;
  update(obj: T): void;
  delete(obj: T): void;
  replace(list: readonly T[], resourceVersion: string): void;
  resync(): void;
}

export interface ReflectorOptions<T extends KubeObject> {
  /** For logs: usually the resource, e.g. "configmaps". */
  readonly name: string;
  readonly listWatch: ListerWatcher<T>;
  readonly store: ReflectorStore<T>;
  /** Periodic resync of the store; 0 (default) = off. */
  readonly resyncPeriodMs?: number;
  /** Explicit page size: lists are then always paged (client-go's WatchListPageSize). */
  readonly pageSize?: number;
  /** Watches ask the server to end them after a random 1–2× this; default 300 s (client-go's 5 min). */
  readonly minWatchTimeoutSeconds?: number;
  /** Backoff between failed list/watch cycles; default 800 ms → 30 s (client-go's). */
  readonly backoff?: BackoffOptions;
  /** Backoff between resumptions of a broken watch; default 500 ms → 30 s. */
  readonly watchBackoff?: BackoffOptions;
  readonly clock?: Clock;
  readonly random?: () => number;
  readonly log?: Logger;
}

/** The page size used for lists from "" when none is configured (client-go's default 500). */
const DEFAULT_PAGE_SIZE = 500;
/** How long after its timeoutSeconds a watch the server has not ended is considered dead. */
const WATCH_DEADLINE_GRACE_MS = 30_000;

export class Reflector<T extends KubeObject> {
  private lastSyncRV = '';
  private lastSyncRVUnavailable = false;
  private listCount = 0;
  private readonly log: Logger;
  private readonly clock: Clock;

  constructor(private readonly options: ReflectorOptions<T>) {
    this.log = (options.log ?? createLogger('client')).child({ reflector: options.name });
    this.clock = options.clock ?? realClock;
  }

  /** The resourceVersion of the last list or watch event processed. */
  get lastSyncResourceVersion(): string {
    return this.lastSyncRV;
  }

  /** Lists done so far (the first one included). */
  get lists(): number {
    return this.listCount;
  }

  /** Lists and watches until the signal aborts; resolves once everything has stopped. */
  async run(signal: AbortSignal): Promise<void> {
    const backoff = new Backoff(this.options.backoff ?? { initialMs: 800, maxMs: 30_000, random: this.options.random ?? Math.random });
    while (!signal.aborted) {
      try {
        await this.list(signal);
        if (signal.aborted) break;
        backoff.reset();
        await this.watch(signal);
      } catch (err) {
        if (signal.aborted) break;
        const delay = backoff.next();
        this.log.warn({ err: (err as Error).message, resourceVersion: this.lastSyncRV, delayMs: Math.round(delay) }, 'list/watch failed; retrying');
        await this.clock.sleep(delay, signal);
      }
    }
  }

  /** client-go's relistResourceVersion. */
  private relistResourceVersion(): string {
    if (this.lastSyncRVUnavailable) return '';
    return this.lastSyncRV === '' ? '0' : this.lastSyncRV;
  }

  private async list(signal: AbortSignal): Promise<void> {
    const rv = this.relistResourceVersion();
    let result: { items: T[]; resourceVersion: string };
    try {
      result = await this.listAll(rv, signal);
    } catch (err) {
      if (!(isResourceExpired(err) || isTooLargeResourceVersion(err)) || rv === '') throw err;
      // The state we asked for is gone (or not there yet): read the current state instead.
      this.log.info({ resourceVersion: rv, err: (err as Error).message }, 'relist resourceVersion unavailable; listing the current state');
      this.lastSyncRVUnavailable = true;
      result = await this.listAll('', signal);
    }
    this.listCount++;
    this.options.store.replace(result.items, result.resourceVersion);
    this.lastSyncRV = result.resourceVersion;
    this.lastSyncRVUnavailable = false;
    this.log.debug({ resourceVersion: rv, listed: result.items.length, listResourceVersion: result.resourceVersion }, 'listed');
  }

  private async listAll(rv: string, signal: AbortSignal): Promise<{ items: T[]; resourceVersion: string }> {
    const { listWatch, pageSize } = this.options;
    const paged = pageSize !== undefined ? pageSize > 0 : rv === '';
    const limit = paged ? (pageSize ?? DEFAULT_PAGE_SIZE) : undefined;
    const items: T[] = [];
    let resourceVersion = '';
    let next: string | undefined;
    do {
      const page = await listWatch.list({
        ...(next ? { continue: next } : { ...(rv !== '' && { resourceVersion: rv }) }),
        ...(limit !== undefined && { limit }),
        signal,
      });
      if (next === undefined) resourceVersion = page.metadata.resourceVersion ?? '';
      items.push(...page.items);
      next = page.metadata.continue || undefined;
    } while (next !== undefined && !signal.aborted);
    if (!resourceVersion) throw new Error('the list answer carries no resourceVersion');
    return { items, resourceVersion };
  }

  /** Watches from the last sync point; returns when the server says 410 (relist), throws otherwise. */
  private async watch(signal: AbortSignal): Promise<void> {
    const { listWatch, store, resyncPeriodMs = 0, minWatchTimeoutSeconds = 300 } = this.options;
    const random = this.options.random ?? Math.random;
    const watch = new ResumingWatch<T>((resourceVersion, s) => {
      const timeoutSeconds = Math.floor(minWatchTimeoutSeconds * (1 + random()));
      return listWatch.watch({
        resourceVersion,
        allowWatchBookmarks: true,
        timeoutSeconds,
        // Should the server never end it (and no health check catch a dead connection), give up ourselves.
        clientDeadlineMs: timeoutSeconds * 1000 + WATCH_DEADLINE_GRACE_MS,
        signal: s,
      });
    },
      {
        resourceVersion: this.lastSyncRV,
        signal,
        emitBookmarks: true,
        ...(this.options.watchBackoff && { backoff: this.options.watchBackoff }),
        clock: this.clock,
        log: this.log,
      },
    );
    let resync: { cancel(): void } | undefined;
    const scheduleResync = () => {
      resync = this.clock.setTimeout(() => {
        if (signal.aborted) return;
        store.resync();
        scheduleResync();
      }, resyncPeriodMs);
    };
    if (resyncPeriodMs > 0) scheduleResync();
    try {
      for await (const event of watch) {
        switch (event.type) {
          case 'ADDED':
            store.add(event.object);
            break;
          case 'MODIFIED':
            store.update(event.object);
            break;
          case 'DELETED':
            store.delete(event.object);
            break;
          case 'BOOKMARK':
            break;
        }
        this.lastSyncRV = watch.resourceVersion;
      }
    } catch (err) {
      if (!isResourceExpired(err)) throw err;
      // History is gone: relist from the last RV we have (the server may still serve that, or
      // newer); a list that is itself too old falls back to "" above.
      this.lastSyncRV = watch.resourceVersion;
      this.log.info({ resourceVersion: this.lastSyncRV, err: (err as Error).message }, 'watch expired; relisting');
    } finally {
      resync?.cancel();
    }
  }
}
