/**
 * @module client/cache/processor-listener
 *
 * One event handler of a shared informer with its own unbounded buffer (client-go's
 * processorListener): the informer appends notifications without waiting, and this listener
 * delivers them to its handler in order, one at a time, awaiting a handler that returns a
 * promise. A slow handler therefore delays only itself, never the reflector or other handlers.
 *
 * A handler that throws (or rejects) is not swallowed: the error goes to `onError`, and the
 * shared informer stops and rejects its `run()` with it.
 */
import type { DeletedFinalStateUnknown } from './delta-fifo.js';

export interface EventHandler<T> {
  /** A new object; `isInInitialList` when it came with the informer's first list. */
  onAdd?(obj: T, isInInitialList: boolean): void | Promise<void>;
  /** A changed object, or the same object again on a periodic resync. */
  onUpdate?(oldObj: T, newObj: T): void | Promise<void>;
  /** A deleted object; `DeletedFinalStateUnknown` when the delete was missed and found by a relist. */
  onDelete?(obj: T | DeletedFinalStateUnknown<T>): void | Promise<void>;
}

export type Notification<T> =
  | { readonly kind: 'add'; readonly obj: T; readonly isInInitialList: boolean }
  | { readonly kind: 'update'; readonly oldObj: T; readonly newObj: T }
  | { readonly kind: 'delete'; readonly obj: T | DeletedFinalStateUnknown<T> };

export class HandlerError extends Error {
  override readonly name = 'HandlerError';
  constructor(
    readonly handler: string,
    readonly notification: Notification<unknown>['kind'],
    cause: unknown,
  ) {
    super(`event handler ${handler} threw on ${notification}: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  }
}

/** Synchronous handlers get the event loop back this often, so a long buffer cannot starve I/O. */
const YIELD_EVERY = 100;

export class ProcessorListener<T> {
  private buffer: Notification<T>[] = [];
  private head = 0;
  private wake: (() => void) | undefined;
  private stopped = false;
  private delivered = 0;
  /** whenIdle calls to wake once the buffer is empty and no notification is being delivered. */
  private idleWaiters: (() => void)[] = [];

  constructor(
    readonly name: string,
    private readonly handler: EventHandler<T>,
    private readonly onError: (err: HandlerError) => void,
  ) {}

  /** Appends a notification; never waits. */
  add(notification: Notification<T>): void {
    if (this.stopped) return;
    this.buffer.push(notification);
    this.wake?.();
  }

  /** Notifications waiting for the handler. */
  get pending(): number {
    return this.buffer.length - this.head;
  }

  /** Notifications handed to the handler so far. */
  get deliveredCount(): number {
    return this.delivered;
  }

  /**
   * Resolves true once every notification added so far has been handed to the handler (and an
   * async handler has settled), false if the listener stops or the signal aborts first.
   */
  async whenIdle(signal: AbortSignal): Promise<boolean> {
    if (this.stopped || signal.aborted) return false;
    if (this.idle) return true;
    let onAbort = () => {};
    await new Promise<void>((resolve) => {
      onAbort = resolve;
      this.idleWaiters.push(resolve);
      signal.addEventListener('abort', onAbort, { once: true });
    });
    signal.removeEventListener('abort', onAbort);
    this.idleWaiters = this.idleWaiters.filter((w) => w !== onAbort);
    return !this.stopped && !signal.aborted;
  }

  private delivering = false;

  private get idle(): boolean {
    return this.pending === 0 && !this.delivering;
  }

  private wakeIdleWaiters(): void {
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }

  /** Stops delivering; `run` returns after the notification in progress. */
  stop(): void {
    this.stopped = true;
    this.wake?.();
    this.wakeIdleWaiters();
  }

  /** Delivers notifications until stopped or the signal aborts. */
  async run(signal: AbortSignal): Promise<void> {
    const onAbort = () => this.stop();
    signal.addEventListener('abort', onAbort, { once: true });
    if (signal.aborted) this.stop();
    try {
      let sinceYield = 0;
      while (!this.stopped) {
        if (this.head === this.buffer.length) {
          this.buffer = [];
          this.head = 0;
          this.wakeIdleWaiters();
          await new Promise<void>((resolve) => (this.wake = resolve));
          this.wake = undefined;
          continue;
        }
        const n = this.buffer[this.head++]!;
        this.delivered++;
        this.delivering = true;
        try {
          const result = this.deliver(n);
          if (result) await result;
        } catch (err) {
          this.stop();
          this.onError(new HandlerError(this.name, n.kind, err));
          return;
        } finally {
          this.delivering = false;
        }
        if (++sinceYield >= YIELD_EVERY) {
          sinceYield = 0;
          await new Promise<void>((resolve) => setImmediate(resolve));
        }
      }
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
  }

  private deliver(n: Notification<T>): void | Promise<void> {
    switch (n.kind) {
      case 'add':
        return this.handler.onAdd?.(n.obj, n.isInInitialList);
      case 'update':
        return this.handler.onUpdate?.(n.oldObj, n.newObj);
      case 'delete':
        return this.handler.onDelete?.(n.obj);
    }
  }
}
