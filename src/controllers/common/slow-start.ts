/**
 * @module controllers/common/slow-start
 *
 * Upstream's slowStartBatch: run `count` calls in batches of 1, 2, 4, ... and stop at the first
 * batch with a failure, so a controller whose creates all fail (quota, admission, a dead
 * webhook) sends one doomed request instead of hundreds.
 */

/** Upstream's SlowStartInitialBatchSize. */
export const SLOW_START_INITIAL_BATCH = 1;

export interface SlowStartResult {
  /** Calls that succeeded. */
  readonly successes: number;
  /** Calls never made because an earlier batch failed. */
  readonly skipped: number;
  /** The first failure, if any. */
  readonly error: unknown;
}

export async function slowStartBatch(count: number, initialBatchSize: number, fn: () => Promise<void>): Promise<SlowStartResult> {
  let remaining = count;
  let successes = 0;
  let batch = Math.min(remaining, initialBatchSize);
  while (batch > 0) {
    const results = await Promise.allSettled(Array.from({ length: batch }, () => fn()));
    const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    successes += batch - failed.length;
    remaining -= batch;
    if (failed.length > 0) return { successes, skipped: remaining, error: failed[0]!.reason };
    batch = Math.min(remaining, 2 * batch);
  }
  return { successes, skipped: 0, error: undefined };
}
