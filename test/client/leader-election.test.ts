/**
 * Leader election on a Lease with two candidates against a real API server (short durations):
 * exactly one leads; when it is cancelled the other takes over within leaseDuration +
 * retryPeriod, never overlapping; with releaseOnCancel the takeover is almost immediate.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { LeaderElector, microTime, type Lease } from '../../src/client/leader-election.js';
import type { RestClient } from '../../src/client/rest-client.js';
import { eventually, startTestCluster, type TestCluster } from '../support/apiserver.js';
import { clientFor, sleep } from './support/cluster-client.js';

const LEASE_MS = 1_000;
const RENEW_MS = 700;
const RETRY_MS = 200;
const MARGIN_MS = 300;

let cluster: TestCluster;
const clients: RestClient[] = [];

before(async () => {
  cluster = await startTestCluster();
});
after(async () => {
  for (const c of clients) c.close();
  await cluster?.close();
});

interface Candidate {
  readonly id: string;
  readonly elector: LeaderElector;
  readonly stop: AbortController;
  readonly run: Promise<void>;
  started?: number;
  stopped?: number;
  readonly leaders: string[];
}

async function candidate(id: string, lease: string, releaseOnCancel = false): Promise<Candidate> {
  const client = await clientFor(cluster);
  clients.push(client);
  const stop = new AbortController();
  const c: Partial<Candidate> & { leaders: string[] } = { id, stop, leaders: [] };
  const elector = new LeaderElector({
    client,
    lease: { namespace: 'kube-system', name: lease },
    identity: id,
    leaseDurationMs: LEASE_MS,
    renewDeadlineMs: RENEW_MS,
    retryPeriodMs: RETRY_MS,
    releaseOnCancel,
    callbacks: {
      onStartedLeading: async (signal) => {
        c.started = performance.now();
        // The leader's work: runs until leadership ends.
        await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
      },
      onStoppedLeading: () => (c.stopped = performance.now()),
      onNewLeader: (leader) => c.leaders.push(leader),
    },
  });
  Object.assign(c, { elector, run: elector.run(stop.signal) });
  return c as Candidate;
}

async function readLease(name: string): Promise<Lease> {
  return clients[0]!.resource<Lease>('coordination.k8s.io', 'v1', 'leases').get(name, { namespace: 'kube-system' });
}

describe('leader election', () => {
  it('elects exactly one leader and hands over within leaseDuration + retryPeriod after it is cancelled', async (t) => {
    const a = await candidate('a', 'le-takeover');
    const b = await candidate('b', 'le-takeover');
    await eventually(() => a.elector.isLeader() || b.elector.isLeader(), 5_000, 'a leader');
    // Several renewals: the leader keeps the lease, the other never leads.
    await sleep(LEASE_MS * 1.5);
    const [leader, follower] = a.elector.isLeader() ? [a, b] : [b, a];
    assert.equal(follower.elector.isLeader(), false);
    assert.equal(follower.started, undefined);
    const held = await readLease('le-takeover');
    assert.equal(held.spec?.holderIdentity, leader.id);
    assert.equal(held.spec?.leaseTransitions, 0);
    assert.equal(held.spec?.leaseDurationSeconds, 1);
    assert.match(held.spec?.renewTime ?? '', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/, 'renewTime is a MicroTime');
    assert.notEqual(held.spec?.renewTime, held.spec?.acquireTime, 'the leader renewed');
    assert.deepEqual(follower.leaders, [leader.id]);

    const cancelled = performance.now();
    leader.stop.abort();
    await leader.run;
    assert.ok(leader.stopped !== undefined);
    await eventually(() => follower.started !== undefined, 5_000, 'the follower to take over');
    const takeoverMs = follower.started! - cancelled;
    t.diagnostic(`takeover ${Math.round(takeoverMs)} ms after the leader was cancelled (leaseDuration ${LEASE_MS} + retryPeriod ${RETRY_MS})`);
    assert.ok(takeoverMs <= LEASE_MS + RETRY_MS + MARGIN_MS, `took over after ${Math.round(takeoverMs)} ms`);
    assert.ok(follower.started! >= leader.stopped!, 'never two leaders at once');
    const taken = await readLease('le-takeover');
    assert.equal(taken.spec?.holderIdentity, follower.id);
    assert.equal(taken.spec?.leaseTransitions, 1);
    assert.notEqual(taken.spec?.acquireTime, held.spec?.acquireTime);
    assert.deepEqual(follower.leaders, [leader.id, follower.id]);

    follower.stop.abort();
    await follower.run;
  });

  it('with releaseOnCancel, clears the lease so the other candidate takes over at its next retry', async (t) => {
    const a = await candidate('a', 'le-release', true);
    await eventually(() => a.elector.isLeader(), 5_000, 'a to lead');
    const b = await candidate('b', 'le-release', true);
    await sleep(RETRY_MS * 2);
    assert.equal(b.elector.isLeader(), false);
    const cancelled = performance.now();
    a.stop.abort();
    await a.run;
    const released = await readLease('le-release');
    assert.ok(released.spec?.holderIdentity === '' || released.spec?.holderIdentity === 'b', `holder after release: ${released.spec?.holderIdentity}`);
    await eventually(() => b.started !== undefined, 5_000, 'b to take over');
    const takeoverMs = b.started! - cancelled;
    t.diagnostic(`takeover ${Math.round(takeoverMs)} ms after a released the lease`);
    assert.ok(takeoverMs < RETRY_MS * 1.2 + MARGIN_MS, `took over after ${Math.round(takeoverMs)} ms`);
    b.stop.abort();
    await b.run;
    assert.equal((await readLease('le-release')).spec?.holderIdentity, '');
  });

  it('formats MicroTime with six fractional digits and rejects unsafe timing', () => {
    assert.equal(microTime(new Date(Date.UTC(2025, 0, 2, 3, 4, 5, 678))), '2025-01-02T03:04:05.678000Z');
    const client = clients[0]!;
    const base = { client, lease: { namespace: 'kube-system', name: 'x' }, identity: 'z', callbacks: { onStartedLeading: () => {} } };
    assert.throws(() => new LeaderElector({ ...base, leaseDurationMs: 1_000, renewDeadlineMs: 1_000 }), /leaseDuration must be greater/);
    assert.throws(() => new LeaderElector({ ...base, renewDeadlineMs: 2_000, retryPeriodMs: 2_000 }), /renewDeadline must be greater/);
  });
});
