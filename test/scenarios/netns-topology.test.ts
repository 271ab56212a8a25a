/**
 * Seed 001's topology-aware routing in the netns networking mode (issue 6): six node namespaces
 * on a bridge, two per zone, each with its own `tskube node` (kubelet + service proxy) and its
 * real ClusterIPs; tskube/echo pods placed with nodeSelector on a1, a2 and b1; a client process
 * inside every node's namespace opens 200 new connections to ClusterIP:80 and counts who answers.
 *
 *   topologyKeys [hostname, zone, "*"]   a1 → a1, a2 → a2, b1 → b1 (local);  b2 → b1 (zone);
 *                                        c1, c2 → any of the three (neither)
 *   topologyKeys [hostname, zone]        c1, c2 → refused; the others unchanged
 *   internalTrafficPolicy Local          a1, a2, b1 → their own; b2, c1, c2 → refused
 *   trafficDistribution PreferClose      zone-a nodes → a1 and a2; zone-b nodes → b1;
 *                                        zone-c (no endpoint hinted for it) → any of the three
 *
 * Answers that cross nodes carry the client node's bridge address as their source, as seen by
 * the echo pod: the connection left the client's namespace by its veth, over the bridge.
 */
import assert from 'node:assert/strict';
import type { Service } from 'kubernetes-types/core/v1.js';
import { after, before, describe, it } from 'node:test';
import type { KubeObject } from '../../src/api/object.js';
import { netnsUnsupportedReason } from '../../src/faults/netns.js';
import { eventually } from '../support/apiserver.js';
import { startNetnsKube, type NetnsKube } from '../support/netns-kube.js';

const skip = netnsUnsupportedReason();
const CONNECTIONS = 200;
const NODES = [
  { name: 'a1', zone: 'zone-a' },
  { name: 'a2', zone: 'zone-a' },
  { name: 'b1', zone: 'zone-b' },
  { name: 'b2', zone: 'zone-b' },
  { name: 'c1', zone: 'zone-c' },
  { name: 'c2', zone: 'zone-c' },
] as const;
type NodeName = (typeof NODES)[number]['name'];
const ENDPOINT_NODES: readonly NodeName[] = ['a1', 'a2', 'b1'];

/**
 * Runs inside a node namespace: `count` GETs to host:port, each over a new connection, 8 at a
 * time; prints {answers: {pod or error code: n}, sources: {address the echo pod saw: n}}.
 */
const CLIENT = `
const http = require('node:http');
const [host, port, count] = process.argv.slice(1);
const answers = {};
const sources = {};
const add = (m, k) => (m[k] = (m[k] || 0) + 1);
const get = () => new Promise((done) => {
  const req = http.get({ host, port: Number(port), path: '/', agent: false, timeout: 5000 }, (res) => {
    let body = '';
    res.setEncoding('utf8');
    res.on('data', (d) => (body += d));
    res.on('end', () => {
      try {
        const b = JSON.parse(body);
        add(answers, b.pod);
        add(sources, b.request.remoteAddress);
      } catch { add(answers, 'HTTP_' + res.statusCode); }
      done();
    });
  });
  req.on('timeout', () => req.destroy(Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' })));
  req.on('error', (e) => { add(answers, e.code || 'error'); done(); });
});
let issued = 0;
Promise.all(Array.from({ length: 8 }, async () => { while (issued < Number(count)) { issued++; await get(); } }))
  .then(() => console.log(JSON.stringify({ answers, sources })));
`;

interface Counted {
  readonly answers: Record<string, number>;
  readonly sources: Record<string, number>;
}

type ServiceObj = Service & KubeObject & { spec: NonNullable<Service['spec']> & { topologyKeys?: string[] } };

let kube: NetnsKube;
const bridgeAddress = new Map<string, NodeName>();

before(async () => {
  if (skip) return;
  kube = await startNetnsKube({ nodes: NODES, dns: false });
  for (const n of kube.nodes) bridgeAddress.set(n.netns.address, n.name as NodeName);
  await kube.apply(
    ENDPOINT_NODES.map(
      (node) => `
apiVersion: v1
kind: Pod
metadata: { name: ep-${node}, labels: { app: web } }
spec:
  nodeSelector: { kubernetes.io/hostname: ${node} }
  terminationGracePeriodSeconds: 2
  containers:
  - name: echo
    image: tskube/echo
    readinessProbe: { httpGet: { path: /readyz, port: 8080 }, periodSeconds: 1 }
`,
    ).join('---'),
  );
  await kube.waitForReadyPods('app=web', ENDPOINT_NODES.length);
});

after(async () => {
  if (!kube) return;
  await kube.close();
  assert.deepEqual(kube.podProcesses(), [], 'no pod process survives close()');
});

const services = () => kube.client.resource<ServiceObj>('', 'v1', 'services');

async function count(node: NodeName, clusterIP: string, connections = CONNECTIONS): Promise<Counted> {
  const r = await kube.node(node).netns.exec([process.execPath, '-e', CLIENT, '--', clusterIP, '80', String(connections)], { timeoutMs: 60_000 });
  assert.equal(r.code, 0, `client on ${node}: ${r.stderr}`);
  return JSON.parse(r.stdout) as Counted;
}

async function countAll(clusterIP: string): Promise<Map<NodeName, Counted>> {
  const out = new Map<NodeName, Counted>();
  for (const { name } of NODES) out.set(name, await count(name, clusterIP));
  return out;
}

/** Waits until one connection from `node` comes to `expected` (a pod name or an error code). */
async function settled(node: NodeName, clusterIP: string, expected: (answer: string) => boolean, what: string): Promise<void> {
  await eventually(async () => Object.keys((await count(node, clusterIP, 1)).answers).every(expected), 30_000, `${node}: ${what}`);
}

async function createService(name: string, spec: Partial<ServiceObj['spec']>): Promise<string> {
  const created = await services().create(
    { apiVersion: 'v1', kind: 'Service', metadata: { name }, spec: { selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 8080 }], ...spec } } as ServiceObj,
    { namespace: 'default' },
  );
  const clusterIP = created.spec.clusterIP!;
  // Every node's proxy has the Service before anything is counted: each gets an answer.
  for (const { name: node } of NODES) await settled(node, clusterIP, (a) => a.startsWith('ep-'), `${name} is proxied`);
  return clusterIP;
}

const only = (pod: string) => ({ [pod]: CONNECTIONS });

/** Cross-node answers came from the client node's bridge address; local ones never did. */
function assertPaths(client: NodeName, counted: Counted): void {
  const endpoints = Object.keys(counted.answers).filter((a) => a.startsWith('ep-'));
  const crossNode = endpoints.some((ep) => ep !== `ep-${client}`);
  const clientAddress = kube.node(client).netns.address;
  for (const [source, n] of Object.entries(counted.sources)) {
    const fromNode = bridgeAddress.get(source);
    if (fromNode !== undefined) assert.equal(fromNode, client, `${client}: ${n} connections came from ${source} (${fromNode}), not from the client's node`);
  }
  if (crossNode) {
    const local = counted.answers[`ep-${client}`] ?? 0;
    assert.equal(counted.sources[clientAddress], Object.values(counted.answers).reduce((a, b) => a + b) - local, `${client}: every cross-node connection arrived from ${clientAddress}: ${JSON.stringify(counted)}`);
  } else {
    assert.equal(counted.sources[clientAddress], undefined, `${client}: local connections never touch the bridge: ${JSON.stringify(counted)}`);
  }
}

describe('topology-aware routing through per-node proxies (netns mode)', { skip }, () => {
  let clusterIP: string;

  it('topologyKeys [hostname, zone, *]: all local when a local endpoint exists, same zone when not, any when neither', async (t) => {
    clusterIP = await createService('nearby', { topologyKeys: ['kubernetes.io/hostname', 'topology.kubernetes.io/zone', '*'] });
    assert.match(clusterIP, /^10\./, 'a real ClusterIP from 10.96.0.0/12');
    const began = Date.now();
    const got = await countAll(clusterIP);
    t.diagnostic(`${NODES.length * CONNECTIONS} connections in ${Date.now() - began} ms (six client processes in turn)`);
    for (const [node, counted] of got) t.diagnostic(`${node}: ${JSON.stringify(counted)}`);
    for (const node of NODES) assertPaths(node.name, got.get(node.name)!);
    assert.deepEqual(got.get('a1')!.answers, only('ep-a1'), 'a1 has a local endpoint (a2 in its zone gets nothing)');
    assert.deepEqual(got.get('a2')!.answers, only('ep-a2'), 'a2 has a local endpoint');
    assert.deepEqual(got.get('b1')!.answers, only('ep-b1'), 'b1 has a local endpoint');
    assert.deepEqual(got.get('b2')!.answers, only('ep-b1'), 'b2: none local, ep-b1 in its zone');
    for (const node of ['c1', 'c2'] as const) {
      const answers = got.get(node)!.answers;
      assert.deepEqual(Object.keys(answers).sort(), ['ep-a1', 'ep-a2', 'ep-b1'], `${node}: nothing in zone-c, so any endpoint: ${JSON.stringify(answers)}`);
      assert.equal(Object.values(answers).reduce((a, b) => a + b), CONNECTIONS);
    }
  });

  it('topologyKeys without "*": refused where nothing matches, unchanged elsewhere', async () => {
    await services().patch('nearby', 'merge', { spec: { topologyKeys: ['kubernetes.io/hostname', 'topology.kubernetes.io/zone'] } }, { namespace: 'default' });
    for (const node of ['c1', 'c2'] as const) await settled(node, clusterIP, (a) => a === 'ECONNREFUSED', 'refused once "*" is gone');
    const got = await countAll(clusterIP);
    assert.deepEqual(got.get('c1')!.answers, only('ECONNREFUSED'));
    assert.deepEqual(got.get('c2')!.answers, only('ECONNREFUSED'));
    assert.deepEqual(got.get('a1')!.answers, only('ep-a1'));
    assert.deepEqual(got.get('a2')!.answers, only('ep-a2'));
    assert.deepEqual(got.get('b1')!.answers, only('ep-b1'));
    assert.deepEqual(got.get('b2')!.answers, only('ep-b1'));
    assertPaths('b2', got.get('b2')!);
  });

  it('internalTrafficPolicy Local: the node own endpoint; refused on nodes without one', async () => {
    const ip = await createService('local-only', {});
    await services().patch('local-only', 'merge', { spec: { internalTrafficPolicy: 'Local' } }, { namespace: 'default' });
    for (const node of ['b2', 'c1', 'c2'] as const) await settled(node, ip, (a) => a === 'ECONNREFUSED', 'refused under Local');
    const got = await countAll(ip);
    for (const node of ENDPOINT_NODES) assert.deepEqual(got.get(node)!.answers, only(`ep-${node}`), node);
    for (const node of ['b2', 'c1', 'c2'] as const) assert.deepEqual(got.get(node)!.answers, only('ECONNREFUSED'), node);
  });

  it('trafficDistribution PreferClose: each zone its own endpoints (by hints); a zone with none, any', async () => {
    const ip = await createService('close-by', { trafficDistribution: 'PreferClose' } as Partial<ServiceObj['spec']>);
    // The hints arrive with the EndpointSlice controller's next write: wait until b2 keeps to its zone.
    await eventually(async () => Object.keys((await count('b2', ip, 20)).answers).join() === 'ep-b1', 30_000, 'b2 routed by hints');
    const got = await countAll(ip);
    for (const node of ['a1', 'a2'] as const) {
      const answers = got.get(node)!.answers;
      assert.deepEqual(Object.keys(answers).sort(), ['ep-a1', 'ep-a2'], `${node}: zone-a's endpoints only: ${JSON.stringify(answers)}`);
      assert.equal(answers['ep-a1']! + answers['ep-a2']!, CONNECTIONS);
    }
    for (const node of ['b1', 'b2'] as const) assert.deepEqual(got.get(node)!.answers, only('ep-b1'), node);
    for (const node of ['c1', 'c2'] as const) {
      const answers = got.get(node)!.answers;
      assert.deepEqual(Object.keys(answers).sort(), ['ep-a1', 'ep-a2', 'ep-b1'], `${node}: no endpoint for zone-c, so any: ${JSON.stringify(answers)}`);
    }
  });
});
