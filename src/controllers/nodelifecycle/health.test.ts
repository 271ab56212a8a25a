import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { NodeHealthTracker } from './health.js';

describe('node health is judged on the controller clock', () => {
  it('stays healthy while the lease keeps changing, whatever its timestamps say', () => {
    let now = 0;
    const tracker = new NodeHealthTracker(() => now);
    // Timestamps from a node whose clock is an hour behind: irrelevant, only change counts.
    tracker.observe('n1', { leaseRenewTime: '2020-01-01T00:00:00.000000Z' });
    for (let i = 1; i <= 10; i++) {
      now += 10_000;
      tracker.observe('n1', { leaseRenewTime: `2020-01-01T00:00:${String(i * 10).padStart(2, '0')}.000000Z` });
      assert.equal(tracker.judge('n1', 50_000, 60_000), 'Healthy');
    }
  });

  it('goes silent after the grace period without a changed heartbeat', () => {
    let now = 0;
    const tracker = new NodeHealthTracker(() => now);
    tracker.observe('n1', { leaseRenewTime: 'a', readyHeartbeatTime: 'x' });
    now = 49_000;
    tracker.observe('n1', { leaseRenewTime: 'a', readyHeartbeatTime: 'x' });
    assert.equal(tracker.judge('n1', 50_000, 60_000), 'Healthy');
    now = 50_001;
    assert.equal(tracker.judge('n1', 50_000, 60_000), 'Silent');
    tracker.observe('n1', { readyHeartbeatTime: 'y' });
    assert.equal(tracker.judge('n1', 50_000, 60_000), 'Healthy');
    assert.equal(tracker.silenceMs('n1'), 0);
  });

  it('gives a node that never reported the startup grace period', () => {
    let now = 0;
    const tracker = new NodeHealthTracker(() => now);
    tracker.observe('new', {});
    now = 55_000;
    assert.equal(tracker.judge('new', 50_000, 60_000), 'Healthy');
    now = 60_001;
    assert.equal(tracker.judge('new', 50_000, 60_000), 'Silent');
  });
});
