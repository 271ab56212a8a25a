/**
 * Seed 001's long-connection lesson: a keep-alive client stays on the endpoint it first reached,
 * so a new replica gets nothing. With `tskube.io/max-requests-per-connection` the proxy closes
 * the connection after N responses (Connection: close on the Nth) and the client's next
 * connection is balanced afresh: after a new endpoint appears, the same keep-alive client spreads
 * over both, with no failed request. Without the annotation it stays pinned (the control).
 * Also UDP: datagrams reach an endpoint and replies come back from the Service address.
 */
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import http from 'node:http';
import { after, before, describe, it } from 'node:test';
import type { EndpointSlice } from '../../src/proxy/types.js';
import { getOnce, serviceAddress, startProxyLab, type Endpoint, type ProxyLab } from './support.js';

const PORT = 18090;
let lab: ProxyLab;
let a1: Endpoint;
let b1: Endpoint;

before(async () => {
  lab = await startProxyLab();
  a1 = await lab.endpoint('ep-a1', 'a1', '127.64.1.11');
  b1 = await lab.endpoint('ep-b1', 'b1', '127.64.1.21');
});
after(async () => lab?.close());

async function keepAliveRun(address: string, agent: http.Agent, requests: number): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (let i = 0; i < requests; i++) {
    const answer = await getOnce(address, PORT, agent);
    counts[answer] = (counts[answer] ?? 0) + 1;
  }
  return counts;
}

describe('connection recycling', () => {
  for (const recycled of [true, false]) {
    it(recycled ? 'max-requests-per-connection spreads a keep-alive client over a new endpoint' : 'without it, a keep-alive client stays pinned (control)', async () => {
      const name = recycled ? 'recycled' : 'pinned';
      const clusterIP = recycled ? '127.96.2.1' : '127.96.2.2';
      await lab.service(
        {
          metadata: { name, ...(recycled && { annotations: { 'tskube.io/max-requests-per-connection': '10' } }) },
          spec: { clusterIP, ports: [{ name: 'http', port: PORT, targetPort: a1.port }] },
        },
        [{ endpoint: a1 }],
      );
      const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
      const address = serviceAddress('c1', clusterIP);
      try {
        assert.deepEqual(await keepAliveRun(address, agent, 20), { 'ep-a1': 20 });
        await lab.replaceSlice(name, [{ endpoint: a1 }, { endpoint: b1 }]);
        const after = await keepAliveRun(address, agent, 60);
        if (recycled) {
          assert.deepEqual(Object.keys(after).sort(), ['ep-a1', 'ep-b1'], JSON.stringify(after));
          assert.equal(after['ep-a1']! + after['ep-b1']!, 60, `no request failed: ${JSON.stringify(after)}`);
          assert.equal(after['ep-b1'], 30, 'round-robin: every other 10-request connection goes to the new endpoint');
        } else {
          assert.deepEqual(after, { 'ep-a1': 60 });
        }
      } finally {
        agent.destroy();
      }
    });
  }

  it('the response that ends the budget says Connection: close, and earlier ones do not', async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const address = serviceAddress('a2', '127.96.2.1');
    const connectionHeaders: (string | undefined)[] = [];
    const sockets = new Set<unknown>();
    try {
      for (let i = 0; i < 12; i++) {
        await new Promise<void>((resolve, reject) => {
          http
            .get({ host: address, port: PORT, agent }, (res) => {
              connectionHeaders.push(res.headers.connection);
              sockets.add(res.socket);
              res.resume();
              res.on('end', resolve);
            })
            .on('error', reject);
        });
      }
    } finally {
      agent.destroy();
    }
    assert.deepEqual(connectionHeaders.slice(0, 10), [...Array(9).fill('keep-alive'), 'close']);
    assert.equal(sockets.size, 2, 'the 11th request went over a new connection');
  });
});

describe('UDP', () => {
  it('forwards datagrams to an endpoint and answers from the Service address', async () => {
    const echo = dgram.createSocket('udp4');
    await new Promise<void>((resolve) => echo.bind(18091, '127.64.1.31', () => resolve()));
    echo.on('message', (msg, rinfo) => echo.send(Buffer.concat([Buffer.from('echo:'), msg]), rinfo.port, rinfo.address));
    try {
      await lab.client.resource('', 'v1', 'services').create({ metadata: { name: 'dns', namespace: 'default' }, spec: { clusterIP: '127.96.2.3', ports: [{ name: 'dns', port: 18091, protocol: 'UDP', targetPort: 18091 }] } });
      const slice = await lab.client.resource<EndpointSlice>('discovery.k8s.io', 'v1', 'endpointslices').create({
        apiVersion: 'discovery.k8s.io/v1',
        kind: 'EndpointSlice',
        metadata: { name: 'dns-1', namespace: 'default', labels: { 'kubernetes.io/service-name': 'dns' } },
        addressType: 'IPv4',
        ports: [{ name: 'dns', port: 18091, protocol: 'UDP' }],
        endpoints: [{ addresses: ['127.64.1.31'], nodeName: 'c1', zone: 'zone-c', conditions: { ready: true } }],
      });
      await lab.settle('endpointslices', 'default/dns-1', slice.metadata!.resourceVersion!);
      const address = serviceAddress('b2', '127.96.2.3');
      const client = dgram.createSocket('udp4');
      try {
        const reply = await new Promise<{ msg: string; from: string }>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error('no UDP reply within 3 s')), 3_000);
          client.once('message', (msg, rinfo) => {
            clearTimeout(timer);
            resolve({ msg: msg.toString(), from: `${rinfo.address}:${rinfo.port}` });
          });
          client.send('hello', 18091, address);
        });
        assert.deepEqual(reply, { msg: 'echo:hello', from: `${address}:18091` });
      } finally {
        client.close();
      }
    } finally {
      echo.close();
    }
  });
});
