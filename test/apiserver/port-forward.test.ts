/**
 * kubectl port-forward through the API server to a kubelet API server: kubectl 1.32 tunnels
 * SPDY/3.1 inside a WebSocket (SPDY/3.1+portforward.k8s.io); the kubelet dials the pod's IP and
 * port. Round trips a small and a large HTTP body, and reports a closed port as kubectl shows it.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createServer as createTcpServer } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { eventually } from '../support/apiserver.js';
import { POD_ADDRESS, running, startKubeletCluster, type KubeletCluster } from '../support/kubelet-cluster.js';

async function freePort(): Promise<number> {
  const probe = createTcpServer().listen(0, '127.0.0.1');
  await once(probe, 'listening');
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

describe('kubectl port-forward through the kubelet API', { timeout: 120_000 }, () => {
  let k: KubeletCluster;
  let app: Server;
  let appPort: number;
  const big = 'x'.repeat(300_000);
  before(async () => {
    k = await startKubeletCluster();
    app = createServer((req, res) => res.end(req.url === '/big' ? big : `hello from ${POD_ADDRESS}\n`));
    app.listen(0, POD_ADDRESS);
    await once(app, 'listening');
    appPort = (app.address() as AddressInfo).port;
    await k.createPod('web', ['a'], [running('a')]);
  });
  after(async () => {
    await k?.close();
    await new Promise((resolve) => app?.close(resolve));
  });

  for (const [transport, env] of [
    ['a WebSocket tunnel (kubectl 1.32 default)', {}],
    ['plain SPDY/3.1 (the fallback)', { KUBECTL_PORT_FORWARD_WEBSOCKETS: 'false' }],
  ] as const) {
    it(`forwards a local port to the pod port over ${transport}, large bodies included`, async () => {
      const local = await freePort();
      const kubectl = k.spawnKubectl(['port-forward', '-v=6', 'pod/web', `${local}:${appPort}`], env);
      let output = '';
      kubectl.stdout!.on('data', (d: Buffer) => (output += d.toString()));
      kubectl.stderr!.on('data', (d: Buffer) => (output += d.toString()));
      try {
        await eventually(() => output.includes('Forwarding from'), 20_000, `kubectl port-forward to start (${output})`);
        const small = await fetch(`http://127.0.0.1:${local}/`);
        assert.equal(await small.text(), `hello from ${POD_ADDRESS}\n`);
        const large = await fetch(`http://127.0.0.1:${local}/big`);
        assert.equal((await large.text()).length, big.length);
        // A second connection through the same forward opens a new stream pair.
        const again = await fetch(`http://127.0.0.1:${local}/`, { headers: { connection: 'close' } });
        assert.equal(again.status, 200);
        await again.text();
        // It used the transport asked for, not a fallback.
        assert.doesNotMatch(output, /fallback to secondary dialer/);
      } finally {
        kubectl.kill('SIGKILL');
      }
    });
  }

  it('reports a port nothing listens on', async () => {
    const local = await freePort();
    const closed = await freePort();
    const kubectl = k.spawnKubectl(['port-forward', 'pod/web', `${local}:${closed}`]);
    let output = '';
    kubectl.stdout!.on('data', (d: Buffer) => (output += d.toString()));
    kubectl.stderr!.on('data', (d: Buffer) => (output += d.toString()));
    try {
      await eventually(() => output.includes('Forwarding from'), 20_000, 'kubectl port-forward to start');
      await fetch(`http://127.0.0.1:${local}/`).then((r) => r.text()).catch(() => undefined);
      await eventually(() => /error forwarding port \d+ to pod default\/web/.test(output), 20_000, `the error to show (${output})`);
    } finally {
      kubectl.kill('SIGKILL');
    }
  });
});
