import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import { SchedulerCache, SchedulerCacheError } from './cache.js';
import { schedule } from './framework.js';
import type { NodeInfo } from './node-info.js';
import { NodeTree } from './node-tree.js';
import { defaultProfile } from './profile.js';
import { Snapshot } from './snapshot.js';
import { makeNode, makePod, type PodSpecLite } from './testing.js';

const ZONE = 'topology.kubernetes.io/zone';

/** What the filters and scores read from a NodeInfo, comparable with deepEqual. */
function summary(ni: NodeInfo) {
  const uids = (pods: readonly Pod[]) => pods.map((p) => p.metadata?.uid ?? '').sort();
  return {
    labels: ni.labels,
    allocatable: ni.allocatable,
    pods: uids(ni.pods),
    withAffinity: uids(ni.podsWithAffinity),
    withRequiredAntiAffinity: uids(ni.podsWithRequiredAntiAffinity),
    requested: ni.requested,
    nonZeroRequested: ni.nonZeroRequested,
    usedPorts: [...ni.usedPorts].map((p) => `${p.hostIP}/${p.protocol}/${p.port}`).sort(),
  };
}

function summaries(snapshot: Snapshot) {
  return Object.fromEntries([...snapshot.nodeInfos].sort((a, b) => a.name.localeCompare(b.name)).map((ni) => [ni.name, summary(ni)]));
}

const names = (infos: readonly NodeInfo[]) => infos.map((ni) => ni.name);
const anti = { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: { app: 'db' } } }] } };

describe('SchedulerCache', () => {
  it('keeps every NodeInfo equal to a snapshot built from scratch, through adds, updates and deletes', () => {
    const cache = new SchedulerCache();
    const snapshot = new Snapshot([], [], cache.namespaceLabels);
    const nodes = new Map<string, Node>();
    const pods = new Map<string, Pod>();
    const check = (step: string) => {
      cache.updateSnapshot(snapshot);
      const fresh = new Snapshot([...nodes.values()], [...pods.values()]);
      assert.deepEqual(summaries(snapshot), summaries(fresh), step);
      assert.deepEqual(names(snapshot.havePodsWithAffinity).sort(), names(fresh.havePodsWithAffinity).sort(), step);
      assert.deepEqual(names(snapshot.havePodsWithRequiredAntiAffinity).sort(), names(fresh.havePodsWithRequiredAntiAffinity).sort(), step);
    };
    const addNode = (n: Node) => {
      nodes.set(n.metadata!.name!, n);
      cache.addNode(n);
    };
    const addPod = (p: Pod) => {
      pods.set(p.metadata!.uid!, p);
      cache.addPod(p);
    };
    const removePod = (p: Pod) => {
      pods.delete(p.metadata!.uid!);
      cache.removePod(p);
    };

    for (let i = 0; i < 6; i++) addNode(makeNode(`n${i}`, { labels: { [ZONE]: `z${i % 3}` } }));
    check('nodes only');
    for (let i = 0; i < 12; i++) addPod(makePod(`p${i}`, { cpu: '100m', memory: '64Mi', nodeName: `n${i % 6}`, hostPorts: i % 4 === 0 ? [8000 + i] : undefined }));
    check('pods added');
    addPod(makePod('db', { nodeName: 'n2', labels: { app: 'db' }, affinity: anti }));
    check('a pod with anti-affinity');
    // A change of a pod in place (a resize: more cpu).
    const bigger = makePod('p3', { cpu: '2', memory: '64Mi', nodeName: 'n3' });
    pods.set(bigger.metadata!.uid!, bigger);
    cache.updatePod(bigger);
    check('pod updated');
    removePod(makePod('db', { nodeName: 'n2' }));
    removePod(makePod('p0', { nodeName: 'n0' }));
    check('pods removed');
    // A node relabelled into another zone and given more room.
    const moved = makeNode('n1', { cpu: '16', labels: { [ZONE]: 'z2' } });
    nodes.set('n1', moved);
    cache.updateNode(moved);
    check('node updated');
    // A pod that arrives before its node: counted once the node is there.
    addPod(makePod('early', { cpu: '1', nodeName: 'late' }));
    pods.delete('uid-early');
    check('pod of an unknown node');
    pods.set('uid-early', makePod('early', { cpu: '1', nodeName: 'late' }));
    addNode(makeNode('late', { labels: { [ZONE]: 'z0' } }));
    check('its node arrived');
    // A node removed while pods remain on it leaves the snapshot at once.
    nodes.delete('n4');
    cache.removeNode('n4');
    for (const p of [...pods.values()]) if (p.spec?.nodeName === 'n4') pods.delete(p.metadata!.uid!);
    check('node removed');
    assert.equal(snapshot.get('n4'), undefined);
    assert.equal(cache.nodeCount, 6);
  });

  it('shows an assumed pod at once, confirms it when the informer delivers it, and forgets it when binding fails', () => {
    const cache = new SchedulerCache();
    cache.addNode(makeNode('a'));
    cache.addNode(makeNode('b'));
    const pod = makePod('p', { cpu: '1' });
    cache.assumePod(pod, 'a');
    assert.ok(cache.isAssumed(pod));
    let snapshot = cache.newSnapshot();
    assert.equal(snapshot.get('a')?.requested.milliCPU, 1000);
    assert.throws(() => cache.assumePod(pod, 'b'), SchedulerCacheError);

    // The informer says another scheduler bound it to b: it moves there and is no longer assumed.
    cache.addPod({ ...pod, spec: { ...pod.spec!, nodeName: 'b' } });
    assert.equal(cache.isAssumed(pod), false);
    cache.updateSnapshot(snapshot);
    assert.equal(snapshot.get('a')?.requested.milliCPU, 0);
    assert.equal(snapshot.get('b')?.requested.milliCPU, 1000);
    // Forgetting a confirmed pod does nothing.
    cache.forgetPod(pod);
    assert.equal(cache.podCount, 1);

    const other = makePod('q', { cpu: '1' });
    cache.assumePod(other, 'a');
    cache.forgetPod(other);
    snapshot = cache.newSnapshot();
    assert.equal(snapshot.get('a')?.pods.length, 0);
    assert.equal(cache.isAssumed(other), false);
    // A pod deleted before its binding landed takes its assumption with it.
    cache.assumePod(other, 'a');
    cache.removePod(other);
    assert.equal(cache.podCount, 1);
  });

  it('copies into the snapshot only the NodeInfos changed since the last update, and isolates it from later changes', () => {
    const cache = new SchedulerCache();
    for (const n of ['a', 'b', 'c']) cache.addNode(makeNode(n));
    const snapshot = cache.newSnapshot();
    const [a, b] = [snapshot.get('a'), snapshot.get('b')];
    const generation = snapshot.generation;
    cache.assumePod(makePod('p', { cpu: '1' }), 'b');
    // Not yet copied: the cycle that holds the snapshot sees the cluster as it was.
    assert.equal(snapshot.get('b')?.pods.length, 0);
    cache.updateSnapshot(snapshot);
    assert.ok(snapshot.generation > generation);
    assert.equal(snapshot.get('a'), a);
    assert.equal(snapshot.get('b'), b, 'updated in place');
    assert.equal(snapshot.get('b')?.pods.length, 1);
    assert.equal(a?.generation !== undefined && a.generation <= generation, true, 'a was not copied again');
    assert.deepEqual(names(snapshot.nodeInfos), ['a', 'b', 'c']);
  });
});

describe('SchedulerCache decisions', () => {
  it('places a mixed workload exactly as snapshots built from scratch do', () => {
    // Nodes added zone by zone in turn, so the cache's round-robin order is the insertion order.
    const nodes = Array.from({ length: 30 }, (_, i) => makeNode(`n${i}`, { cpu: '4', labels: { [ZONE]: `z${i % 3}` } }));
    const spread = [{ maxSkew: 1, topologyKey: ZONE, whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: { app: 'web' } } }];
    const nearWeb = { podAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 50, podAffinityTerm: { topologyKey: ZONE, labelSelector: { matchLabels: { app: 'web' } } } }] } };
    const kinds: PodSpecLite[] = [
      { labels: { app: 'web' }, cpu: '300m', topologySpreadConstraints: spread },
      { labels: { app: 'db' }, cpu: '200m', affinity: anti },
      { ownerUid: 'rs-1', cpu: '500m' },
      { cpu: '250m', affinity: nearWeb, hostPorts: [8080] },
      { cpu: '1', memory: '1Gi' },
    ];
    const cache = new SchedulerCache();
    for (const n of nodes) cache.addNode(n);
    const snapshot = cache.newSnapshot();
    const placed: Pod[] = [];
    let failures = 0;
    for (let i = 0; i < 200; i++) {
      const pod = makePod(`p${i}`, kinds[i % kinds.length]);
      cache.updateSnapshot(snapshot);
      const viaCache = schedule(pod, snapshot, defaultProfile, { random: () => 0 });
      const fromScratch = schedule(pod, new Snapshot(nodes, placed), defaultProfile, { random: () => 0 });
      assert.equal(viaCache.ok ? viaCache.nodeName : viaCache.error.message, fromScratch.ok ? fromScratch.nodeName : fromScratch.error.message, `pod ${i}`);
      if (!viaCache.ok) {
        failures++;
        continue;
      }
      const bound = { ...pod, spec: { ...pod.spec!, nodeName: viaCache.nodeName } };
      placed.push(bound);
      cache.assumePod(pod, viaCache.nodeName);
      // The informer confirms some bindings before the next cycle, others later.
      if (i % 3 !== 0) cache.addPod(bound);
    }
    assert.ok(failures > 0 && failures < 150, `${failures} pods did not fit`);
  });
});

describe('SchedulerCache node order', () => {
  it('visits nodes round-robin across zones, and follows nodes that come, go or change zone', () => {
    const cache = new SchedulerCache();
    for (const [name, zone] of [['a', 'z1'], ['b', 'z1'], ['c', 'z2']] as const) cache.addNode(makeNode(name, { labels: { [ZONE]: zone } }));
    const snapshot = cache.newSnapshot();
    assert.deepEqual(names(snapshot.nodeInfos), ['a', 'c', 'b']);
    cache.updateNode(makeNode('a', { labels: { [ZONE]: 'z2' } }));
    cache.updateSnapshot(snapshot);
    assert.deepEqual(names(snapshot.nodeInfos), ['b', 'c', 'a']);
    cache.removeNode('c');
    cache.addNode(makeNode('d', { labels: { [ZONE]: 'z3' } }));
    cache.updateSnapshot(snapshot);
    assert.deepEqual(names(snapshot.nodeInfos), ['b', 'a', 'd']);
    assert.deepEqual([...snapshot.nodeInfoMap.keys()].sort(), ['a', 'b', 'd']);
  });
});

describe('NodeTree', () => {
  it('lists nodes round-robin across zones, each zone in the order its nodes came', () => {
    const tree = new NodeTree();
    for (const [name, zone] of [['a1', 'a'], ['a2', 'a'], ['a3', 'a'], ['b1', 'b'], ['c1', 'c'], ['c2', 'c']] as const) {
      tree.addNode(makeNode(name, { labels: { [ZONE]: zone } }));
    }
    tree.addNode(makeNode('nozone'));
    assert.deepEqual(tree.list(), ['a1', 'b1', 'c1', 'nozone', 'a2', 'c2', 'a3']);
    tree.removeNode('b1');
    assert.equal(tree.updateNode(makeNode('a3', { labels: { [ZONE]: 'c' } })), true);
    assert.deepEqual(tree.list(), ['a1', 'c1', 'nozone', 'a2', 'c2', 'a3']);
    assert.equal(tree.size, 6);
  });
});
