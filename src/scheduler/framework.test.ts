import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fitErrorMessage, numFeasibleNodesToFind, schedule, selectHost, Snapshot, unresolvable, unschedulable } from './framework.js';
import { defaultProfile } from './profile.js';
import { makeNode, makePod } from './testing.js';

describe('FitError message', () => {
  it('is upstream 1.32 text for 2 too-small nodes and 4 in the wrong zone', () => {
    const nodes = [
      makeNode('a1', { cpu: '1', labels: { zone: 'a' } }),
      makeNode('a2', { cpu: '1', labels: { zone: 'a' } }),
      ...['b1', 'b2', 'b3', 'b4'].map((n) => makeNode(n, { labels: { zone: 'b' } })),
    ];
    const result = schedule(makePod('p', { cpu: '2', nodeSelector: { zone: 'a' } }), new Snapshot(nodes), defaultProfile);
    assert.equal(result.ok, false);
    assert.ok(!result.ok);
    assert.equal(
      result.error.message,
      "0/6 nodes are available: 2 Insufficient cpu, 4 node(s) didn't match Pod's node affinity/selector. preemption: 0/6 nodes are available: 6 Preemption is not helpful for scheduling.",
    );
  });

  it('says "No preemption victims" for nodes that are full but big enough', () => {
    const nodes = [makeNode('n1', { cpu: '2' }), makeNode('n2', { cpu: '2', taints: [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }] })];
    const pods = [makePod('big', { cpu: '2', nodeName: 'n1' })];
    const result = schedule(makePod('p', { cpu: '1' }), new Snapshot(nodes, pods), defaultProfile);
    assert.ok(!result.ok);
    assert.equal(
      result.error.message,
      '0/2 nodes are available: 1 Insufficient cpu, 1 node(s) had untolerated taint {dedicated: gpu}. preemption: 0/2 nodes are available: 1 No preemption victims found for incoming pod, 1 Preemption is not helpful for scheduling.',
    );
  });

  it('names no suffix when preemption would find a victim, and says so for preemptionPolicy Never', () => {
    const nodes = [makeNode('n1', { cpu: '2' })];
    const pods = [makePod('low', { cpu: '2', nodeName: 'n1', priority: 0 })];
    const high = makePod('p', { cpu: '1', priority: 1000 });
    const r1 = schedule(high, new Snapshot(nodes, pods), defaultProfile);
    assert.ok(!r1.ok);
    assert.equal(r1.error.message, '0/1 nodes are available: 1 Insufficient cpu.');
    const never = { ...high, spec: { ...high.spec!, preemptionPolicy: 'Never' } };
    const r2 = schedule(never, new Snapshot(nodes, pods), defaultProfile);
    assert.ok(!r2.ok);
    assert.equal(r2.error.message, '0/1 nodes are available: 1 Insufficient cpu. preemption: not eligible due to preemptionPolicy=Never.');
  });

  it('sorts "count reason" as strings, as Go does, and counts every reason of a node', () => {
    const m = new Map([
      ...Array.from({ length: 10 }, (_, i) => [`x${i}`, unresolvable('zz')] as const),
      ['y1', unschedulable('Insufficient cpu', 'Insufficient memory')] as const,
      ['y2', unschedulable('Insufficient cpu')] as const,
    ]);
    assert.equal(fitErrorMessage(12, m), '0/12 nodes are available: 1 Insufficient memory, 10 zz, 2 Insufficient cpu.');
  });
});

describe('selectHost', () => {
  it('breaks ties with the injected random source', () => {
    const scores = new Map([['a', 5], ['b', 7], ['c', 7]]);
    assert.equal(selectHost(scores, () => 0), 'c');
    assert.equal(selectHost(scores, () => 0.99), 'b');
  });
});

describe('schedule', () => {
  it('picks the least allocated node', () => {
    const nodes = [makeNode('busy'), makeNode('idle')];
    const pods = [makePod('x', { cpu: '3', memory: '6Gi', nodeName: 'busy' })];
    const r = schedule(makePod('p', { cpu: '100m' }), new Snapshot(nodes, pods), defaultProfile, { random: () => 0 });
    assert.ok(r.ok);
    assert.equal(r.nodeName, 'idle');
  });

  it('ignores terminal pods when accounting', () => {
    const nodes = [makeNode('n1', { cpu: '1' })];
    const done = { ...makePod('done', { cpu: '1', nodeName: 'n1' }), status: { phase: 'Succeeded' } };
    const r = schedule(makePod('p', { cpu: '1' }), new Snapshot(nodes, [done]), defaultProfile);
    assert.ok(r.ok);
  });
});

describe('percentageOfNodesToScore', () => {
  it('finds as many feasible nodes as upstream: all below 100, 50% − nodes/125 (at least 5%, at least 100)', () => {
    assert.equal(numFeasibleNodesToFind(50), 50);
    assert.equal(numFeasibleNodesToFind(150), 100);
    assert.equal(numFeasibleNodesToFind(1_000), 420);
    assert.equal(numFeasibleNodesToFind(5_000), 500);
    assert.equal(numFeasibleNodesToFind(6_000), 300);
    assert.equal(numFeasibleNodesToFind(1_000, 20), 200);
    assert.equal(numFeasibleNodesToFind(1_000, 100), 1_000);
  });

  const nodes = Array.from({ length: 200 }, (_, i) => makeNode(`n${i}`));

  it('stops filtering once enough nodes passed, starting where it is told and wrapping around', () => {
    const r = schedule(makePod('p', { cpu: '100m' }), new Snapshot(nodes), defaultProfile, { startNodeIndex: 150 });
    assert.ok(r.ok);
    assert.equal(r.processedNodes, 100);
    assert.deepEqual(r.feasible, [...Array.from({ length: 50 }, (_, i) => `n${150 + i}`), ...Array.from({ length: 50 }, (_, i) => `n${i}`)]);
    assert.ok(r.feasible.includes(r.nodeName));
  });

  it('counts the nodes that failed as processed, and looks at every node before giving up', () => {
    const full = Array.from({ length: 60 }, (_, i) => makePod(`big-${i}`, { cpu: '4', nodeName: `n${i}` }));
    const r = schedule(makePod('p', { cpu: '1' }), new Snapshot(nodes, full), defaultProfile);
    assert.ok(r.ok);
    assert.equal(r.processedNodes, 160);
    assert.deepEqual(r.feasible, Array.from({ length: 100 }, (_, i) => `n${60 + i}`));
    const huge = schedule(makePod('huge', { cpu: '64' }), new Snapshot(nodes), defaultProfile, { startNodeIndex: 7 });
    assert.ok(!huge.ok);
    assert.equal(huge.processedNodes, 200);
    assert.match(huge.error.message, /^0\/200 nodes are available: 200 Insufficient cpu\./);
  });
});
