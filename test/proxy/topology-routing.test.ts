/**
 * Seed 001 end to end in host mode: six nodes over three zones, one proxy per node, real HTTP
 * endpoints, 200 new connections per node proxy per case, every answer counted.
 *   - topologyKeys [hostname, zone, "*"]: all local when a local endpoint exists, same zone when
 *     not, any endpoint when neither;
 *   - topologyKeys without "*": refused (ECONNREFUSED) where nothing matches;
 *   - trafficDistribution PreferClose (hints): each zone's own endpoints;
 *   - internalTrafficPolicy Local: the node's own endpoint, refused elsewhere.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { countAnswers, NODES, serviceAddress, startProxyLab, zoneOf, type Endpoint, type NodeName, type ProxyLab } from './support.js';

const CONNECTIONS = 200;
const PORT = 18080;
let lab: ProxyLab;
let ep: Record<'a1' | 'b1' | 'b2' | 'c1', Endpoint>;

before(async () => {
  lab = await startProxyLab();
  ep = {
    a1: await lab.endpoint('ep-a1', 'a1', '127.64.0.11'),
    b1: await lab.endpoint('ep-b1', 'b1', '127.64.0.21'),
    b2: await lab.endpoint('ep-b2', 'b2', '127.64.0.22'),
    c1: await lab.endpoint('ep-c1', 'c1', '127.64.0.31'),
  };
});
after(async () => lab?.close());

async function answersPerNode(clusterIP: string): Promise<Map<NodeName, Record<string, number>>> {
  const out = new Map<NodeName, Record<string, number>>();
  for (const node of NODES) out.set(node, await countAnswers(serviceAddress(node, clusterIP), PORT, CONNECTIONS));
  return out;
}

const only = (name: string) => ({ [name]: CONNECTIONS });

describe('topology-aware routing through per-node proxies (host mode)', () => {
  it('topologyKeys [hostname, zone, *]: local first, then the zone, then anything', async () => {
    const clusterIP = '127.96.1.1';
    await lab.service(
      { metadata: { name: 'nearby' }, spec: { clusterIP, ports: [{ name: 'http', port: PORT, targetPort: ep.a1.port }], topologyKeys: ['kubernetes.io/hostname', 'topology.kubernetes.io/zone', '*'] } },
      [{ endpoint: ep.a1 }, { endpoint: ep.b1 }, { endpoint: ep.b2 }],
    );
    const got = await answersPerNode(clusterIP);
    assert.deepEqual(got.get('a1'), only('ep-a1'), 'a1 has a local endpoint');
    assert.deepEqual(got.get('b1'), only('ep-b1'), 'b1 has a local endpoint');
    assert.deepEqual(got.get('b2'), only('ep-b2'), 'b2 has a local endpoint');
    assert.deepEqual(got.get('a2'), only('ep-a1'), 'a2: no local endpoint, its zone has ep-a1');
    for (const node of ['c1', 'c2'] as const) {
      const counts = got.get(node)!;
      assert.deepEqual(Object.keys(counts).sort(), ['ep-a1', 'ep-b1', 'ep-b2'], `${node}: nothing in zone-c, so any endpoint (${JSON.stringify(counts)})`);
      assert.equal(Object.values(counts).reduce((a, b) => a + b), CONNECTIONS);
    }
  });

  it('topologyKeys without "*": refused where no key matches, as if there were no endpoints', async () => {
    const clusterIP = '127.96.1.2';
    await lab.service(
      { metadata: { name: 'strict' }, spec: { clusterIP, ports: [{ name: 'http', port: PORT, targetPort: ep.a1.port }], topologyKeys: ['kubernetes.io/hostname', 'topology.kubernetes.io/zone'] } },
      [{ endpoint: ep.a1 }, { endpoint: ep.b1 }],
    );
    const got = await answersPerNode(clusterIP);
    assert.deepEqual(got.get('a1'), only('ep-a1'));
    assert.deepEqual(got.get('a2'), only('ep-a1'));
    assert.deepEqual(got.get('b1'), only('ep-b1'));
    assert.deepEqual(got.get('b2'), only('ep-b1'));
    assert.deepEqual(got.get('c1'), only('ECONNREFUSED'));
    assert.deepEqual(got.get('c2'), only('ECONNREFUSED'));
    // An endpoint appearing in zone-c opens the door there, live.
    await lab.replaceSlice('strict', [{ endpoint: ep.a1 }, { endpoint: ep.b1 }, { endpoint: ep.c1 }]);
    assert.deepEqual(await countAnswers(serviceAddress('c2', clusterIP), PORT, CONNECTIONS), only('ep-c1'));
  });

  it('trafficDistribution PreferClose: endpoints hinted for the node zone', async () => {
    const clusterIP = '127.96.1.3';
    await lab.service(
      { metadata: { name: 'close' }, spec: { clusterIP, ports: [{ name: 'http', port: PORT, targetPort: ep.a1.port }], trafficDistribution: 'PreferClose' } as never },
      [
        { endpoint: ep.a1, hints: ['zone-a'] },
        { endpoint: ep.b1, hints: ['zone-b'] },
        { endpoint: ep.b2, hints: ['zone-b'] },
        { endpoint: ep.c1, hints: ['zone-c'] },
      ],
    );
    const got = await answersPerNode(clusterIP);
    for (const node of NODES) {
      const zone = zoneOf(node);
      const names = Object.keys(got.get(node)!);
      const want = { 'zone-a': ['ep-a1'], 'zone-b': ['ep-b1', 'ep-b2'], 'zone-c': ['ep-c1'] }[zone]!;
      assert.deepEqual(names.sort(), want, `${node} in ${zone}: ${JSON.stringify(got.get(node))}`);
    }
  });

  it('internalTrafficPolicy Local: only the node own endpoint; refused on nodes without one', async () => {
    const clusterIP = '127.96.1.4';
    await lab.service(
      { metadata: { name: 'local' }, spec: { clusterIP, ports: [{ name: 'http', port: PORT, targetPort: ep.a1.port }], internalTrafficPolicy: 'Local' } },
      [{ endpoint: ep.a1 }, { endpoint: ep.b1 }, { endpoint: ep.c1 }],
    );
    const got = await answersPerNode(clusterIP);
    assert.deepEqual(got.get('a1'), only('ep-a1'));
    assert.deepEqual(got.get('b1'), only('ep-b1'));
    assert.deepEqual(got.get('c1'), only('ep-c1'));
    for (const node of ['a2', 'b2', 'c2'] as const) assert.deepEqual(got.get(node), only('ECONNREFUSED'), node);
  });

  it('a deleted Service stops being proxied; connections are refused', async () => {
    await lab.client.resource('', 'v1', 'services').delete('local', { namespace: 'default' });
    await lab.settle();
    const deadline = Date.now() + 5_000;
    while ([...lab.proxiers.values()].some((p) => p.status().some((s) => s.service === 'default/local')) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    await lab.settle();
    assert.deepEqual(await countAnswers(serviceAddress('a1', '127.96.1.4'), PORT, 20), { ECONNREFUSED: 20 });
  });
});
