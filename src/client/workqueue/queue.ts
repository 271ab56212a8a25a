/**
 * @module client/workqueue/queue
 *
 * client-go's work queue, with its invariants:
 *   - an item is queued at most once, however often it is added before a worker takes it (dirty);
 *   - an item is never handed to two workers at once: added while being processed, it is only
 *     marked dirty, and `done` puts it back in the queue (processing);
 *   - after `shutDown`, adds are ignored and `get` hands out what is left, then reports shutdown.
 * Items are compared with `===` (use string keys such as "namespace/name").
 */

export type GetResult<T> = { readonly item: T; readonly shutdown: false } | { readonly item: undefined; readonly shutdown: true };

export class WorkQueue<T = string> {
  private queue: T[] = [];
  private head = 0;
  private readonly dirty = new Set<T>();
  private readonly processing = new Set<T>();
  private waiters: (() => void)[] = [];
  private drainWaiters: (() => void)[] = [];
  private shutdownRequested = false;

  add(item: T): void {
    if (this.shutdownRequested || this.dirty.has(item)) return;
    this.dirty.add(item);
    if (this.processing.has(item)) return;
    this.queue.push(item);
    this.waiters.shift()?.();
  }

  /** Waits for an item; the caller must call `done(item)` when finished with it. */
  async get(): Promise<GetResult<T>> {
    while (this.head === this.queue.length) {
      if (this.shutdownRequested) return { item: undefined, shutdown: true };
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
    const item = this.queue[this.head++]!;
    if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
    this.processing.add(item);
    this.dirty.delete(item);
    return { item, shutdown: false };
  }

  /** Marks an item processed; re-queues it if it was added meanwhile. */
  done(item: T): void {
    this.processing.delete(item);
    if (this.dirty.has(item)) {
      this.queue.push(item);
      this.waiters.shift()?.();
    }
    if (this.processing.size === 0) for (const w of this.drainWaiters.splice(0)) w();
  }

  /** Items waiting (not counting those being processed). */
  len(): number {
    return this.queue.length - this.head;
  }

  /** Ignores further adds and wakes every waiting `get`. */
  shutDown(): void {
    this.shutdownRequested = true;
    for (const w of this.waiters.splice(0)) w();
  }

  /** Shuts down, then resolves once every item being processed is done. */
  async shutDownWithDrain(): Promise<void> {
    this.shutDown();
    if (this.processing.size === 0) return;
    await new Promise<void>((resolve) => this.drainWaiters.push(resolve));
  }

  shuttingDown(): boolean {
    return this.shutdownRequested;
  }

  /** Whether the item is being processed right now (for tests and diagnostics). */
  isProcessing(item: T): boolean {
    return this.processing.has(item);
  }
}
