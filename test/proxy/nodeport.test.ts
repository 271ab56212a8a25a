/**
 * NodePorts and the health-check node port, through per-node proxies in host mode: each node's
 * proxy listens on its own InternalIP at the Service's nodePort; externalTrafficPolicy Cluster
 * sends to any endpoint, Local only to the node's own (refused where there is none); a
 * LoadBalancer Service with externalTrafficPolicy Local answers its health-check node port with
 * 200 where the node has a local endpoint and 503 where it has none.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import type { Node as NodeType, Service as ServiceType } from 'kubernetes-types/core/v1.js';
import type { KubeObject } from '../../src/api/object.js';
import { after, before, describe, it } from 'node:test';
import { countAnswers, NODES, nodeIndex, startProxyLab, type Endpoint, type ProxyLab } from './support.js';

const CONNECTIONS = 60;
let lab: ProxyLab;
let ep: Record<'a1' | 'b1', Endpoint>;
const nodeIP = (node: (typeof NODES)[number]) => `127.0.1.${nodeIndex(node)}`;

before(async () => {
  lab = await startProxyLab();
  // The proxies learn their node's address from its status, as from a node agent's report.
  const nodes = lab.client.resource<NodeType & KubeObject>('', 'v1', 'nodes');
  for (const name of NODES) {
    const node = await nodes.patch(name, 'merge', { status: { addresses: [{ type: 'InternalIP', address: nodeIP(name) }] } }, { subresource: 'status' });
    await lab.settle('nodes', name, node.metadata!.resourceVersion!);
  }
  ep = { a1: await lab.endpoint('ep-a1', 'a1', '127.64.0.41'), b1: await lab.endpoint('ep-b1', 'b1', '127.64.0.42') };
});
after(async () => lab?.close());

function health(address: string, port: number): Promise<{ status: number; body: { localEndpoints: number } }> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: address, port, path: '/healthz', agent: false }, (res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(body) as { localEndpoints: number } }));
      })
      .on('error', reject);
  });
}

describe('NodePort through per-node proxies', () => {
  it('externalTrafficPolicy Cluster: every node\'s NodePort reaches every endpoint', async () => {
    await lab.service(
      { metadata: { name: 'np-cluster' }, spec: { type: 'NodePort', ports: [{ name: 'http', port: 80, targetPort: ep.a1.port, nodePort: 30081 }] } },
      [{ endpoint: ep.a1 }, { endpoint: ep.b1 }],
    );
    for (const node of ['a1', 'c2'] as const) {
      const counts = await countAnswers(nodeIP(node), 30081, CONNECTIONS);
      assert.deepEqual(Object.keys(counts).sort(), ['ep-a1', 'ep-b1'], `${node}: ${JSON.stringify(counts)}`);
    }
  });

  it('externalTrafficPolicy Local: only the node\'s own endpoint; refused on a node without one; health check 200 / 503', async () => {
    await lab.service(
      {
        metadata: { name: 'lb-local' },
        spec: { type: 'LoadBalancer', externalTrafficPolicy: 'Local', ports: [{ name: 'http', port: 80, targetPort: ep.a1.port, nodePort: 30082 }] },
      },
      [{ endpoint: ep.a1 }, { endpoint: ep.b1 }],
    );
    const svc = await lab.client.resource<ServiceType & KubeObject>('', 'v1', 'services').get('lb-local', { namespace: 'default' });
    const hcPort = svc.spec?.healthCheckNodePort;
    assert.ok(hcPort, 'the API server allocated a health-check node port');

    assert.deepEqual(await countAnswers(nodeIP('a1'), 30082, CONNECTIONS), { 'ep-a1': CONNECTIONS });
    assert.deepEqual(await countAnswers(nodeIP('b1'), 30082, CONNECTIONS), { 'ep-b1': CONNECTIONS });
    assert.deepEqual(await countAnswers(nodeIP('c1'), 30082, CONNECTIONS), { ECONNREFUSED: CONNECTIONS });

    const onA1 = await health(nodeIP('a1'), hcPort);
    assert.equal(onA1.status, 200);
    assert.equal(onA1.body.localEndpoints, 1);
    const onC1 = await health(nodeIP('c1'), hcPort);
    assert.equal(onC1.status, 503);
    assert.equal(onC1.body.localEndpoints, 0);
  });
});
