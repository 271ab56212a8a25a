/**
 * @module storage/etcd/retry
 *
 * Repeats one etcd request until it succeeds, fails for good, or its deadline passes. The caller
 * says which failures may be repeated: reads and compaction repeat on every transient failure,
 * writes only when etcd certainly did not apply them (see `etcd-errors.ts`). Every attempt asks
 * the connection pool for an endpoint again, so a retry lands on another member when one is down.
 */
import { setTimeout as sleep } from 'node:timers/promises';

export interface RetryOptions {
  /** Epoch milliseconds after which no attempt starts and the last failure is reported. */
  readonly deadline: number;
  /** Whether this failure may be repeated. */
  readonly retryable: (err: unknown) => boolean;
  /** Stops retrying (the engine is closing); the last failure is reported. */
  readonly signal: AbortSignal;
  /** First pause between attempts; it doubles up to `maxDelayMs`, with jitter. */
  readonly initialDelayMs?: number;
  readonly maxDelayMs?: number;
}

export async function withRetries<T>(attempt: (deadline: number) => Promise<T>, options: RetryOptions): Promise<T> {
  const initial = options.initialDelayMs ?? 20;
  const max = options.maxDelayMs ?? 500;
  for (let n = 0; ; n++) {
    try {
      return await attempt(options.deadline);
    } catch (err) {
      if (options.signal.aborted || !options.retryable(err)) throw err;
      // Jitter keeps many writers that failed together from retrying in lockstep.
      const delay = Math.min(initial * 2 ** n, max) * (0.5 + Math.random() / 2);
      if (Date.now() + delay >= options.deadline) throw err;
      try {
        await sleep(delay, undefined, { signal: options.signal });
      } catch {
        // Aborted while waiting: the engine is closing; report what the last attempt saw.
        throw err;
      }
    }
  }
}
