/**
 * @module client/workqueue/controller
 *
 * The one shape every tskube controller has (client-go's examples/workqueue), so the retry
 * policy lives here and nowhere else:
 *
 *   run: wait for the informers' caches, then start `workers` workers;
 *   processNextItem: get a key → try { await sync(key) } finally { done(key) } → handleErr;
 *   handleErr: success → forget; failure → addRateLimited while numRequeues < maxRetries,
 *              then forget and log that the key is dropped.
 *
 * `sync` reads from listers, only returns or throws, and must be idempotent. On abort the queue
 * shuts down; `runController` resolves when every worker has finished its current key.
 */
import { createLogger, type Logger } from '../../log.js';
import type { RateLimitingQueue } from './rate-limiting-queue.js';

export interface ControllerOptions {
  readonly name: string;
  readonly queue: RateLimitingQueue<string>;
  readonly workers: number;
  readonly sync: (key: string, signal: AbortSignal) => Promise<void>;
  readonly signal: AbortSignal;
  /** Retries before a failing key is dropped; default 5. */
  readonly maxRetries?: number;
  /** Waited for before any worker starts (`waitForSync(signal)` of shared informers). */
  readonly informers?: readonly { waitForSync(signal: AbortSignal): Promise<boolean> }[];
  readonly log?: Logger;
}

export async function runController(options: ControllerOptions): Promise<void> {
  const { name, queue, sync, signal, maxRetries = 5 } = options;
  const log = (options.log ?? createLogger('controller')).child({ controller: name });
  const onAbort = () => queue.shutDown();
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    if (signal.aborted) return;
    log.info('waiting for caches to sync');
    const synced = await Promise.all((options.informers ?? []).map((i) => i.waitForSync(signal)));
    if (!synced.every(Boolean) || signal.aborted) return;
    log.info({ workers: options.workers }, 'starting workers');

    const handleErr = (err: unknown, key: string) => {
      if (err === undefined) {
        queue.forget(key);
        return;
      }
      if (queue.numRequeues(key) < maxRetries) {
        log.info({ key, err: errMessage(err), retries: queue.numRequeues(key) }, 'sync failed; retrying');
        queue.addRateLimited(key);
        return;
      }
      queue.forget(key);
      log.error({ key, err: errMessage(err), retries: maxRetries }, 'sync failed too often; dropping the key');
    };

    const processNextItem = async (): Promise<boolean> => {
      const { item: key, shutdown } = await queue.get();
      if (shutdown) return false;
      let failure: unknown;
      try {
        await sync(key, signal);
      } catch (err) {
        failure = err ?? new Error('sync threw undefined');
      } finally {
        queue.done(key);
      }
      handleErr(failure, key);
      return true;
    };

    const worker = async () => {
      while (await processNextItem());
    };
    await Promise.all(Array.from({ length: Math.max(1, options.workers) }, worker));
    log.info('stopped');
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
}

function errMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
