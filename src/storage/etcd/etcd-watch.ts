/**
 * @module storage/etcd/etcd-watch
 *
 * One tskube watch over an etcd prefix, kept alive across member loss and leader changes.
 *
 * It owns a gRPC watch stream with a single watcher. When the stream breaks (the member died, lost
 * its leader, or the connection dropped) it opens a new one, on whichever member answers, starting
 * at the first revision it has not received yet, and drops anything below that revision, so the
 * consumer sees every event once and in order. It does not rely on the etcd3 library's own watch
 * reconnection for this, because that decides resume points on its own.
 *
 * Received events wait in a bounded queue until the consumer takes them; a consumer that falls
 * more than `queueLimit` events behind is dropped with "WatchOverflow" (like the in-process
 * `WatchHub`), and etcd telling us the next revision was compacted ends the watch with
 * "Compacted". Either way the consumer resumes by watching again from its last revision.
 */
import type { IWatchCreateRequest, IWatchResponse } from 'etcd3';
import { setTimeout as sleep } from 'node:timers/promises';
import { type StorageError, storageErrors } from '../errors.js';
import type { WatchEvent } from '../interface.js';
import { prefixEnd } from '../validate.js';
import type { EtcdConnection, WatchStream } from './connection.js';
import { keyBytes, toWatchEvent } from './convert.js';

export interface EtcdWatchOptions {
  readonly connection: EtcdConnection;
  readonly prefix: string;
  /** First revision to deliver; 0 means "events after the revision current when the watch starts". */
  readonly startRevision: number;
  /** The consumer's signal: aborting ends iteration normally. */
  readonly signal: AbortSignal | undefined;
  readonly queueLimit: number;
  /** Bound on creating one watch stream. */
  readonly openTimeoutMs: number;
  /** Reports a compact revision etcd told us about. */
  readonly onCompactRevision: (revision: number) => void;
  /** The consumer's progress callback (WatchOptions.onProgress); progress is then requested regularly. */
  readonly onProgress?: (revision: number) => void;
}

/** How often a watch with a progress callback asks etcd how far it has got. */
const PROGRESS_REQUEST_INTERVAL_MS = 200;

/** A queued progress notification: every event up to `progress` was queued before it. */
interface ProgressMarker {
  progress: number;
}

const RECONNECT_INITIAL_MS = 50;
const RECONNECT_MAX_MS = 1_000;

export class EtcdWatch {
  private readonly queue: (WatchEvent | ProgressMarker)[] = [];
  private head = 0;
  private failure: StorageError | undefined;
  private wake: (() => void) | undefined;
  /** The first revision not received yet; 0 until etcd says where "now" is. */
  private nextRevision: number;
  /** The revision of the last event handed to the consumer (for the overflow message). */
  private delivered = 0;
  /** Stops the stream loop: the consumer is done, the watch failed, or the engine closed. */
  private readonly stop = new AbortController();
  private stream: WatchStream | undefined;
  private readonly onConsumerAbort = () => this.stop.abort();

  constructor(private readonly options: EtcdWatchOptions) {
    this.nextRevision = options.startRevision;
    options.signal?.addEventListener('abort', this.onConsumerAbort, { once: true });
    if (options.signal?.aborted) this.stop.abort();
    this.stop.signal.addEventListener('abort', () => {
      this.stream?.cancel();
      this.wakeUp();
    });
  }

  /** Ends the watch with `error` after the events already received (the engine is closing). */
  fail(error: StorageError): void {
    this.failure ??= error;
    this.stop.abort();
  }

  /**
   * Keeps a stream open until the watch ends. Never rejects: failures end up in the iterator.
   * The engine awaits this on close.
   */
  async run(): Promise<void> {
    let attempt = 0;
    while (!this.stop.signal.aborted) {
      try {
        await this.streamOnce();
        attempt = 0;
      } catch {
        // Could not open a stream (member gone, no leader, timeout): back off, try another.
        attempt++;
      }
      if (this.stop.signal.aborted) break;
      const delay = Math.min(RECONNECT_INITIAL_MS * 2 ** attempt, RECONNECT_MAX_MS) * (0.5 + Math.random() / 2);
      await sleep(delay, undefined, { signal: this.stop.signal }).catch(() => undefined);
    }
    this.options.signal?.removeEventListener('abort', this.onConsumerAbort);
  }

  /** The events, in revision order; returns when the consumer's signal aborts. */
  async *events(): AsyncGenerator<WatchEvent> {
    try {
      while (true) {
        if (this.options.signal?.aborted) return;
        if (this.head < this.queue.length) {
          const event = this.queue[this.head++]!;
          if (this.head > 1024 && this.head * 2 > this.queue.length) {
            this.queue.splice(0, this.head);
            this.head = 0;
          }
          if ('progress' in event) {
            this.options.onProgress?.(event.progress);
            continue;
          }
          this.delivered = event.kv.modRevision;
          yield event;
          continue;
        }
        if (this.failure) throw this.failure;
        if (this.stop.signal.aborted) return;
        await new Promise<void>((resolve) => (this.wake = resolve));
      }
    } finally {
      // Also reached when the consumer breaks out of its loop: release the server-side watcher.
      this.stop.abort();
    }
  }

  /** Opens one stream and follows it until it ends, for whatever reason; `run` decides what next. */
  private async streamOnce(): Promise<void> {
    const { connection, openTimeoutMs } = this.options;
    const stream = await connection.openWatch(this.createRequest(), (r) => this.onResponse(r), openTimeoutMs, this.stop.signal);
    this.stream = stream;
    // The first response may already have ended the watch (compacted) before we held the stream.
    if (this.stop.signal.aborted) stream.cancel();
    const progress = this.options.onProgress ? setInterval(() => stream.requestProgress(), PROGRESS_REQUEST_INTERVAL_MS) : undefined;
    try {
      await stream.closed;
    } finally {
      clearInterval(progress);
      this.stream = undefined;
    }
  }

  private createRequest(): IWatchCreateRequest {
    return {
      key: keyBytes(this.options.prefix),
      range_end: keyBytes(prefixEnd(this.options.prefix)),
      prev_kv: true,
      // Idle watchers learn how far etcd has got, so a resume after a long quiet spell does not
      // ask for revisions compacted in the meantime.
      progress_notify: true,
      ...(this.nextRevision > 0 && { start_revision: this.nextRevision }),
    };
  }

  private onResponse(response: IWatchResponse): void {
    if (this.stop.signal.aborted) return;
    const compactRevision = Number(response.compact_revision);
    if (compactRevision > 0) {
      // etcd cancels a watcher whose start revision is below the compacted revision.
      this.options.onCompactRevision(compactRevision);
      this.fail(storageErrors.compacted(this.nextRevision, compactRevision));
      return;
    }
    if (response.canceled) {
      // Cancelled for another reason (a member losing its leader cancels our streams): end this
      // stream; `run` opens another from `nextRevision`.
      this.stream?.cancel();
      return;
    }
    const headerRevision = Number(response.header.revision);
    if (response.created) {
      // Without a start revision etcd watches from "now": everything after the header revision.
      if (this.nextRevision === 0) this.nextRevision = headerRevision + 1;
      return;
    }
    if (response.events.length === 0) {
      // A progress notification: every event up to the header revision has been sent.
      this.nextRevision = Math.max(this.nextRevision, headerRevision + 1);
      if (this.options.onProgress) {
        const tail = this.queue.at(-1);
        if (this.queue.length > this.head && tail && 'progress' in tail) tail.progress = headerRevision;
        else this.queue.push({ progress: headerRevision });
        this.wakeUp();
      }
      return;
    }
    // All events of one revision arrive in one response, so the filter is per response.
    const floor = this.nextRevision;
    let last = 0;
    for (const raw of response.events) {
      const revision = Number(raw.kv.mod_revision);
      if (revision < floor) continue;
      const isCreate = raw.type === 'Put' && raw.kv.version === '1';
      if (!isCreate && !raw.prev_kv) {
        // etcd reads prevKv at the revision before the event, which it refuses for an event
        // exactly at the compact revision. An update or delete without its previous value breaks
        // the interface's promise (a delete would not even carry the deleted object), so the
        // watch ends as Compacted and the consumer relists, as Kubernetes' etcd watcher does.
        this.options.onCompactRevision(revision);
        this.fail(storageErrors.compacted(revision - 1, revision));
        break;
      }
      if (this.queue.length - this.head >= this.options.queueLimit) {
        this.fail(storageErrors.watchOverflow(this.options.prefix, this.delivered));
        return;
      }
      this.queue.push(toWatchEvent(raw));
      last = revision;
    }
    if (last > 0) this.nextRevision = last + 1;
    this.wakeUp();
  }

  private wakeUp(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }
}
