/**
 * @module client/watch
 *
 * Watches as async iterables of typed events.
 *
 * `WatchStream` is one watch request: NDJSON lines `{"type":…,"object":…}` decoded one by one.
 * An ERROR event is thrown as `ApiStatusError` (410 means: relist), a line that is not an event as
 * `WatchDecodeError`, a broken connection as `TransportError` — nothing is ignored, and since the
 * consumer's loop body runs outside this module, its exceptions reach the consumer untouched
 * (client-node's `catch { /* ignore *\/ }` around the callback is the thing avoided here).
 *
 * `ResumingWatch` (client-go's RetryWatcher) keeps one logical watch alive across many requests:
 * when a stream ends (the server's timeout) or breaks (connection lost, 5xx, 429), it watches
 * again from the last resourceVersion it saw, BOOKMARKs included, so no event is lost or repeated.
 * It gives up only when resuming cannot be correct — 410 Expired/Gone: the caller relists — or on
 * an error retrying will not fix (403, 400, …).
 */
import { StringDecoder } from 'node:string_decoder';
import type { KubeObject } from '../api/object.js';
import { isPlainObject } from '../api/object.js';
import { createLogger, type Logger } from '../log.js';
import { Backoff, type BackoffOptions } from './backoff.js';
import { realClock, type Clock } from './clock.js';
import { ApiStatusError, TransportError, WatchDecodeError, isApiStatusError, isTransportError } from './errors.js';
import type { TransportStream } from './transport.js';

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK';

export interface WatchEvent<T> {
  readonly type: WatchEventType;
  /** For BOOKMARK: only kind, apiVersion and metadata.resourceVersion are meaningful. */
  readonly object: T;
}

const EVENT_TYPES = new Set<string>(['ADDED', 'MODIFIED', 'DELETED', 'BOOKMARK']);

export interface WatchStreamOptions {
  /** Aborting ends the iteration quietly. */
  readonly signal?: AbortSignal;
  /** Fail with `TransportError('Timeout')` if the stream is still open this long after it started. */
  readonly deadlineMs?: number;
}

export class WatchStream<T extends KubeObject = KubeObject> implements AsyncIterable<WatchEvent<T>> {
  private iterated = false;
  private closedByCaller = false;
  private deadlineHit = false;

  constructor(
    private readonly response: TransportStream,
    private readonly options: WatchStreamOptions = {},
  ) {}

  /** Ends the stream; an iteration in progress returns. */
  close(): void {
    this.closedByCaller = true;
    this.response.close();
  }

  [Symbol.asyncIterator](): AsyncIterator<WatchEvent<T>> {
    if (this.iterated) throw new Error('a WatchStream can be iterated only once');
    this.iterated = true;
    return this.events();
  }

  private async *events(): AsyncGenerator<WatchEvent<T>> {
    const { signal, deadlineMs } = this.options;
    const onAbort = () => this.close();
    signal?.addEventListener('abort', onAbort, { once: true });
    if (signal?.aborted) this.close();
    const deadline =
      deadlineMs !== undefined
        ? setTimeout(() => {
            this.deadlineHit = true;
            this.response.close();
          }, deadlineMs)
        : undefined;
    const chunks = (this.response.body as AsyncIterable<Buffer>)[Symbol.asyncIterator]();
    const decoder = new StringDecoder('utf8');
    let buffer = '';
    try {
      for (;;) {
        let next: IteratorResult<Buffer>;
        // Only reading is guarded: decoding errors and the consumer's own exceptions must not be
        // mistaken for a lost connection.
        try {
          next = await chunks.next();
        } catch (err) {
          if (this.closedByCaller) return;
          throw this.deadlineHit ? this.deadlineError() : new TransportError('ConnectionLost', `watch stream broke: ${(err as Error).message}`, true, { cause: err });
        }
        if (next.done) break;
        buffer += decoder.write(next.value);
        let newline: number;
        while ((newline = buffer.indexOf('\n')) !== -1) {
          const line = buffer.slice(0, newline);
          buffer = buffer.slice(newline + 1);
          if (line.trim() === '') continue;
          yield decodeEvent<T>(line);
        }
      }
      if (this.closedByCaller) return;
      if (this.deadlineHit) throw this.deadlineError();
      // A stream destroyed under us (connection closed, reset) ends without its end-of-stream.
      if (!this.response.body.readableEnded) throw new TransportError('ConnectionLost', 'watch stream closed before the server ended it', true);
      buffer += decoder.end();
      // A last line without its newline was cut off mid-event: the connection broke.
      if (buffer.trim() !== '') throw new TransportError('ConnectionLost', 'watch stream ended in the middle of an event', true);
    } finally {
      clearTimeout(deadline);
      signal?.removeEventListener('abort', onAbort);
      this.response.close();
    }
  }

  private deadlineError(): TransportError {
    return new TransportError('Timeout', `watch still open after its client deadline of ${this.options.deadlineMs} ms`, true);
  }
}

export function decodeEvent<T>(line: string): WatchEvent<T> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch (err) {
    throw new WatchDecodeError(`watch line is not JSON: ${(err as Error).message}`, line, { cause: err });
  }
  if (!isPlainObject(parsed) || typeof parsed.type !== 'string') throw new WatchDecodeError('watch line is not a watch event', line);
  if (parsed.type === 'ERROR') throw ApiStatusError.fromWatchError(parsed.object);
  if (!EVENT_TYPES.has(parsed.type)) throw new WatchDecodeError(`unknown watch event type ${JSON.stringify(parsed.type)}`, line);
  if (!isPlainObject(parsed.object)) throw new WatchDecodeError(`watch ${parsed.type} event without an object`, line);
  return { type: parsed.type as WatchEventType, object: parsed.object as T };
}

/** Opens one watch from a resourceVersion (e.g. `(rv, signal) => pods.watch({ resourceVersion: rv, signal })`). */
export type WatchOpener<T extends KubeObject> = (resourceVersion: string, signal: AbortSignal) => Promise<WatchStream<T>>;

export interface ResumingWatchOptions {
  /** Where to start: a concrete resourceVersion (from a list or an object), not "" or "0". */
  readonly resourceVersion: string;
  readonly signal?: AbortSignal;
  /** Pass BOOKMARK events on to the consumer (they always advance the resourceVersion). */
  readonly emitBookmarks?: boolean;
  /** Backoff between failed attempts; default 500 ms → 30 s. */
  readonly backoff?: BackoffOptions;
  readonly clock?: Clock;
  readonly log?: Logger;
}

/** A stream that ends normally this fast without any event counts as a failure (backoff). */
const SHORT_WATCH_MS = 1_000;

export class ShortWatchError extends Error {
  override readonly name = 'ShortWatchError';
  constructor() {
    super(`the watch ended within ${SHORT_WATCH_MS} ms without any event`);
  }
}

export class ResumingWatch<T extends KubeObject = KubeObject> implements AsyncIterable<WatchEvent<T>> {
  private rv: string;
  private restartCount = 0;
  private readonly log: Logger;
  private readonly clock: Clock;

  constructor(
    private readonly open: WatchOpener<T>,
    private readonly options: ResumingWatchOptions,
  ) {
    if (options.resourceVersion === '' || options.resourceVersion === '0') {
      throw new TypeError('a resuming watch needs a concrete resourceVersion; "" and "0" would replay the current state');
    }
    this.rv = options.resourceVersion;
    this.log = options.log ?? createLogger('client');
    this.clock = options.clock ?? realClock;
  }

  /** The last resourceVersion seen: where the next request resumes. */
  get resourceVersion(): string {
    return this.rv;
  }

  /** Watch requests opened after the first. */
  get restarts(): number {
    return this.restartCount;
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<WatchEvent<T>> {
    const signal = this.options.signal ?? new AbortController().signal;
    const backoff = new Backoff(this.options.backoff ?? { initialMs: 500, maxMs: 30_000 });
    for (let first = true; !signal.aborted; first = false) {
      if (!first) this.restartCount++;
      let stream: WatchStream<T>;
      try {
        stream = await this.open(this.rv, signal);
      } catch (err) {
        if (signal.aborted) return;
        if (!isResumable(err)) throw err;
        const delay = backoff.next();
        this.log.info({ resourceVersion: this.rv, err: (err as Error).message, delayMs: Math.round(delay) }, 'watch failed to start; retrying');
        await this.clock.sleep(delay, signal);
        continue;
      }
      const started = this.clock.now();
      let events = 0;
      let failure: unknown;
      try {
        for await (const event of stream) {
          events++;
          const rv = event.object.metadata?.resourceVersion;
          if (rv) this.rv = rv;
          if (event.type === 'BOOKMARK' && !this.options.emitBookmarks) continue;
          yield event;
        }
      } catch (err) {
        failure = err;
      }
      if (signal.aborted) return;
      if (events > 0) backoff.reset();
      if (failure === undefined) {
        if (events > 0 || this.clock.now() - started >= SHORT_WATCH_MS) continue;
        failure = new ShortWatchError();
      }
      if (!isResumable(failure)) throw failure;
      const delay = backoff.next();
      this.log.info({ resourceVersion: this.rv, err: (failure as Error).message, delayMs: Math.round(delay) }, 'watch broke; resuming');
      await this.clock.sleep(delay, signal);
    }
  }
}

/** Whether watching again from the same resourceVersion can succeed. */
export function isResumable(err: unknown): boolean {
  if (isTransportError(err)) return err.code === 'ConnectionLost' || err.code === 'ConnectFailed' || err.code === 'Timeout';
  if (isApiStatusError(err)) return err.code === 429 || (err.code >= 500 && err.code !== 501);
  return err instanceof WatchDecodeError || err instanceof ShortWatchError;
}
