/**
 * @module client/cache/shared-informer
 *
 * A shared informer (client-go's sharedIndexInformer), assembled from the stages of this folder:
 *
 *     reflector ──► DeltaFIFO ──► processDeltas ──► indexer (the lister's view)
 *     (list/watch)   (unbounded)        │
 *                                       └──► one ProcessorListener per handler, each with its own
 *                                            unbounded buffer ──► onAdd / onUpdate(old, new) / onDelete
 *
 * No stage waits for a later one: the reflector appends to the FIFO, processing appends to the
 * listeners' buffers, and only a listener waits for its own handler. `run(signal)` starts it all
 * and resolves once everything has stopped; it rejects if a handler threw (the informer then
 * stops: an exception in a handler is a bug to see, not to skip).
 */
import type { KubeObject } from '../../api/object.js';
import { createLogger, type Logger } from '../../log.js';
import type { BackoffOptions } from '../backoff.js';
import type { Clock } from '../clock.js';
import { DeltaFIFO, DeletedFinalStateUnknown, type Delta } from './delta-fifo.js';
import type { ListerWatcher } from './list-watch.js';
import { ProcessorListener, type EventHandler, type HandlerError, type Notification } from './processor-listener.js';
import { Reflector } from './reflector.js';
import { Indexer, NAMESPACE_INDEX, metaNamespaceIndexFunc, type Indexers } from './store.js';

export interface SharedInformerOptions<T extends KubeObject> {
  readonly listWatch: ListerWatcher<T>;
  /** For logs, e.g. "pods". */
  readonly name: string;
  /** Extra indexes besides "namespace". */
  readonly indexers?: Indexers<T>;
  /** Periodic resync: every stored object is redelivered as onUpdate(obj, obj). 0 (default) = off. */
  readonly resyncPeriodMs?: number;
  /** Passed to the reflector (see ReflectorOptions). */
  readonly pageSize?: number;
  readonly minWatchTimeoutSeconds?: number;
  readonly backoff?: BackoffOptions;
  readonly watchBackoff?: BackoffOptions;
  readonly clock?: Clock;
  readonly log?: Logger;
}

export interface HandlerRegistration {
  /** Stops delivering to this handler. */
  remove(): void;
  /** Notifications still buffered for this handler. */
  readonly pending: number;
  /**
   * Resolves true once the informer has synced and this handler has been handed everything of
   * its first list (client-go's registration HasSynced); false if the signal aborts first.
   */
  waitForSync(signal: AbortSignal): Promise<boolean>;
}

export class SharedInformer<T extends KubeObject = KubeObject> {
  /** The informer's current view of the objects; read-only for everyone else. */
  readonly indexer: Indexer<T>;
  private readonly fifo: DeltaFIFO<T>;
  private readonly reflector: Reflector<T>;
  private readonly listeners = new Set<ProcessorListener<T>>();
  private readonly listenerRuns = new Map<ProcessorListener<T>, Promise<void>>();
  private readonly log: Logger;
  private started = false;
  private stop: AbortController | undefined;
  private failure: HandlerError | undefined;
  private handlerCount = 0;
  private stopped = false;
  /** waitForSync calls to wake when the informer stops before syncing. */
  private readonly stopWaiters = new Set<() => void>();

  constructor(private readonly options: SharedInformerOptions<T>) {
    this.log = (options.log ?? createLogger('client')).child({ informer: options.name });
    this.indexer = new Indexer<T>({ [NAMESPACE_INDEX]: metaNamespaceIndexFunc, ...options.indexers });
    this.fifo = new DeltaFIFO<T>({ knownObjects: this.indexer });
    this.reflector = new Reflector<T>({
      name: options.name,
      listWatch: options.listWatch,
      store: this.fifo,
      ...(options.resyncPeriodMs !== undefined && { resyncPeriodMs: options.resyncPeriodMs }),
      ...(options.pageSize !== undefined && { pageSize: options.pageSize }),
      ...(options.minWatchTimeoutSeconds !== undefined && { minWatchTimeoutSeconds: options.minWatchTimeoutSeconds }),
      ...(options.backoff && { backoff: options.backoff }),
      ...(options.watchBackoff && { watchBackoff: options.watchBackoff }),
      ...(options.clock && { clock: options.clock }),
      log: this.log,
    });
  }

  /**
   * Adds a handler with its own buffer. Added after the informer started, it first receives
   * every object already in the cache as onAdd (as client-go does).
   */
  addEventHandler(handler: EventHandler<T>, name = `handler-${++this.handlerCount}`): HandlerRegistration {
    const listener = new ProcessorListener<T>(name, handler, (err) => this.fail(err));
    this.listeners.add(listener);
    if (this.started) {
      for (const obj of this.indexer.list()) listener.add({ kind: 'add', obj, isInInitialList: true });
      if (this.stop) this.listenerRuns.set(listener, listener.run(this.stop.signal));
    }
    return {
      remove: () => {
        listener.stop();
        this.listeners.delete(listener);
      },
      get pending() {
        return listener.pending;
      },
      waitForSync: async (signal) => (await this.waitForSync(signal)) && listener.whenIdle(signal),
    };
  }

  /** True once the first list has been processed into the indexer and handed to every handler's buffer. */
  hasSynced(): boolean {
    return this.fifo.hasSynced();
  }

  /** Resolves true once synced, false if the signal aborts (or the informer stops) first. */
  async waitForSync(signal: AbortSignal): Promise<boolean> {
    if (this.hasSynced()) return true;
    if (signal.aborted || this.stopped) return false;
    let onAbort = () => {};
    const aborted = new Promise<void>((resolve) => {
      onAbort = resolve;
      signal.addEventListener('abort', onAbort, { once: true });
      this.stopWaiters.add(onAbort);
    });
    try {
      await Promise.race([this.fifo.synced, aborted]);
    } finally {
      signal.removeEventListener('abort', onAbort);
      this.stopWaiters.delete(onAbort);
    }
    return this.hasSynced();
  }

  get lastSyncResourceVersion(): string {
    return this.reflector.lastSyncResourceVersion;
  }

  /** Lists done by the reflector so far (1 + relists). */
  get lists(): number {
    return this.reflector.lists;
  }

  /** Runs until the signal aborts; rejects with a `HandlerError` if a handler threw. */
  async run(signal: AbortSignal): Promise<void> {
    if (this.started) throw new Error(`informer ${this.options.name} was already started`);
    this.started = true;
    const stop = new AbortController();
    this.stop = stop;
    const onAbort = () => stop.abort();
    signal.addEventListener('abort', onAbort, { once: true });
    if (signal.aborted) stop.abort();
    for (const listener of this.listeners) this.listenerRuns.set(listener, listener.run(stop.signal));
    const reflector = this.reflector.run(stop.signal);
    try {
      while (!stop.signal.aborted) {
        if (!(await this.fifo.pop(stop.signal, (deltas) => this.processDeltas(deltas)))) break;
      }
    } finally {
      stop.abort();
      signal.removeEventListener('abort', onAbort);
      this.fifo.close();
      await reflector;
      await Promise.all(this.listenerRuns.values());
      this.stopped = true;
      for (const wake of this.stopWaiters) wake();
    }
    if (this.failure) throw this.failure;
  }

  private fail(err: HandlerError): void {
    this.log.error({ err: err.cause instanceof Error ? err.cause : err, handler: err.handler, event: err.notification }, 'event handler threw; stopping the informer');
    this.failure ??= err;
    this.stop?.abort();
  }

  /** client-go's processDeltas: update the indexer, then tell every handler. */
  private processDeltas(deltas: readonly Delta<T>[]): void {
    const initial = !this.fifo.hasSynced();
    for (const delta of deltas) {
      if (delta.type === 'Deleted') {
        const obj = delta.object;
        const key = obj instanceof DeletedFinalStateUnknown ? obj.key : this.indexer.keyFunc(obj);
        this.indexer.deleteKey(key);
        this.distribute({ kind: 'delete', obj });
        continue;
      }
      const obj = delta.object as T;
      const old = this.indexer.get(obj);
      if (old === undefined) {
        this.indexer.add(obj);
        this.distribute({ kind: 'add', obj, isInInitialList: initial });
        continue;
      }
      this.indexer.update(obj);
      // A relist that finds an object unchanged is not a change; a Sync delta is a resync.
      const unchanged = delta.type === 'Replaced' && old.metadata?.resourceVersion === obj.metadata?.resourceVersion;
      if (!unchanged) this.distribute({ kind: 'update', oldObj: old, newObj: obj });
    }
  }

  private distribute(n: Notification<T>): void {
    for (const listener of this.listeners) listener.add(n);
  }
}

/** Resolves true once every informer has synced; false if the signal aborts first. */
export async function waitForCacheSync(signal: AbortSignal, ...informers: readonly { waitForSync(signal: AbortSignal): Promise<boolean> }[]): Promise<boolean> {
  const results = await Promise.all(informers.map((i) => i.waitForSync(signal)));
  return results.every(Boolean);
}
