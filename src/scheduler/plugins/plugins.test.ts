import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runFilters, schedule, Snapshot, type FilterPlugin, type Pod } from '../framework.js';
import { defaultProfile } from '../profile.js';
import { makeNode, makePod } from '../testing.js';
import { interPodAffinityFilter } from './inter-pod-affinity.js';
import { nodeAffinityFilter } from './node-affinity.js';
import { nodePorts } from './node-ports.js';
import { nodeResourcesFit } from './node-resources-fit.js';
import { nodeUnschedulable } from './node-unschedulable.js';
import { podTopologySpreadFilter } from './pod-topology-spread.js';
import { taintTolerationFilter } from './taint-toleration.js';

/** Each node's reasons under one filter plugin ('' when it passes). */
function reasons(plugin: FilterPlugin, pod: Pod, snapshot: Snapshot): Record<string, string> {
  const out = runFilters({ filters: [plugin], scores: [] }, pod, snapshot);
  return Object.fromEntries(snapshot.nodeInfos.map((ni) => [ni.name, out.nodeToStatus.get(ni.name)?.reasons.join('; ') ?? '']));
}

const zones = (n: number, perZone = 1) =>
  Array.from({ length: n * perZone }, (_, i) => makeNode(`n${i}`, { labels: { 'topology.kubernetes.io/zone': `z${Math.floor(i / perZone)}` } }));

describe('NodeUnschedulable', () => {
  it('rejects a cordoned node unless the pod tolerates the unschedulable taint', () => {
    const snap = new Snapshot([makeNode('ok'), makeNode('cordoned', { unschedulable: true })]);
    assert.deepEqual(reasons(nodeUnschedulable, makePod('p'), snap), { ok: '', cordoned: 'node(s) were unschedulable' });
    const tolerant = makePod('p', { tolerations: [{ key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' }] });
    assert.deepEqual(reasons(nodeUnschedulable, tolerant, snap), { ok: '', cordoned: '' });
  });
});

describe('TaintToleration', () => {
  const snap = new Snapshot([
    makeNode('clean'),
    makeNode('notready', { taints: [{ key: 'node.kubernetes.io/not-ready', effect: 'NoSchedule' }] }),
    makeNode('gpu', { taints: [{ key: 'gpu', value: 'true', effect: 'NoExecute' }] }),
    makeNode('soft', { taints: [{ key: 'soft', effect: 'PreferNoSchedule' }] }),
  ]);
  it('rejects NoSchedule/NoExecute taints with upstream 1.32 wording', () => {
    assert.deepEqual(reasons(taintTolerationFilter, makePod('p'), snap), {
      clean: '',
      notready: 'node(s) had untolerated taint {node.kubernetes.io/not-ready: }',
      gpu: 'node(s) had untolerated taint {gpu: true}',
      soft: '',
    });
  });
  it('passes tolerated taints', () => {
    const p = makePod('p', { tolerations: [{ key: 'gpu', operator: 'Equal', value: 'true' }, { key: 'node.kubernetes.io/not-ready', operator: 'Exists' }] });
    assert.deepEqual(Object.values(reasons(taintTolerationFilter, p, snap)), ['', '', '', '']);
  });
});

describe('NodeResourcesFit', () => {
  it('reports Insufficient cpu / memory and Too many pods', () => {
    const snap = new Snapshot(
      [makeNode('big'), makeNode('small', { cpu: '500m', memory: '128Mi' }), makeNode('full', { pods: '1' })],
      [makePod('x', { nodeName: 'full' })],
    );
    assert.deepEqual(reasons(nodeResourcesFit, makePod('p', { cpu: '1', memory: '1Gi' }), snap), {
      big: '',
      small: 'Insufficient cpu; Insufficient memory',
      full: 'Too many pods',
    });
  });
  it('counts what assigned pods request, with quantities like 1e9 and 0.5', () => {
    const snap = new Snapshot([makeNode('n', { cpu: '1', memory: '2e9' })], [makePod('x', { cpu: '0.5', memory: '1e9', nodeName: 'n' })]);
    assert.equal(reasons(nodeResourcesFit, makePod('p', { cpu: '500m', memory: '1e9' }), snap)['n'], '');
    assert.equal(reasons(nodeResourcesFit, makePod('p', { cpu: '501m' }), snap)['n'], 'Insufficient cpu');
  });
});

describe('NodeAffinity', () => {
  const snap = new Snapshot([
    makeNode('a', { labels: { zone: 'a', gen: '5', disk: 'ssd' } }),
    makeNode('b', { labels: { zone: 'b', gen: '3' } }),
    makeNode('c', { labels: { zone: 'c' } }),
  ]);
  const withTerms = (...nodeSelectorTerms: object[]) =>
    makePod('p', { affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms } } } as never });
  const R = "node(s) didn't match Pod's node affinity/selector";
  it('honours nodeSelector', () => {
    assert.deepEqual(reasons(nodeAffinityFilter, makePod('p', { nodeSelector: { zone: 'b' } }), snap), { a: R, b: '', c: R });
  });
  it('supports In, NotIn, Exists, DoesNotExist, Gt, Lt and ORs terms', () => {
    const f = (...t: object[]) => reasons(nodeAffinityFilter, withTerms(...t), snap);
    assert.deepEqual(f({ matchExpressions: [{ key: 'zone', operator: 'In', values: ['a', 'c'] }] }), { a: '', b: R, c: '' });
    assert.deepEqual(f({ matchExpressions: [{ key: 'zone', operator: 'NotIn', values: ['a'] }] }), { a: R, b: '', c: '' });
    assert.deepEqual(f({ matchExpressions: [{ key: 'disk', operator: 'Exists' }] }), { a: '', b: R, c: R });
    assert.deepEqual(f({ matchExpressions: [{ key: 'disk', operator: 'DoesNotExist' }] }), { a: R, b: '', c: '' });
    assert.deepEqual(f({ matchExpressions: [{ key: 'gen', operator: 'Gt', values: ['4'] }] }), { a: '', b: R, c: R });
    assert.deepEqual(f({ matchExpressions: [{ key: 'gen', operator: 'Lt', values: ['4'] }] }), { a: R, b: '', c: R });
    assert.deepEqual(
      f({ matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }] }, { matchFields: [{ key: 'metadata.name', operator: 'In', values: ['c'] }] }),
      { a: '', b: R, c: '' },
    );
    assert.deepEqual(f({}), { a: R, b: R, c: R });
  });
});

describe('NodePorts', () => {
  it('rejects a node where the host port is taken', () => {
    const snap = new Snapshot([makeNode('taken'), makeNode('free')], [makePod('x', { hostPorts: [8080], nodeName: 'taken' })]);
    assert.deepEqual(reasons(nodePorts, makePod('p', { hostPorts: [8080] }), snap), {
      taken: "node(s) didn't have free ports for the requested pod ports",
      free: '',
    });
    assert.deepEqual(reasons(nodePorts, makePod('p', { hostPorts: [9090] }), snap), { taken: '', free: '' });
  });
});

describe('InterPodAffinity', () => {
  const hostnameAnti = { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: { app: 'web' } } }] } };
  it('required anti-affinity by hostname keeps replicas apart, then fails with upstream text', () => {
    const snap = new Snapshot([makeNode('h1'), makeNode('h2')]);
    const placed: string[] = [];
    for (let i = 0; i < 2; i++) {
      const p = makePod(`web-${i}`, { labels: { app: 'web' }, affinity: hostnameAnti });
      const r = schedule(p, snap, defaultProfile, { random: () => 0 });
      assert.ok(r.ok);
      placed.push(r.nodeName);
      snap.assume(p, r.nodeName);
    }
    assert.deepEqual(placed.sort(), ['h1', 'h2']);
    const r = schedule(makePod('web-2', { labels: { app: 'web' }, affinity: hostnameAnti }), snap, defaultProfile);
    assert.ok(!r.ok);
    assert.equal(
      r.error.message,
      "0/2 nodes are available: 2 node(s) didn't match pod anti-affinity rules. preemption: 0/2 nodes are available: 2 No preemption victims found for incoming pod.",
    );
  });
  it("rejects nodes against existing pods' anti-affinity", () => {
    const snap = new Snapshot([makeNode('h1'), makeNode('h2')], [makePod('loner', { nodeName: 'h1', affinity: hostnameAnti })]);
    assert.deepEqual(reasons(interPodAffinityFilter, makePod('p', { labels: { app: 'web' } }), snap), {
      h1: "node(s) didn't satisfy existing pods anti-affinity rules",
      h2: '',
    });
  });
  it('required affinity by zone follows the matching pod; the first of a self-affine group goes anywhere', () => {
    const aff = { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: 'topology.kubernetes.io/zone', labelSelector: { matchLabels: { app: 'db' } } }] } };
    const empty = new Snapshot(zones(3));
    assert.deepEqual(Object.values(reasons(interPodAffinityFilter, makePod('p', { labels: { app: 'db' }, affinity: aff }), empty)), ['', '', '']);
    const snap = new Snapshot(zones(3), [makePod('db', { labels: { app: 'db' }, nodeName: 'n1' })]);
    const R = "node(s) didn't match pod affinity rules";
    assert.deepEqual(reasons(interPodAffinityFilter, makePod('p', { affinity: aff }), snap), { n0: R, n1: '', n2: R });
  });
  it('preferred affinity changes the choice', () => {
    const nodes = [makeNode('a'), makeNode('b')];
    const pods = [makePod('cache', { labels: { app: 'cache' }, nodeName: 'b', cpu: '1' })];
    const plain = schedule(makePod('p'), new Snapshot(nodes, pods), defaultProfile, { random: () => 0 });
    assert.ok(plain.ok);
    assert.equal(plain.nodeName, 'a');
    const pref = {
      podAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 100, podAffinityTerm: { topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: { app: 'cache' } } } }] },
    };
    const r = schedule(makePod('p', { affinity: pref }), new Snapshot(nodes, pods), defaultProfile, { random: () => 0 });
    assert.ok(r.ok);
    assert.equal(r.nodeName, 'b');
  });
  it("existing pods' preferred affinity draws a pod that has no terms of its own", () => {
    const nodes = [makeNode('a'), makeNode('b')];
    const likesWeb = {
      podAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 100, podAffinityTerm: { topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: { app: 'web' } } } }] },
    };
    const pods = [makePod('fan', { nodeName: 'b', cpu: '1', affinity: likesWeb }), makePod('other', { nodeName: 'a', cpu: '1' })];
    // The tie breaker keeps the first of equals ('a'): only the affinity can choose 'b'.
    const r = schedule(makePod('p', { labels: { app: 'web' } }), new Snapshot(nodes, pods), defaultProfile, { random: () => 0.99 });
    assert.ok(r.ok);
    assert.equal(r.nodeName, 'b');
    const plain = schedule(makePod('p', { labels: { app: 'api' } }), new Snapshot(nodes, pods), defaultProfile, { random: () => 0.99 });
    assert.ok(plain.ok);
    assert.equal(plain.nodeName, 'a');
  });

  it('preferred node affinity changes the choice', () => {
    const nodes = [makeNode('a', { labels: { disk: 'hdd' } }), makeNode('b', { labels: { disk: 'ssd' } })];
    const pods = [makePod('x', { nodeName: 'b', cpu: '1' })];
    const pref = { nodeAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 50, preference: { matchExpressions: [{ key: 'disk', operator: 'In', values: ['ssd'] }] } }] } };
    const r = schedule(makePod('p', { affinity: pref }), new Snapshot(nodes, pods), defaultProfile, { random: () => 0 });
    assert.ok(r.ok);
    assert.equal(r.nodeName, 'b');
  });
});

describe('PodTopologySpread', () => {
  const spread = (when: 'DoNotSchedule' | 'ScheduleAnyway') => [
    { maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: when, labelSelector: { matchLabels: { app: 'web' } } },
  ];
  for (const when of ['DoNotSchedule', 'ScheduleAnyway'] as const) {
    it(`${when}: 6 replicas scheduled one by one over 3 zones end 2 per zone`, () => {
      const snap = new Snapshot(zones(3, 2));
      const perZone = new Map<string, number>();
      for (let i = 0; i < 6; i++) {
        const p = makePod(`web-${i}`, { labels: { app: 'web' }, topologySpreadConstraints: spread(when) });
        // A random source that always picks the last tie: spreading must not rely on luck.
        const r = schedule(p, snap, defaultProfile, { random: () => 0 });
        assert.ok(r.ok);
        snap.assume(p, r.nodeName);
        const zone = snap.get(r.nodeName)?.labels['topology.kubernetes.io/zone'] ?? '';
        perZone.set(zone, (perZone.get(zone) ?? 0) + 1);
      }
      assert.deepEqual([...perZone.entries()].sort(), [['z0', 2], ['z1', 2], ['z2', 2]]);
    });
  }
  it('rejects a skewed zone and a node lacking the key, with upstream text', () => {
    const nodes = [...zones(2), makeNode('nokey')];
    const snap = new Snapshot(nodes, [makePod('w', { labels: { app: 'web' }, nodeName: 'n0' })]);
    assert.deepEqual(reasons(podTopologySpreadFilter, makePod('p', { labels: { app: 'web' }, topologySpreadConstraints: spread('DoNotSchedule') }), snap), {
      n0: "node(s) didn't match pod topology spread constraints",
      n1: '',
      nokey: "node(s) didn't match pod topology spread constraints (missing required label)",
    });
  });
  it('spreads replicas of one controller across nodes without constraints (system defaults)', () => {
    const snap = new Snapshot([makeNode('a'), makeNode('b'), makeNode('c')]);
    const used = new Set<string>();
    for (let i = 0; i < 3; i++) {
      const p = makePod(`r-${i}`, { ownerUid: 'rs-1', cpu: '10m' });
      const r = schedule(p, snap, defaultProfile, { random: () => 0 });
      assert.ok(r.ok);
      used.add(r.nodeName);
      snap.assume(p, r.nodeName);
    }
    assert.equal(used.size, 3);
  });
});
