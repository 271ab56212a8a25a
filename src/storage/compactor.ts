/**
 * @module storage/compactor
 *
 * Automatic compaction, for every engine. As the Kubernetes API server does for etcd, each tick
 * compacts to the revision observed at the previous tick, so at least one interval of history
 * stays available to watchers that fell behind; like kine, it also keeps at least `minRetain`
 * revisions. That keeps the database bounded while a briefly disconnected watcher can still resume.
 */
import { isStorageError } from './errors.js';
import type { KV } from './interface.js';
import { sleep } from '../util/sleep.js';

export interface CompactorOptions {
  /** How often to compact (the API server's --etcd-compaction-interval; default 5 minutes). */
  readonly intervalMs?: number;
  /** Revisions always kept behind the newest one (kine's default: 1000). */
  readonly minRetain?: number;
  readonly signal: AbortSignal;
  /** Told about compactions and failures; failures never stop the loop. */
  readonly onCompact?: (revision: number) => void;
  readonly onError?: (err: unknown) => void;
}

export const DEFAULT_COMPACTION_INTERVAL_MS = 5 * 60 * 1000;
export const DEFAULT_COMPACTION_MIN_RETAIN = 1000;

/** Runs until the signal aborts. */
export async function runCompactor(kv: KV, options: CompactorOptions): Promise<void> {
  const intervalMs = options.intervalMs ?? DEFAULT_COMPACTION_INTERVAL_MS;
  const minRetain = options.minRetain ?? DEFAULT_COMPACTION_MIN_RETAIN;
  const { signal } = options;
  let observedLastTick = 0;
  while (!signal.aborted) {
    await sleep(intervalMs, signal);
    if (signal.aborted) break;
    try {
      const { revision, compactRevision } = await kv.stats();
      const target = Math.min(observedLastTick, revision - minRetain);
      observedLastTick = revision;
      if (target > compactRevision) {
        await kv.compact(target);
        options.onCompact?.(target);
      }
    } catch (err) {
      if (isStorageError(err, 'Closed')) break;
      options.onError?.(err);
    }
  }
}
