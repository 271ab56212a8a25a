/**
 * Scenarios L3 and L2 of docs/scenarios.md (seed 000), with every interval scaled down ~10×
 * together: lease renewed every 1 s (duration 4 s), status every 1 s, grace period 5 s, monitor
 * period 0.5 s, tolerations 3 s, eviction rate 1 node/s per zone.
 *
 * L3: one node agent stops → that node goes Unknown after the grace period and only its pods are
 *     evicted, after their tolerationSeconds.
 * L2: every node agent goes silent at once → all nodes Unknown and tainted NoSchedule, but every
 *     zone is fully disrupted, so NOTHING is evicted; all Ready again soon after they return.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { eventually } from '../support/apiserver.js';
import { SCALED_TIMING, startLifecycleLab, type LifecycleLab } from '../support/lifecycle-lab.js';

const GRACE_MS = SCALED_TIMING.lifecycle.nodeMonitorGracePeriodMs;
const TOLERATION_SECONDS = SCALED_TIMING.tolerationSeconds;

let lab: LifecycleLab;
before(async () => {
  lab = await startLifecycleLab({
    nodes: 6,
    zones: ['zone-a', 'zone-b', 'zone-c'],
    ...SCALED_TIMING,
  });
});
after(() => lab?.close());

describe('node lifecycle scenarios', () => {
  it('L3: one silent node goes Unknown after the grace period and only its pods are evicted', async () => {
    const victim = 'tskube-node-1';
    const podsBefore = await lab.podNames();
    assert.equal(podsBefore.length, 12);
    const stoppedAt = Date.now();
    lab.stopNode(victim);
    await eventually(async () => (await lab.readyStatus()).get(victim) === 'Unknown', 20_000, `${victim} to become Unknown`);
    const unknownAfter = (Date.now() - stoppedAt) / 1000;
    await eventually(async () => !(await lab.podNames()).some((p) => p.startsWith(`${victim}-`)), 20_000, `${victim}'s pods to be evicted`);
    const evictedAfter = (Date.now() - stoppedAt) / 1000;
    console.log(`L3: ${victim} Unknown ${unknownAfter.toFixed(1)} s after its agent stopped (grace ${GRACE_MS / 1000} s); its pods evicted after ${evictedAfter.toFixed(1)} s (tolerations ${TOLERATION_SECONDS} s)`);

    assert.ok(unknownAfter >= GRACE_MS / 1000 - 1.5, `Unknown too early: ${unknownAfter} s`);
    const ready = await lab.readyStatus();
    for (const [name, status] of ready) if (name !== victim) assert.equal(status, 'True', `${name} should stay Ready`);
    const podsAfter = await lab.podNames();
    assert.deepEqual(podsAfter, podsBefore.filter((p) => !p.startsWith(`${victim}-`)), 'only the silent node lost pods');
    assert.equal(lab.controller.stats.evictions, 2);

    // The node comes back: Ready again, taints gone.
    lab.startNode(victim);
    await eventually(async () => (await lab.readyStatus()).get(victim) === 'True', 20_000, `${victim} to be Ready again`);
    await eventually(async () => {
      const node = await lab.admin.resource('', 'v1', 'nodes').get(victim);
      return ((node.spec as { taints?: unknown[] } | undefined)?.taints ?? []).length === 0;
    }, 10_000, `${victim}'s taints to be removed`);
  });

  it('L2: when every node goes silent at once nothing is evicted, and all recover', async () => {
    const podsBefore = await lab.podNames();
    const evictionsBefore = lab.controller.stats.evictions;
    for (const node of lab.nodes) lab.stopNode(node.identity.name);
    await eventually(async () => [...(await lab.readyStatus()).values()].every((s) => s === 'Unknown'), 20_000, 'all nodes Unknown');
    assert.ok([...lab.controller.stats.zoneStates.values()].every((s) => s === 'FullDisruption'));
    // Wait well past the tolerations: a controller that evicts would have done so by now.
    await new Promise((r) => setTimeout(r, (TOLERATION_SECONDS + 3) * 1000));
    assert.equal(lab.controller.stats.evictions, evictionsBefore, 'no pod evicted during full disruption');
    assert.deepEqual(await lab.podNames(), podsBefore);
    for (const node of lab.nodes) {
      const live = await lab.admin.resource('', 'v1', 'nodes').get(node.identity.name);
      const taints = (live.spec as { taints?: { key: string; effect: string }[] } | undefined)?.taints ?? [];
      assert.deepEqual(taints.map((t) => `${t.key}:${t.effect}`), ['node.kubernetes.io/unreachable:NoSchedule'], `${node.identity.name} taints`);
    }

    const returnedAt = Date.now();
    for (const node of lab.nodes) lab.startNode(node.identity.name);
    await eventually(async () => [...(await lab.readyStatus()).values()].every((s) => s === 'True'), 15_000, 'all nodes Ready within 15 s');
    console.log(`L2: all ${lab.nodes.length} nodes Ready ${((Date.now() - returnedAt) / 1000).toFixed(1)} s after their agents returned; ${lab.controller.stats.evictions - evictionsBefore} pods evicted`);
  });
});
