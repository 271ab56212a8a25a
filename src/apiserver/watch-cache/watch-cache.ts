/**
 * @module apiserver/watch-cache/watch-cache
 *
 * One in-memory cache per resource, fed by ONE storage watch, serving every API watcher of that
 * resource (upstream's cacher). It keeps the current objects and a sliding window of recent
 * events, so a watcher that reconnects with a recent resourceVersion resumes without touching
 * storage; one older than the window gets 410 Expired and relists.
 *
 * The storage watch is re-established by itself after a failure (from the last revision applied),
 * so API watchers never see a storage hiccup; only when storage history is gone (compacted) does
 * the cache relist, and then it ends its subscribers so they resume against the new state.
 */
import type { StoredObject } from '../../api/object.js';
import type { Logger } from '../../log.js';
import { decodeObject } from '../../registry/codec.js';
import { isStorageError } from '../../storage/errors.js';
import type { KV } from '../../storage/interface.js';
import { sleep } from '../../util/sleep.js';

export type CacheEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

/**
 * An object as the cache holds it, with its JSON encoding computed at most once however many
 * watchers and LISTs send it (1,000 watchers must not mean 1,000 JSON.stringify calls per event).
 */
export interface CacheEntry {
  readonly object: StoredObject;
  json(): string;
}

export function cacheEntry(object: StoredObject): CacheEntry {
  let encoded: string | undefined;
  return { object, json: () => (encoded ??= JSON.stringify(object)) };
}

export interface CacheEvent {
  readonly type: CacheEventType;
  readonly entry: CacheEntry;
  readonly object: StoredObject;
  /** The object before the event (MODIFIED and DELETED). */
  readonly prevObject: StoredObject | undefined;
  readonly revision: number;
}

export interface CacheSubscriber {
  /** Called in revision order; must not block. */
  onEvent(event: CacheEvent): void;
  /** Called when the cache advanced without a matching event (for bookmarks). */
  onProgress?(revision: number): void;
  /** The cache can no longer serve this subscriber in order; it must re-watch. */
  onTerminate(reason: string): void;
}

export interface WatchCacheOptions {
  readonly kv: KV;
  readonly prefix: string;
  /** Stamps apiVersion and kind onto decoded objects. */
  readonly typed: (obj: StoredObject) => StoredObject;
  readonly log: Logger;
  /** Events kept for resuming watchers (upstream sizes its window dynamically; 10k is generous). */
  readonly capacity?: number;
}

export class TooOldResourceVersionError extends Error {
  override readonly name = 'TooOldResourceVersionError';
  constructor(
    readonly requested: number,
    readonly oldest: number,
  ) {
    super(`too old resource version: ${requested} (${oldest})`);
  }
}

const RETRY_DELAY_MS = 500;

export class WatchCache {
  private readonly objects = new Map<string, CacheEntry>();
  private readonly window: CacheEvent[] = [];
  private readonly subscribers = new Set<CacheSubscriber>();
  private readonly capacity: number;
  /** The newest storage revision the cache reflects. */
  private revision = 0;
  /** Watchers may resume from any revision >= this one. */
  private oldestResumable = 0;
  private readyResolve!: () => void;
  readonly ready: Promise<void> = new Promise((resolve) => (this.readyResolve = resolve));
  private progressWaiters: { revision: number; resolve: () => void }[] = [];

  constructor(private readonly options: WatchCacheOptions) {
    this.capacity = options.capacity ?? 10_000;
  }

  get resourceVersion(): number {
    return this.revision;
  }

  /** Runs until the signal aborts: list, then watch, relisting only when history is gone. */
  async run(signal: AbortSignal): Promise<void> {
    const { kv, prefix, log } = this.options;
    let needList = true;
    while (!signal.aborted) {
      try {
        if (needList) {
          await this.relist();
          needList = false;
        }
        const onProgress = (revision: number) => this.advanceTo(revision);
        for await (const ev of kv.watch(prefix, { startRevision: this.revision + 1, signal, onProgress })) {
          const object = this.options.typed(decodeObject(ev.type === 'delete' ? { ...ev.prevKv!, modRevision: ev.kv.modRevision } : ev.kv));
          const prev = this.objects.get(ev.kv.key);
          const entry = cacheEntry(object);
          if (ev.type === 'delete') this.objects.delete(ev.kv.key);
          else this.objects.set(ev.kv.key, entry);
          this.append({
            type: ev.type === 'delete' ? 'DELETED' : prev ? 'MODIFIED' : 'ADDED',
            entry,
            object,
            prevObject: prev?.object,
            revision: ev.kv.modRevision,
          });
        }
      } catch (err) {
        if (signal.aborted) break;
        if (isStorageError(err, 'Compacted')) needList = true;
        log.warn({ err, prefix, revision: this.revision }, needList ? 'watch cache lost its history; relisting' : 'storage watch broke; resuming');
        await sleep(RETRY_DELAY_MS, signal);
      }
    }
    for (const sub of this.subscribers) sub.onTerminate('the server is shutting down');
    this.subscribers.clear();
  }

  private async relist(): Promise<void> {
    const { kv, prefix } = this.options;
    const fresh = new Map<string, CacheEntry>();
    let after: string | undefined;
    let revision = 0;
    for (;;) {
      const page = await kv.list(prefix, { limit: 1000, ...(after && { after }), ...(revision && { revision }) });
      revision = page.revision;
      for (const kv1 of page.kvs) fresh.set(kv1.key, cacheEntry(this.options.typed(decodeObject(kv1))));
      if (!page.more) break;
      after = page.kvs.at(-1)!.key;
    }
    const hadState = this.revision > 0;
    this.objects.clear();
    for (const [k, v] of fresh) this.objects.set(k, v);
    this.window.length = 0;
    this.revision = revision;
    this.oldestResumable = revision;
    if (hadState) {
      // Subscribers' positions refer to history that no longer exists; they must start over.
      for (const sub of this.subscribers) sub.onTerminate('the watch cache was reinitialised');
      this.subscribers.clear();
    }
    this.readyResolve();
    this.notifyProgress();
  }

  /** Storage reached `revision` with no more events for this resource: the cache is that fresh. */
  private advanceTo(revision: number): void {
    if (revision <= this.revision) return;
    this.revision = revision;
    this.notifyProgress();
  }

  private append(event: CacheEvent): void {
    this.window.push(event);
    if (this.window.length > this.capacity) {
      const dropped = this.window.splice(0, this.window.length - this.capacity);
      this.oldestResumable = dropped.at(-1)!.revision;
    }
    this.revision = event.revision;
    for (const sub of this.subscribers) sub.onEvent(event);
    this.notifyProgress();
  }

  /** The current objects under a prefix (a namespace, or all), in key order, as of `resourceVersion`. */
  snapshot(keyPrefix: string): CacheEntry[] {
    const keys: string[] = [];
    for (const key of this.objects.keys()) if (key.startsWith(keyPrefix)) keys.push(key);
    keys.sort();
    return keys.map((k) => this.objects.get(k)!);
  }

  /**
   * Subscribes from `fromRevision` (exclusive): first the buffered events after it, then live ones.
   * Throws TooOldResourceVersionError when the window no longer reaches back that far.
   */
  subscribe(fromRevision: number, subscriber: CacheSubscriber): () => void {
    if (fromRevision < this.oldestResumable) throw new TooOldResourceVersionError(fromRevision, this.oldestResumable + 1);
    for (const ev of this.window) if (ev.revision > fromRevision) subscriber.onEvent(ev);
    this.subscribers.add(subscriber);
    return () => this.subscribers.delete(subscriber);
  }

  /** Resolves once the cache has caught up to `revision`, or rejects after `timeoutMs`. */
  waitFor(revision: number, timeoutMs: number): Promise<boolean> {
    if (this.revision >= revision) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.progressWaiters = this.progressWaiters.filter((w) => w !== waiter);
        resolve(false);
      }, timeoutMs);
      const waiter = { revision, resolve: () => (clearTimeout(timer), resolve(true)) };
      this.progressWaiters.push(waiter);
    });
  }

  /** Lets subscribers know how far the cache has got (bookmarks). */
  tick(): void {
    for (const sub of this.subscribers) sub.onProgress?.(this.revision);
  }

  private notifyProgress(): void {
    if (this.progressWaiters.length === 0) return;
    const done = this.progressWaiters.filter((w) => w.revision <= this.revision);
    this.progressWaiters = this.progressWaiters.filter((w) => w.revision > this.revision);
    for (const w of done) w.resolve();
  }
}

