/**
 * Scenario L1 (seed 000): 10 node agents in 3 zones reach the API server through a load balancer,
 * which then silently stops forwarding every ESTABLISHED connection — no FIN, no RST, the sockets
 * stay open — while new connections still work. Every agent must notice on its own (failed
 * heartbeat → close all connections → dial again), so no node goes NotReady and no pod is evicted.
 *
 * Intervals are scaled down 10× together: lease renewed every 1 s (duration 4 s), status every
 * 1 s, heartbeat request timeout 1 s, grace period 5 s, blackhole 6 s (upstream: 10 s, 10 s,
 * 10 s, 50 s, and the seed's 60 s).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { eventually } from '../support/apiserver.js';
import { SCALED_TIMING, startLifecycleLab, type LifecycleLab } from '../support/lifecycle-lab.js';

const BLACKHOLE_SECONDS = 6;

let lab: LifecycleLab;
before(async () => {
  lab = await startLifecycleLab({
    nodes: 10,
    zones: ['zone-a', 'zone-b', 'zone-c'],
    balancer: true,
    ...SCALED_TIMING,
  });
});
after(() => lab?.close());

describe('L1: a balancer that silently blackholes established connections', () => {
  it('every node recovers its heartbeats by itself; none goes NotReady; nothing is evicted', async () => {
    const podsBefore = await lab.podNames();
    const transitionsBefore = lab.controller.stats.notReadyTransitions;
    const faultAt = Date.now();
    await lab.lb!.setFault({ mode: 'blackhole', scope: 'established', durationSeconds: BLACKHOLE_SECONDS });

    // Each node's first successful heartbeat after the fault began is its recovery.
    await eventually(() => [...lab.heartbeats.values()].every((h) => h.lastOkAt > faultAt + 100), 20_000, 'every node to heartbeat again');
    const recovery = [...lab.heartbeats].map(([name, h]) => [name, (h.lastOkAt - faultAt) / 1000] as const);
    const worst = Math.max(...recovery.map(([, s]) => s));
    console.log(`L1: heartbeats recovered after ${recovery.map(([n, s]) => `${n.replace('tskube-node-', 'n')} ${s.toFixed(1)}s`).join(', ')}; worst ${worst.toFixed(1)} s (grace 5 s)`);

    // Stay through the rest of the blackhole and a grace period after it.
    await new Promise((r) => setTimeout(r, (BLACKHOLE_SECONDS + 5) * 1000 - (Date.now() - faultAt)));
    const ready = await lab.readyStatus();
    assert.deepEqual([...ready.values()].filter((s) => s !== 'True'), [], `nodes not Ready: ${JSON.stringify([...ready])}`);
    assert.equal(lab.controller.stats.notReadyTransitions, transitionsBefore, 'no node went NotReady or Unknown');
    assert.equal(lab.controller.stats.evictions, 0);
    assert.deepEqual(await lab.podNames(), podsBefore);
    assert.ok(worst < 5, `a node took ${worst} s to recover, longer than the grace period`);
    const failed = [...lab.heartbeats.values()].reduce((n, h) => n + h.failed, 0);
    assert.ok(failed > 0, 'the blackhole did cut heartbeats (else the test proved nothing)');
  });
});
