/**
 * Every endpoint-selection rule, as a table: seed 001's topologyKeys semantics (first matching
 * key wins, "*" matches all, no match refuses, unknown node labels skipped), internalTrafficPolicy
 * Local, topology hints, and the ready → serving-and-terminating fallback.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ServicePort } from 'kubernetes-types/core/v1.js';
import { endpointsForPort } from './endpoints.js';
import { selectEndpoints, type Selection } from './select-endpoints.js';
import type { EndpointSlice, NodeTopology, Service, ServiceSpecWithTopology } from './types.js';

const HOST = 'kubernetes.io/hostname';
const ZONE = 'topology.kubernetes.io/zone';
const REGION = 'topology.kubernetes.io/region';
const RACK = 'example.com/rack';

/** Six nodes: a1 a2 in zone-a, b1 b2 in zone-b (region r1), c1 c2 in zone-c (region r2). */
const NODES: Record<string, Record<string, string>> = {};
for (const [zone, region] of [['a', 'r1'], ['b', 'r1'], ['c', 'r2']] as const) {
  for (const i of [1, 2]) NODES[`${zone}${i}`] = { [HOST]: `${zone}${i}`, [ZONE]: `zone-${zone}`, [REGION]: region, [RACK]: `rack-${zone}` };
}
const node = (name: string): NodeTopology => ({ name, labels: NODES[name] ?? {} });
const nodeLabels = (name: string) => NODES[name];

interface Ep {
  node: string;
  ready?: boolean;
  serving?: boolean;
  terminating?: boolean;
  hints?: string[];
}

const PORT: ServicePort = { name: 'http', port: 80, protocol: 'TCP', targetPort: 8080 };

function slices(eps: readonly Ep[]): EndpointSlice[] {
  return [
    {
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: { name: 'web-abc', namespace: 'default', labels: { 'kubernetes.io/service-name': 'web' } },
      addressType: 'IPv4',
      ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
      endpoints: eps.map((e, i) => ({
        addresses: [`127.64.0.${i + 1}`],
        nodeName: e.node,
        zone: NODES[e.node]?.[ZONE] ?? 'zone-x',
        conditions: {
          ...(e.ready !== undefined && { ready: e.ready }),
          ...(e.serving !== undefined && { serving: e.serving }),
          ...(e.terminating !== undefined && { terminating: e.terminating }),
        },
        ...(e.hints && { hints: { forZones: e.hints.map((name) => ({ name })) } }),
      })),
    },
  ];
}

function service(spec: Partial<ServiceSpecWithTopology> = {}): Service {
  return { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'default' }, spec: { clusterIP: '127.96.0.10', ports: [PORT], ...spec } };
}

/** The chosen endpoints as node names (one per endpoint, in order), or "refuse". */
function choose(from: string, spec: Partial<ServiceSpecWithTopology>, eps: readonly Ep[]): string[] | 'refuse' {
  const s: Selection = selectEndpoints({ node: node(from), service: service(spec), port: PORT, slices: slices(eps), nodeLabels });
  return s.kind === 'refuse' ? 'refuse' : s.endpoints.map((e) => e.nodeName!);
}

const SEED_KEYS = [HOST, ZONE, '*'];
const spread: Ep[] = [{ node: 'a1' }, { node: 'a2' }, { node: 'b1' }, { node: 'c2' }];

describe('topologyKeys (seed 001, Kubernetes 1.17)', () => {
  const cases: [string, string, readonly string[], readonly Ep[], string[] | 'refuse'][] = [
    ['hostname first: a local endpoint takes all traffic', 'a1', SEED_KEYS, spread, ['a1']],
    ['no local endpoint: the zone key picks the same zone', 'b2', SEED_KEYS, spread, ['b1']],
    ['zone key keeps every endpoint of the zone', 'a1', [ZONE, '*'], spread, ['a1', 'a2']],
    ['neither host nor zone: "*" takes any endpoint', 'c1', [HOST, ZONE, '*'], [{ node: 'a1' }, { node: 'b1' }], ['a1', 'b1']],
    ['no match and no "*": refused as if there were no endpoints', 'c1', [HOST, ZONE], [{ node: 'a1' }, { node: 'b1' }], 'refuse'],
    ['only hostname, endpoint elsewhere: refused', 'b2', [HOST], spread, 'refuse'],
    ['"*" alone: every endpoint', 'c1', ['*'], spread, ['a1', 'a2', 'b1', 'c2']],
    ['region key from Node labels (endpoints carry only node and zone)', 'b2', [HOST, REGION], [{ node: 'a1' }, { node: 'c1' }], ['a1']],
    ['region key: different region refused', 'c2', [REGION], [{ node: 'a1' }, { node: 'b1' }], 'refuse'],
    ['a custom node label as a key', 'a2', [RACK], spread, ['a1', 'a2']],
    ['a key the node has no label for is skipped', 'a2', ['example.com/none', ZONE], spread, ['a1', 'a2']],
    ['order matters: zone before hostname keeps the whole zone', 'a1', [ZONE, HOST], spread, ['a1', 'a2']],
    ['not-ready endpoints are never candidates, even when local', 'a1', SEED_KEYS, [{ node: 'a1', ready: false }, { node: 'a2' }], ['a2']],
    ['an endpoint of an unknown node matches only "*"', 'a1', [HOST, REGION, '*'], [{ node: 'zz' }], ['zz']],
    ['no endpoints at all: refused even with "*"', 'a1', SEED_KEYS, [], 'refuse'],
  ];
  for (const [name, from, keys, eps, want] of cases) {
    it(name, () => assert.deepEqual(choose(from, { topologyKeys: keys }, eps), want));
  }

  it('a node whose labels are unknown gets only what "*" allows', () => {
    const s = selectEndpoints({ node: { name: 'ghost', labels: {} }, service: service({ topologyKeys: [ZONE, '*'] }), port: PORT, slices: slices(spread), nodeLabels });
    assert.equal(s.kind, 'endpoints');
    const t = selectEndpoints({ node: { name: 'ghost', labels: {} }, service: service({ topologyKeys: [ZONE] }), port: PORT, slices: slices(spread), nodeLabels });
    assert.equal(t.kind, 'refuse');
  });

  it('hostname falls back to the node name when the node has no hostname label', () => {
    const s = selectEndpoints({ node: { name: 'a1', labels: {} }, service: service({ topologyKeys: [HOST] }), port: PORT, slices: slices(spread), nodeLabels });
    assert.deepEqual(s.kind === 'endpoints' && s.endpoints.map((e) => e.nodeName), ['a1']);
  });

  it('names the rule that chose', () => {
    const s = selectEndpoints({ node: node('b2'), service: service({ topologyKeys: SEED_KEYS }), port: PORT, slices: slices(spread), nodeLabels });
    assert.equal(s.kind === 'endpoints' && s.rule, `topologyKey=${ZONE}`);
  });
});

describe('internalTrafficPolicy: Local', () => {
  it('only endpoints on this node', () => assert.deepEqual(choose('a1', { internalTrafficPolicy: 'Local' }, spread), ['a1']));
  it('none on this node: refused (upstream drops)', () => assert.equal(choose('b2', { internalTrafficPolicy: 'Local' }, spread), 'refuse'));
  it('wins over topologyKeys', () => assert.equal(choose('b2', { internalTrafficPolicy: 'Local', topologyKeys: ['*'] }, spread), 'refuse'));
  it('a local terminating-but-serving endpoint is used when no local one is ready', () =>
    assert.deepEqual(choose('a1', { internalTrafficPolicy: 'Local' }, [{ node: 'a1', ready: false, serving: true, terminating: true }, { node: 'a2' }]), ['a1']));
  it('Cluster (the default) takes every endpoint', () => assert.deepEqual(choose('b2', { internalTrafficPolicy: 'Cluster' }, spread), ['a1', 'a2', 'b1', 'c2']));
});

describe('topology hints (trafficDistribution: PreferClose)', () => {
  const hinted: Ep[] = [
    { node: 'a1', hints: ['zone-a'] },
    { node: 'b1', hints: ['zone-b'] },
    { node: 'c1', hints: ['zone-c'] },
    { node: 'c2', hints: ['zone-c'] },
  ];
  const spec = { trafficDistribution: 'PreferClose' } as Partial<ServiceSpecWithTopology>;
  it('endpoints hinted for this zone', () => assert.deepEqual(choose('c1', spec, hinted), ['c1', 'c2']));
  it('a zone with an endpoint hinted to it from elsewhere', () =>
    assert.deepEqual(choose('b1', spec, [{ node: 'a1', hints: ['zone-a'] }, { node: 'a2', hints: ['zone-b'] }]), ['a2']));
  it('one ready endpoint without hints: hints ignored, all endpoints', () =>
    assert.deepEqual(choose('c1', spec, [...hinted, { node: 'a2' }]), ['a1', 'b1', 'c1', 'c2', 'a2']));
  it('no endpoint hinted for this zone: all endpoints', () =>
    assert.deepEqual(choose('b2', spec, [{ node: 'a1', hints: ['zone-a'] }, { node: 'c1', hints: ['zone-c'] }]), ['a1', 'c1']));
  it('a not-ready endpoint without hints does not disable hints', () =>
    assert.deepEqual(choose('c1', spec, [...hinted, { node: 'a2', ready: false }]), ['c1', 'c2']));
  it('topologyKeys win over hints', () => assert.deepEqual(choose('c1', { ...spec, topologyKeys: [HOST] }, hinted), ['c1']));
});

describe('readiness', () => {
  it('only ready endpoints when some are ready', () =>
    assert.deepEqual(choose('a1', {}, [{ node: 'a1', ready: false, serving: true, terminating: true }, { node: 'b1' }]), ['b1']));
  it('none ready: serving-and-terminating endpoints take the traffic', () =>
    assert.deepEqual(
      choose('a1', {}, [
        { node: 'a1', ready: false, serving: true, terminating: true },
        { node: 'b1', ready: false, serving: false, terminating: true },
        { node: 'c1', ready: false },
      ]),
      ['a1'],
    ));
  it('none ready, none serving: refused', () => assert.equal(choose('a1', {}, [{ node: 'a1', ready: false, serving: false, terminating: true }]), 'refuse'));
  it('topologyKeys apply to the terminating fallback too', () =>
    assert.deepEqual(choose('b1', { topologyKeys: [ZONE, '*'] }, [{ node: 'a1', ready: false, serving: true, terminating: true }, { node: 'b2', ready: false, serving: true, terminating: true }]), ['b2']));
  it('missing conditions mean ready', () => assert.deepEqual(choose('a1', {}, [{ node: 'c2' }]), ['c2']));
});

describe('endpointsForPort', () => {
  it('matches the slice port by name and protocol, uses the slice port number, and counts an address once', () => {
    const s = slices([{ node: 'a1' }]);
    const dup: EndpointSlice = { ...s[0]!, metadata: { ...s[0]!.metadata, name: 'web-def' } };
    const other: EndpointSlice = { ...s[0]!, metadata: { ...s[0]!.metadata, name: 'web-ghi' }, ports: [{ name: 'metrics', port: 9090, protocol: 'TCP' }] };
    const eps = endpointsForPort([...s, dup, other], PORT);
    assert.deepEqual(eps.map((e) => `${e.ip}:${e.port}`), ['127.64.0.1:8080']);
    assert.deepEqual(endpointsForPort(s, { ...PORT, protocol: 'UDP' }), []);
  });
});
