/**
 * The work queue's invariants, rate limiters and delays on an injected clock, and runController's
 * retry policy.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FakeClock, flush } from '../testing/fake-clock.js';
import { runController } from './controller.js';
import { DelayingQueue } from './delaying-queue.js';
import { WorkQueue } from './queue.js';
import { BucketRateLimiter, ItemExponentialFailureRateLimiter, MaxOfRateLimiter, defaultControllerRateLimiter } from './rate-limiters.js';
import { RateLimitingQueue } from './rate-limiting-queue.js';

describe('WorkQueue', () => {
  it('queues an item once however often it is added', async () => {
    const q = new WorkQueue();
    q.add('a');
    q.add('b');
    q.add('a');
    assert.equal(q.len(), 2);
    assert.equal((await q.get()).item, 'a');
    assert.equal((await q.get()).item, 'b');
    assert.equal(q.len(), 0);
  });

  it('never hands an item being processed to a second worker; done re-queues it if it was added meanwhile', async () => {
    const q = new WorkQueue();
    q.add('a');
    const first = await q.get();
    assert.equal(first.item, 'a');
    q.add('a'); // while processing: only marked dirty
    q.add('a');
    assert.equal(q.len(), 0);
    let second: string | undefined;
    const waiting = q.get().then((r) => (second = r.item));
    await flush();
    assert.equal(second, undefined, 'a second worker does not get "a" while the first processes it');
    q.done('a');
    await waiting;
    assert.equal(second, 'a', 'done re-queued it, once');
    q.done('a');
    assert.equal(q.len(), 0);
  });

  it('hands out what is left after shutDown, then reports shutdown; adds are ignored', async () => {
    const q = new WorkQueue();
    q.add('a');
    q.shutDown();
    q.add('b');
    assert.deepEqual(await q.get(), { item: 'a', shutdown: false });
    assert.deepEqual(await q.get(), { item: undefined, shutdown: true });
  });

  it('wakes every waiting get on shutDown, and shutDownWithDrain waits for items in progress', async () => {
    const q = new WorkQueue();
    const waiters = [q.get(), q.get()];
    q.shutDown();
    assert.deepEqual(
      (await Promise.all(waiters)).map((r) => r.shutdown),
      [true, true],
    );
    const q2 = new WorkQueue();
    q2.add('x');
    await q2.get();
    let drained = false;
    const draining = q2.shutDownWithDrain().then(() => (drained = true));
    await flush();
    assert.equal(drained, false);
    q2.done('x');
    await draining;
    assert.equal(drained, true);
  });
});

describe('rate limiters', () => {
  it('per item: 5 ms doubling to a 1000 s cap; forget starts over', () => {
    const r = new ItemExponentialFailureRateLimiter();
    assert.deepEqual(
      [1, 2, 3, 4].map(() => r.when('a')),
      [5, 10, 20, 40],
    );
    assert.equal(r.when('b'), 5, 'items are counted separately');
    assert.equal(r.numRequeues('a'), 4);
    for (let i = 0; i < 30; i++) r.when('a');
    assert.equal(r.when('a'), 1_000_000);
    r.forget('a');
    assert.equal(r.numRequeues('a'), 0);
    assert.equal(r.when('a'), 5);
  });

  it('token bucket: a burst of 100, then 10 per second', async () => {
    const clock = new FakeClock();
    const r = new BucketRateLimiter(10, 100, clock);
    for (let i = 0; i < 100; i++) assert.equal(r.when(`i${i}`), 0);
    assert.equal(r.when('x'), 100);
    assert.equal(r.when('y'), 200);
    await clock.advance(1_000); // refills 10 tokens, 2 of them already promised
    assert.equal(r.when('z'), 0);
  });

  it('the default controller limiter is the max of both', async () => {
    const clock = new FakeClock();
    const r = defaultControllerRateLimiter(clock);
    assert.equal(r.when('a'), 5);
    assert.equal(r.when('a'), 10);
    for (let i = 0; i < 98; i++) r.when(`k${i}`); // the bucket is now empty
    assert.equal(r.when('b'), 100, 'the bucket dominates a first failure');
    assert.equal(r.numRequeues('a'), 2);
    const custom = new MaxOfRateLimiter(new ItemExponentialFailureRateLimiter(1, 8));
    assert.deepEqual(
      [1, 2, 3, 4, 5].map(() => custom.when('q')),
      [1, 2, 4, 8, 8],
    );
  });
});

describe('DelayingQueue and RateLimitingQueue', () => {
  it('adds an item when its delay has passed; the earlier of two delays wins', async () => {
    const clock = new FakeClock();
    const q = new DelayingQueue(clock);
    q.addAfter('a', 100);
    q.addAfter('a', 50);
    q.addAfter('b', 80);
    q.addAfter('c', 0);
    assert.equal(q.len(), 1);
    await clock.advance(49);
    assert.equal(q.len(), 1);
    await clock.advance(1);
    assert.equal(q.len(), 2);
    await clock.advance(30);
    assert.equal(q.len(), 3);
    assert.deepEqual([(await q.get()).item, (await q.get()).item, (await q.get()).item], ['c', 'a', 'b']);
    await clock.advance(100);
    assert.equal(q.len(), 0, 'the later delay of "a" was dropped');
    q.addAfter('d', 10);
    q.shutDown();
    assert.equal(clock.pending, 0, 'shutDown cancels the timer');
  });

  it('addRateLimited waits as the limiter says; forget and numRequeues', async () => {
    const clock = new FakeClock();
    const q = new RateLimitingQueue({ clock });
    q.addRateLimited('a');
    q.addRateLimited('a');
    assert.equal(q.numRequeues('a'), 2);
    await clock.advance(4);
    assert.equal(q.len(), 0);
    await clock.advance(1);
    assert.equal(q.len(), 1, 'ready after the first (5 ms) delay; the 10 ms one is folded into it');
    q.forget('a');
    assert.equal(q.numRequeues('a'), 0);
    q.shutDown();
  });
});

describe('runController', () => {
  it('retries a failing key maxRetries times with rate limiting, then drops it; successes are forgotten', async () => {
    const clock = new FakeClock();
    const queue = new RateLimitingQueue({ clock });
    const stop = new AbortController();
    const calls = new Map<string, number>();
    let concurrent = 0;
    let maxConcurrentForKey = 0;
    const running = new Set<string>();
    const run = runController({
      name: 'test',
      queue,
      workers: 3,
      maxRetries: 5,
      signal: stop.signal,
      sync: async (key) => {
        if (running.has(key)) maxConcurrentForKey = 2;
        running.add(key);
        concurrent++;
        calls.set(key, (calls.get(key) ?? 0) + 1);
        await flush();
        running.delete(key);
        concurrent--;
        if (key === 'bad') throw new Error('always fails');
      },
    });
    queue.add('good');
    queue.add('bad');
    for (let i = 0; i < 20; i++) {
      queue.add('good'); // re-added while possibly in progress: processed again later, never concurrently
      await clock.advance(1_000);
    }
    assert.equal(calls.get('bad'), 6, 'one attempt and 5 retries');
    assert.equal(queue.numRequeues('bad'), 0, 'forgotten once dropped');
    assert.equal(queue.numRequeues('good'), 0);
    assert.ok((calls.get('good') ?? 0) >= 2);
    assert.equal(maxConcurrentForKey, 0, 'no key was ever processed by two workers at once');
    assert.equal(concurrent, 0);
    stop.abort();
    await run;
    assert.ok(queue.shuttingDown());
  });

  it('waits for the informers to sync before starting workers', async () => {
    const queue = new RateLimitingQueue();
    const stop = new AbortController();
    let synced!: (v: boolean) => void;
    const informer = { waitForSync: () => new Promise<boolean>((resolve) => (synced = resolve)) };
    const seen: string[] = [];
    queue.add('k');
    const run = runController({ name: 'test', queue, workers: 1, signal: stop.signal, informers: [informer], sync: async (k) => void seen.push(k) });
    await flush();
    assert.deepEqual(seen, []);
    synced(true);
    await flush();
    assert.deepEqual(seen, ['k']);
    stop.abort();
    await run;
  });
});
