/**
 * @module client/workqueue/rate-limiting-queue
 *
 * The queue controllers use (client-go's RateLimitingInterface): a delaying queue whose retries
 * wait as long as the rate limiter says.
 */
import { realClock, type Clock } from '../clock.js';
import { DelayingQueue } from './delaying-queue.js';
import { defaultControllerRateLimiter, type RateLimiter } from './rate-limiters.js';

export interface RateLimitingQueueOptions<T> {
  /** Default: `defaultControllerRateLimiter()` on the same clock. */
  readonly rateLimiter?: RateLimiter<T>;
  readonly clock?: Clock;
}

export class RateLimitingQueue<T = string> extends DelayingQueue<T> {
  readonly rateLimiter: RateLimiter<T>;

  constructor(options: RateLimitingQueueOptions<T> = {}) {
    const clock = options.clock ?? realClock;
    super(clock);
    this.rateLimiter = options.rateLimiter ?? defaultControllerRateLimiter<T>(clock);
  }

  /** Adds the item once the rate limiter allows; each call counts as a failure. */
  addRateLimited(item: T): void {
    this.addAfter(item, this.rateLimiter.when(item));
  }

  /** The item succeeded: its failure count starts over. (It does not remove it from the queue.) */
  forget(item: T): void {
    this.rateLimiter.forget(item);
  }

  numRequeues(item: T): number {
    return this.rateLimiter.numRequeues(item);
  }
}
