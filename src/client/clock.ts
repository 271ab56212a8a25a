/**
 * @module client/clock
 *
 * Time as the client library sees it: a monotonic clock for measuring (backoff, lease expiry,
 * rate limits), the wall clock for timestamps written into objects, and timers. Everything that
 * waits takes a Clock so tests drive time with `FakeClock` (src/client/testing) instead of sleeping.
 */
import { performance } from 'node:perf_hooks';

export interface TimerHandle {
  cancel(): void;
}

export interface Clock {
  /** Milliseconds on a monotonic clock (only differences mean anything). */
  now(): number;
  /** Wall-clock time, for timestamps such as a Lease's renewTime. */
  date(): Date;
  /** Calls `fn` once after `ms`; the timer never keeps the process alive by itself. */
  setTimeout(fn: () => void, ms: number): TimerHandle;
  /** Resolves after `ms`, or early (without error) when `signal` aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const realClock: Clock = {
  now: () => performance.now(),
  date: () => new Date(),
  setTimeout(fn, ms) {
    const timer = setTimeout(fn, Math.max(0, ms));
    timer.unref();
    return { cancel: () => clearTimeout(timer) };
  },
  sleep(ms, signal) {
    return new Promise((resolve) => {
      if (signal?.aborted) return resolve();
      const timer = setTimeout(done, Math.max(0, ms));
      function done() {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        resolve();
      }
      signal?.addEventListener('abort', done, { once: true });
    });
  },
};
