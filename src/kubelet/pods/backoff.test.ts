import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CrashLoopBackoff, goDuration } from './backoff.js';

describe('CrashLoopBackoff', () => {
  it('restarts at once the first time, then waits 10s, 20s, ... up to the cap', () => {
    const b = new CrashLoopBackoff();
    // As the worker does: on each exit ask when, and once started again arm with the exit time.
    let finished = 0;
    assert.equal(b.restartAt('p/c', finished, finished), undefined);
    b.next('p/c', finished);
    const delays: number[] = [];
    for (let i = 0; i < 7; i++) {
      finished += 1_000; // it ran a second and exited
      const at = b.restartAt('p/c', finished, finished);
      assert.ok(at !== undefined);
      delays.push(at - finished);
      assert.equal(b.restartAt('p/c', finished, at), undefined, 'over once the delay passed');
      b.next('p/c', finished);
      finished = at;
    }
    assert.deepEqual(delays, [10_000, 20_000, 40_000, 80_000, 160_000, 300_000, 300_000]);
  });

  it('starts over after running longer than twice the cap', () => {
    const b = new CrashLoopBackoff({ baseMs: 100, capMs: 400 });
    b.next('k', 0);
    b.next('k', 10);
    assert.equal(b.currentDelayMs('k'), 200);
    assert.equal(b.restartAt('k', 10 + 801, 10 + 801), undefined);
    b.next('k', 811);
    assert.equal(b.currentDelayMs('k'), 100);
  });

  it('formats delays as Go durations', () => {
    assert.deepEqual([10_000, 80_000, 300_000, 250, 3_600_000].map(goDuration), ['10s', '1m20s', '5m0s', '250ms', '1h0m0s']);
  });
});
