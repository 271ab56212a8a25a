/**
 * Seed 001, topology-aware routing, with the whole cluster in host networking mode: six nodes
 * over three zones (test node i in zone-[a,b,c][(i-1) mod 3]: nodes 1,4 in zone-a, 2,5 in
 * zone-b, 3,6 in zone-c; cluster node indexes 101-106), tskube/echo pods placed per case, and
 * 200 new connections from each node to that node's proxy per case, every answer counted by the
 * pod that served it.
 *
 * Four echo pods serve four Services, each selecting a subset by label:
 *
 *   pod      node  zone    keys  strict  close  local
 *   echo-n1  1     zone-a   x      x       x      x
 *   echo-n2  2     zone-b   x      x       x      x
 *   echo-n5  5     zone-b   x              x
 *   echo-n3  3     zone-c                         x
 *
 *   keys    topologyKeys [hostname, zone, "*"]: local first, then the zone, then anything;
 *   strict  topologyKeys [hostname, zone]: refused (ECONNREFUSED) where neither matches;
 *   close   trafficDistribution PreferClose: the node's zone when it has endpoints, else any;
 *   local   internalTrafficPolicy Local: the node's own endpoint, refused elsewhere.
 *
 * For `keys`, the clients are pods — one per node, a node script that opens 200 connections to
 * $KEYS_SERVICE_HOST:$KEYS_SERVICE_PORT (its node's proxy address) and prints its counts, read
 * back with `kubectl logs`. The other cases connect from the test to `serviceAddress(i, ip)`,
 * the same address node i's pods get.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Pod, Service } from 'kubernetes-types/core/v1.js';
import { eventually } from '../support/apiserver.js';
import { startFullCluster, type FullCluster } from '../support/full-cluster.js';
import { applyObjects, clusterIPOf, countAnswers, total, waitForEndpoints } from './support/service-traffic.js';

const CONNECTIONS = 200;
const PORT = 80;
/** Test node i (1..6) is cluster node index FIRST_INDEX + i - 1: clear of other scenario files' clusters. */
const FIRST_INDEX = 101;
const NODES = [1, 2, 3, 4, 5, 6] as const;
const nodeIndex = (i: number) => FIRST_INDEX + i - 1;
const nodeName = (i: number) => `tskube-node-${nodeIndex(i)}`;

type Case = 'keys' | 'strict' | 'close' | 'local';
const PLACEMENT: Record<string, { node: number; cases: readonly Case[] }> = {
  'echo-n1': { node: 1, cases: ['keys', 'strict', 'close', 'local'] },
  'echo-n2': { node: 2, cases: ['keys', 'strict', 'close', 'local'] },
  'echo-n5': { node: 5, cases: ['keys', 'close'] },
  'echo-n3': { node: 3, cases: ['local'] },
};
const endpointsOf = (c: Case) => Object.values(PLACEMENT).filter((p) => p.cases.includes(c)).length;

function echoPod(name: string, node: number, cases: readonly Case[]): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, labels: Object.fromEntries(cases.map((c) => [`topo-${c}`, 'yes'])) },
    spec: {
      nodeSelector: { 'kubernetes.io/hostname': nodeName(node) },
      containers: [
        {
          name: 'echo',
          image: 'tskube/echo',
          ports: [{ containerPort: 8080, name: 'http' }],
          readinessProbe: { httpGet: { path: '/readyz', port: 8080 }, periodSeconds: 1 },
        },
      ],
    },
  };
}

function service(name: Case, spec: Partial<Service['spec']> & Record<string, unknown>): Service {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name },
    spec: { selector: { [`topo-${name}`]: 'yes' }, ports: [{ name: 'http', port: PORT, targetPort: 8080 }], ...spec },
  };
}

/**
 * A client pod on node i: 200 new connections to its node's proxy for the `keys` Service, taken
 * from the standard service environment, one at a time; prints `COUNTS {...}` and exits 0.
 */
function clientPod(i: number): Pod {
  const script = [
    "const http = require('node:http');",
    'const host = process.env.KEYS_SERVICE_HOST, port = Number(process.env.KEYS_SERVICE_PORT);',
    'const one = () => new Promise((done) => {',
    "  const req = http.get({ host, port, path: '/', agent: false, timeout: 5000 }, (res) => {",
    "    let body = ''; res.setEncoding('utf8'); res.on('data', (d) => (body += d));",
    "    res.on('end', () => { try { done(JSON.parse(body).pod); } catch { done('BAD_BODY'); } });",
    '  });',
    "  req.on('timeout', () => req.destroy(Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' })));",
    "  req.on('error', (err) => done(err.code || 'error'));",
    '});',
    '(async () => {',
    '  const counts = {};',
    `  for (let n = 0; n < ${CONNECTIONS}; n++) { const a = await one(); counts[a] = (counts[a] || 0) + 1; }`,
    "  console.log('COUNTS ' + JSON.stringify({ node: process.env.TSKUBE_NODE_NAME, host, counts }));",
    '})();',
  ].join('\n');
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: `client-n${i}`, labels: { app: 'topology-client' } },
    spec: {
      restartPolicy: 'Never',
      nodeName: nodeName(i),
      containers: [{ name: 'client', image: 'tskube/node-client', command: [process.execPath, '-e', script] }],
    },
  };
}

let cluster: FullCluster;
const clusterIPs = new Map<Case, string>();

before(async () => {
  cluster = await startFullCluster({ nodes: 6, zones: ['zone-a', 'zone-b', 'zone-c'], firstIndex: FIRST_INDEX });
  await applyObjects(cluster, [
    ...Object.entries(PLACEMENT).map(([name, p]) => echoPod(name, p.node, p.cases)),
    service('keys', { topologyKeys: ['kubernetes.io/hostname', 'topology.kubernetes.io/zone', '*'] }),
    service('strict', { topologyKeys: ['kubernetes.io/hostname', 'topology.kubernetes.io/zone'] }),
    service('close', { trafficDistribution: 'PreferClose' }),
    service('local', { internalTrafficPolicy: 'Local' }),
  ]);
  for (const c of ['keys', 'strict', 'close', 'local'] as const) {
    await waitForEndpoints(cluster, c, { ready: endpointsOf(c), hints: c === 'close' });
    clusterIPs.set(c, await clusterIPOf(cluster, c));
  }
  // The proxies watch the same slices; give their watches a moment past the API's answer.
  await new Promise((r) => setTimeout(r, 1_000));
});

after(async () => cluster?.close());

/** 200 new connections from the test to each node's proxy address for the Service. */
async function fromEveryNode(c: Case): Promise<Map<number, Record<string, number>>> {
  const out = new Map<number, Record<string, number>>();
  for (const i of NODES) out.set(i, await countAnswers(cluster.serviceAddress(nodeIndex(i), clusterIPs.get(c)!), PORT, CONNECTIONS));
  return out;
}

const only = (answer: string) => ({ [answer]: CONNECTIONS });

function assertSpread(counts: Record<string, number> | undefined, pods: readonly string[], what: string): void {
  assert.ok(counts, what);
  assert.deepEqual(Object.keys(counts).sort(), [...pods].sort(), `${what}: ${JSON.stringify(counts)}`);
  assert.equal(total(counts), CONNECTIONS, what);
}

/** Measured counts, printed for docs/scenarios.md. */
function report(c: Case, got: Map<number, Record<string, number>>): void {
  const lines = [...got].map(([i, counts]) => `  node ${i}: ${JSON.stringify(counts)}`);
  process.stdout.write(`${c}\n${lines.join('\n')}\n`);
}

describe('seed 001: topology-aware routing through every node\'s proxy, real pods (host mode)', () => {
  it('topologyKeys [hostname, zone, "*"], clients in pods on every node: all local, else same zone, else any', async () => {
    await applyObjects(cluster, NODES.map(clientPod));
    const got = new Map<number, Record<string, number>>();
    await eventually(
      async () => {
        const pods = await cluster.pods('default', 'app=topology-client');
        const failed = pods.find((p) => p.status?.phase === 'Failed');
        if (failed) throw new Error(`client pod ${failed.metadata?.name} failed: ${JSON.stringify(failed.status?.containerStatuses)}`);
        return pods.length === NODES.length && pods.every((p) => p.status?.phase === 'Succeeded');
      },
      90_000,
      'every client pod Succeeded',
    );
    for (const i of NODES) {
      const logs = await cluster.kubectl('logs', `client-n${i}`);
      assert.equal(logs.status, 0, logs.stderr);
      const line = logs.stdout.split('\n').find((l) => l.startsWith('COUNTS '));
      assert.ok(line, `client-n${i} printed its counts: ${logs.stdout}`);
      const result = JSON.parse(line.slice('COUNTS '.length)) as { node: string; host: string; counts: Record<string, number> };
      assert.equal(result.node, nodeName(i));
      assert.equal(result.host, cluster.serviceAddress(nodeIndex(i), clusterIPs.get('keys')!), `client-n${i} reached its own node's proxy`);
      got.set(i, result.counts);
    }
    report('keys', got);
    assert.deepEqual(got.get(1), only('echo-n1'), 'node 1 has a local endpoint');
    assert.deepEqual(got.get(2), only('echo-n2'), 'node 2 has a local endpoint');
    assert.deepEqual(got.get(5), only('echo-n5'), 'node 5 has a local endpoint');
    assert.deepEqual(got.get(4), only('echo-n1'), 'node 4: no local endpoint; zone-a has echo-n1');
    assertSpread(got.get(3), ['echo-n1', 'echo-n2', 'echo-n5'], 'node 3: nothing in zone-c, any endpoint');
    assertSpread(got.get(6), ['echo-n1', 'echo-n2', 'echo-n5'], 'node 6: nothing in zone-c, any endpoint');
  });

  it('topologyKeys [hostname, zone] without "*": connection refused where nothing matches', async () => {
    const got = await fromEveryNode('strict');
    report('strict', got);
    assert.deepEqual(got.get(1), only('echo-n1'));
    assert.deepEqual(got.get(2), only('echo-n2'));
    assert.deepEqual(got.get(4), only('echo-n1'), 'node 4: zone-a');
    assert.deepEqual(got.get(5), only('echo-n2'), 'node 5: zone-b');
    assert.deepEqual(got.get(3), only('ECONNREFUSED'), 'node 3: zone-c has no endpoint and "*" is absent');
    assert.deepEqual(got.get(6), only('ECONNREFUSED'), 'node 6: zone-c has no endpoint and "*" is absent');
  });

  it('trafficDistribution PreferClose: the node zone\'s endpoints, any when its zone has none', async () => {
    const got = await fromEveryNode('close');
    report('close', got);
    assert.deepEqual(got.get(1), only('echo-n1'), 'zone-a');
    assert.deepEqual(got.get(4), only('echo-n1'), 'zone-a');
    assertSpread(got.get(2), ['echo-n2', 'echo-n5'], 'node 2: zone-b (a zone preference, not a node one)');
    assertSpread(got.get(5), ['echo-n2', 'echo-n5'], 'node 5: zone-b');
    assertSpread(got.get(3), ['echo-n1', 'echo-n2', 'echo-n5'], 'node 3: no hints for zone-c, so any');
    assertSpread(got.get(6), ['echo-n1', 'echo-n2', 'echo-n5'], 'node 6: no hints for zone-c, so any');
  });

  it('internalTrafficPolicy Local: the node\'s own endpoint; refused on nodes without one', async () => {
    const got = await fromEveryNode('local');
    report('local', got);
    assert.deepEqual(got.get(1), only('echo-n1'));
    assert.deepEqual(got.get(2), only('echo-n2'));
    assert.deepEqual(got.get(3), only('echo-n3'));
    for (const i of [4, 5, 6]) assert.deepEqual(got.get(i), only('ECONNREFUSED'), `node ${i} has no endpoint`);
  });
});
