/**
 * @module storage/watch-hub
 *
 * Fan-out of committed events to in-process watchers, for the engines that own their log in this
 * process (memory, SQLite). The engine publishes each committed batch in revision order; every
 * watcher gets its own bounded queue, so a slow consumer never stalls a write: when its queue is
 * full it is dropped with "WatchOverflow" and resumes by watching again from its last revision
 * (the kine broadcaster's choice, made explicit).
 *
 * History and live events cannot interleave wrongly: the engines commit and publish synchronously
 * in one turn of the event loop, and `open` reads history and subscribes in one turn too.
 */
import { StorageError, storageErrors } from './errors.js';
import type { Watch, WatchEvent } from './interface.js';

export const DEFAULT_WATCH_QUEUE_LIMIT = 100_000;

/** A queued progress notification: everything up to `progress` has been queued before it. */
interface ProgressMarker {
  progress: number;
}

type QueueItem = WatchEvent | ProgressMarker;

interface Subscriber {
  readonly prefix: string;
  readonly queue: QueueItem[];
  /** Index of the next event to hand out; the queue is compacted lazily. */
  head: number;
  lastRevision: number;
  failure: StorageError | undefined;
  ended: boolean;
  wake: (() => void) | undefined;
}

export class WatchHub {
  private readonly subscribers = new Set<Subscriber>();

  constructor(private readonly queueLimit = DEFAULT_WATCH_QUEUE_LIMIT) {}

  get size(): number {
    return this.subscribers.size;
  }

  /**
   * Opens a watch. `start` runs synchronously, now: it validates the start revision and returns the
   * history events (revision >= start, in order) or throws a StorageError, which the iterator
   * then raises on first use.
   */
  open(prefix: string, signal: AbortSignal | undefined, start: () => WatchEvent[], onProgress?: (revision: number) => void): Watch {
    const sub: Subscriber = {
      prefix,
      queue: [],
      head: 0,
      lastRevision: 0,
      failure: undefined,
      ended: false,
      wake: undefined,
    };
    try {
      for (const ev of start()) this.enqueue(sub, ev);
      this.subscribers.add(sub);
    } catch (err) {
      sub.failure = err instanceof StorageError ? err : storageErrors.unavailable('watch failed to start', err);
    }
    return this.iterate(sub, signal, onProgress);
  }

  /** Delivers one committed batch, already in revision order. */
  publish(events: readonly WatchEvent[]): void {
    for (const sub of this.subscribers) {
      for (const ev of events) {
        if (ev.kv.key.startsWith(sub.prefix)) this.enqueue(sub, ev);
      }
      const last = events.at(-1);
      if (last) this.enqueueProgress(sub, last.kv.modRevision);
      if (sub.failure) this.subscribers.delete(sub);
      this.wakeUp(sub);
    }
  }

  /** Ends every watch with `error` (engine closing or failing). */
  failAll(error: StorageError): void {
    for (const sub of this.subscribers) {
      sub.failure ??= error;
      this.wakeUp(sub);
    }
    this.subscribers.clear();
  }

  private enqueue(sub: Subscriber, ev: WatchEvent): void {
    if (sub.failure) return;
    const tail = sub.queue.at(-1);
    // A progress marker followed by an event says nothing the event does not: drop it.
    if (sub.queue.length > sub.head && tail && 'progress' in tail) sub.queue.pop();
    if (sub.queue.length - sub.head >= this.queueLimit) {
      sub.failure = storageErrors.watchOverflow(sub.prefix, sub.lastRevision);
      return;
    }
    sub.queue.push(ev);
  }

  /** Progress markers coalesce: only the newest one waiting matters. */
  private enqueueProgress(sub: Subscriber, revision: number): void {
    if (sub.failure) return;
    const tail = sub.queue.at(-1);
    if (sub.queue.length > sub.head && tail && 'progress' in tail) tail.progress = revision;
    else sub.queue.push({ progress: revision });
  }

  private wakeUp(sub: Subscriber): void {
    const wake = sub.wake;
    sub.wake = undefined;
    wake?.();
  }

  private async *iterate(sub: Subscriber, signal: AbortSignal | undefined, onProgress: ((revision: number) => void) | undefined): AsyncGenerator<WatchEvent> {
    const onAbort = () => {
      sub.ended = true;
      this.wakeUp(sub);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    if (signal?.aborted) sub.ended = true;
    try {
      while (!sub.ended) {
        if (sub.head < sub.queue.length) {
          const item = sub.queue[sub.head++]!;
          if (sub.head > 1024 && sub.head * 2 > sub.queue.length) {
            sub.queue.splice(0, sub.head);
            sub.head = 0;
          }
          if ('progress' in item) {
            onProgress?.(item.progress);
            continue;
          }
          sub.lastRevision = item.kv.modRevision;
          yield item;
          continue;
        }
        if (sub.failure) throw sub.failure;
        await new Promise<void>((resolve) => (sub.wake = resolve));
      }
    } finally {
      signal?.removeEventListener('abort', onAbort);
      this.subscribers.delete(sub);
    }
  }
}
