/**
 * @module client/cache/delta-fifo
 *
 * The queue between the reflector and the informer's processing (client-go's DeltaFIFO): per
 * object key, the list of changes (deltas) not yet processed, keys in arrival order. The
 * reflector only ever appends, so it is never held up by processing; `pop` hands out one key's
 * deltas at a time.
 *
 * `replace` (a relist) queues the listed objects as Replaced, and for every object the store
 * (`knownObjects`) or the queue still has but the list does not, a Deleted delta carrying
 * `DeletedFinalStateUnknown`: the object was deleted while we were not watching, and its final
 * state is unknown. `hasSynced` is true once everything from the first replace has been popped
 * and processed.
 */
import type { KubeObject } from '../../api/object.js';
import { metaNamespaceKey, type KeyFunc, type KeyListerGetter } from './store.js';

export type DeltaType = 'Added' | 'Updated' | 'Deleted' | 'Replaced' | 'Sync';

/** An object deleted while the watch was down; `obj` is the last state the cache had. */
export class DeletedFinalStateUnknown<T> {
  constructor(
    readonly key: string,
    readonly obj: T,
  ) {}
}

export interface Delta<T> {
  readonly type: DeltaType;
  readonly object: T | DeletedFinalStateUnknown<T>;
}

export interface DeltaFIFOOptions<T> {
  readonly knownObjects: KeyListerGetter<T>;
  readonly keyFunc?: KeyFunc<T>;
}

export class DeltaFIFO<T extends KubeObject = KubeObject> {
  private readonly items = new Map<string, Delta<T>[]>();
  /** Keys in the order they are to be popped; a key appears at most once. */
  private queue: string[] = [];
  private head = 0;
  private populated = false;
  private initialPopulationCount = 0;
  private closed = false;
  private waiter: (() => void) | undefined;
  private readonly keyFunc: KeyFunc<T>;
  private markSynced!: () => void;
  /** Resolves once `hasSynced()` is true. */
  readonly synced: Promise<void> = new Promise((resolve) => (this.markSynced = resolve));

  constructor(private readonly options: DeltaFIFOOptions<T>) {
    this.keyFunc = options.keyFunc ?? metaNamespaceKey;
  }

  add(obj: T): void {
    this.populated = true;
    this.queueAction('Added', obj);
    this.checkSynced();
  }

  update(obj: T): void {
    this.populated = true;
    this.queueAction('Updated', obj);
    this.checkSynced();
  }

  /** Queues a delete, unless neither the store nor the queue knows the object. */
  delete(obj: T | DeletedFinalStateUnknown<T>): void {
    const key = this.keyOf(obj);
    this.populated = true;
    this.checkSynced();
    if (!this.items.has(key) && this.options.knownObjects.getByKey(key) === undefined) return;
    this.queueAction('Deleted', obj);
  }

  /** A relist: the listed objects are the whole truth now. */
  replace(list: readonly T[], _resourceVersion: string): void {
    const keys = new Set<string>();
    for (const obj of list) {
      keys.add(this.keyFunc(obj));
      this.queueAction('Replaced', obj);
    }
    let queuedDeletions = 0;
    // Queued but never stored, and gone from the list: deleted while we were disconnected.
    for (const [key, deltas] of this.items) {
      if (keys.has(key)) continue;
      const newest = deltas.at(-1);
      if (!newest || newest.type === 'Deleted') continue;
      queuedDeletions++;
      this.queueAction('Deleted', new DeletedFinalStateUnknown(key, unwrap(newest.object)));
    }
    for (const key of this.options.knownObjects.listKeys()) {
      if (keys.has(key) || this.items.has(key)) continue;
      const last = this.options.knownObjects.getByKey(key);
      if (last === undefined) continue;
      queuedDeletions++;
      this.queueAction('Deleted', new DeletedFinalStateUnknown(key, last));
    }
    if (!this.populated) {
      this.populated = true;
      this.initialPopulationCount = keys.size + queuedDeletions;
    }
    this.checkSynced();
  }

  /** Queues a Sync for every stored object that has nothing pending (periodic resync). */
  resync(): void {
    for (const key of this.options.knownObjects.listKeys()) {
      if (this.items.has(key)) continue;
      const obj = this.options.knownObjects.getByKey(key);
      if (obj !== undefined) this.queueAction('Sync', obj);
    }
  }

  /**
   * Waits for a key with deltas, removes it and runs `process` on its deltas (synchronously, so
   * nothing can observe the queue between the pop and the store update). Resolves false when the
   * signal aborts or the queue is closed.
   */
  async pop(signal: AbortSignal, process: (deltas: readonly Delta<T>[]) => void): Promise<boolean> {
    while (this.head === this.queue.length) {
      if (this.closed || signal.aborted) return false;
      await new Promise<void>((resolve) => {
        const wake = () => {
          signal.removeEventListener('abort', wake);
          this.waiter = undefined;
          resolve();
        };
        this.waiter = wake;
        signal.addEventListener('abort', wake, { once: true });
      });
    }
    const key = this.queue[this.head++]!;
    if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
    const deltas = this.items.get(key) ?? [];
    this.items.delete(key);
    try {
      process(deltas);
    } finally {
      if (this.initialPopulationCount > 0) this.initialPopulationCount--;
      this.checkSynced();
    }
    return true;
  }

  /** Wakes a waiting pop, which then returns false. */
  close(): void {
    this.closed = true;
    this.waiter?.();
  }

  /** True once the first replace (or add/update/delete) has been fully processed. */
  hasSynced(): boolean {
    return this.populated && this.initialPopulationCount === 0;
  }

  private checkSynced(): void {
    if (this.hasSynced()) this.markSynced();
  }

  /** Keys with pending deltas. */
  get length(): number {
    return this.queue.length - this.head;
  }

  private queueAction(type: DeltaType, obj: T | DeletedFinalStateUnknown<T>): void {
    const key = this.keyOf(obj);
    const existing = this.items.get(key);
    const deltas = existing ?? [];
    const last = deltas.at(-1);
    // Two deletes in a row say the same thing: keep the one with more information.
    if (type === 'Deleted' && last?.type === 'Deleted') {
      if (last.object instanceof DeletedFinalStateUnknown && !(obj instanceof DeletedFinalStateUnknown)) deltas[deltas.length - 1] = { type, object: obj };
    } else {
      deltas.push({ type, object: obj });
    }
    if (!existing) {
      this.items.set(key, deltas);
      this.queue.push(key);
      this.waiter?.();
    }
  }

  private keyOf(obj: T | DeletedFinalStateUnknown<T>): string {
    return obj instanceof DeletedFinalStateUnknown ? obj.key : this.keyFunc(obj);
  }
}

function unwrap<T>(obj: T | DeletedFinalStateUnknown<T>): T {
  return obj instanceof DeletedFinalStateUnknown ? obj.obj : obj;
}
