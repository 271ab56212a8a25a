/**
 * Scenario L2 (seed 000): the load balancer in front of the API server refuses every connection
 * for a long time, on a multi-zone cluster. Every node goes Unknown and gets the NoSchedule
 * unreachable taint, but every zone is fully disrupted — the fault is between the nodes and the
 * control plane — so nothing is evicted; when the balancer recovers, every node is Ready again
 * quickly. Scaled 10×: 3 minutes of refusal become 18 s; grace period 5 s; tolerations 3 s.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { eventually } from '../support/apiserver.js';
import { SCALED_TIMING, startLifecycleLab, type LifecycleLab } from '../support/lifecycle-lab.js';

const REFUSE_SECONDS = 18;

let lab: LifecycleLab;
before(async () => {
  lab = await startLifecycleLab({
    nodes: 9,
    zones: ['zone-a', 'zone-b', 'zone-c'],
    balancer: true,
    ...SCALED_TIMING,
  });
});
after(() => lab?.close());

describe('L2: the balancer refuses everything for a long time', () => {
  it('marks every node Unknown, evicts nothing, and recovers every node', async () => {
    const podsBefore = await lab.podNames();
    const faultAt = Date.now();
    await lab.lb!.setFault({ mode: 'refuse', scope: 'all', durationSeconds: REFUSE_SECONDS });
    await eventually(async () => [...(await lab.readyStatus()).values()].every((s) => s === 'Unknown'), 20_000, 'all nodes Unknown');
    const unknownAfter = (Date.now() - faultAt) / 1000;
    assert.ok([...lab.controller.stats.zoneStates.values()].every((s) => s === 'FullDisruption'));
    for (const node of lab.nodes) {
      const live = await lab.admin.resource('', 'v1', 'nodes').get(node.identity.name);
      const taints = (live.spec as { taints?: { key: string; effect: string }[] } | undefined)?.taints ?? [];
      assert.deepEqual(taints.map((t) => `${t.key}:${t.effect}`), ['node.kubernetes.io/unreachable:NoSchedule']);
    }
    // Wait out the refusal: far longer than the tolerations, so any eviction would have happened.
    await new Promise((r) => setTimeout(r, Math.max(0, REFUSE_SECONDS * 1000 - (Date.now() - faultAt))));
    const recoveredAt = Date.now();
    await eventually(async () => [...(await lab.readyStatus()).values()].every((s) => s === 'True'), 15_000, 'all nodes Ready within 15 s of recovery');
    const readyAfter = (Date.now() - recoveredAt) / 1000;
    console.log(`L2: all ${lab.nodes.length} nodes Unknown ${unknownAfter.toFixed(1)} s into the refusal; ${lab.controller.stats.evictions} pods evicted; all Ready ${readyAfter.toFixed(1)} s after the balancer recovered`);
    assert.equal(lab.controller.stats.evictions, 0);
    assert.deepEqual(await lab.podNames(), podsBefore);
  });
});
