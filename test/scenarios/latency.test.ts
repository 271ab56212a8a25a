/**
 * Scenario T1 (seed 002): latency everywhere — every byte between the node agents and the API
 * server delayed, every storage write delayed — with the default timing ratios, and no node may
 * flap to NotReady. Scaled 10×: 2 s of latency becomes 200 ms each way and 200 ms per write;
 * heartbeats every 1 s, grace period 5 s. (The seed's own settings, a grace period equal to the
 * heartbeat interval, are refused by `tskube doctor`: test/cli/doctor.test.ts.)
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { MemoryKV } from '../../src/storage/memory/memory-kv.js';
import { SCALED_TIMING, startLifecycleLab, type LifecycleLab } from '../support/lifecycle-lab.js';
import { slowWrites } from '../support/slow-kv.js';

const LATENCY_MS = 200;
const OBSERVE_SECONDS = 15;

let lab: LifecycleLab;
before(async () => {
  lab = await startLifecycleLab({
    nodes: 6,
    zones: ['zone-a', 'zone-b', 'zone-c'],
    balancer: true,
    kv: slowWrites(new MemoryKV(), LATENCY_MS),
    ...SCALED_TIMING,
  });
});
after(() => lab?.close());

describe('T1: latency on every API call and storage write', () => {
  it(`keeps every node Ready for ${OBSERVE_SECONDS} s with the default timing ratios`, async () => {
    const transitionsBefore = lab.controller.stats.notReadyTransitions;
    await lab.lb!.setFault({ mode: 'latency', scope: 'all', latencyMs: LATENCY_MS });
    const okBefore = [...lab.heartbeats.values()].reduce((n, h) => n + h.ok, 0);
    await new Promise((r) => setTimeout(r, OBSERVE_SECONDS * 1000));
    const ok = [...lab.heartbeats.values()].reduce((n, h) => n + h.ok, 0) - okBefore;
    const failed = [...lab.heartbeats.values()].reduce((n, h) => n + h.failed, 0);
    console.log(`T1: ${ok} heartbeats succeeded and ${failed} failed under ${LATENCY_MS} ms network + ${LATENCY_MS} ms storage latency; NotReady transitions ${lab.controller.stats.notReadyTransitions - transitionsBefore}`);
    assert.equal(lab.controller.stats.notReadyTransitions, transitionsBefore, 'no node flapped to NotReady');
    assert.deepEqual([...(await lab.readyStatus()).values()].filter((s) => s !== 'True'), []);
    assert.equal(lab.controller.stats.evictions, 0);
    // One lease renewal a second per node (status is written only when it changes).
    assert.ok(ok >= lab.nodes.length * OBSERVE_SECONDS * 0.8, `heartbeats kept flowing: ${ok}`);
  });
});
