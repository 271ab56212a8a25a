/**
 * The netns networking mode's topology: node namespaces on a bridge, pod CIDRs and the service
 * range local to each node, pod-to-pod traffic straight across the bridge, the host reaching every
 * node, and nothing left behind.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createInterface } from 'node:readline';
import { describe, it } from 'node:test';
import { createNetnsCluster } from '../../src/faults/netns-cluster.js';
import { netnsUnsupportedReason } from '../../src/faults/netns.js';
import { waitUntil } from './support.js';

const skip = netnsUnsupportedReason();

/** A TCP server inside a namespace: binds host:port, answers each connection with its name, prints "listening". */
const SERVER = `
const net = require('node:net');
const [host, port, name] = process.argv.slice(1);
net.createServer((s) => s.end(name + '\\n')).listen(Number(port), host, () => console.log('listening'));
`;
/** Connects to host:port, prints what it read or the error code. */
const CLIENT = `
const net = require('node:net');
const [host, port] = process.argv.slice(1);
const s = net.connect({ host, port: Number(port) });
let got = '';
s.on('data', (d) => (got += d));
s.on('end', () => console.log('got ' + got.trim()));
s.on('error', (e) => console.log('error ' + e.code));
`;

function interfaces(): string {
  return spawnSync('ip', ['-o', 'link', 'show'], { encoding: 'utf8' }).stdout;
}

describe('netns cluster', { skip }, () => {
  it('pods bind their own IPs, reach pods on other nodes across the bridge, and the service range is local to each node', async (t) => {
    const cluster = await createNetnsCluster({ nodes: 2 });
    t.after(() => cluster.close());
    const [one, two] = cluster.nodes as [(typeof cluster.nodes)[0], (typeof cluster.nodes)[0]];
    assert.equal(one.podCIDR, '10.244.1.0/24');

    const server = one.spawn([process.execPath, '-e', SERVER, '--', '10.244.1.7', '8080', 'pod-on-one']);
    const serverLines: string[] = [];
    createInterface({ input: server.stdout! }).on('line', (l) => serverLines.push(l));
    await waitUntil(() => serverLines.includes('listening'), 10_000, 'the pod server to listen');

    const fromTwo = await two.exec([process.execPath, '-e', CLIENT, '--', '10.244.1.7', '8080']);
    assert.equal(fromTwo.stdout.trim(), 'got pod-on-one', fromTwo.stderr);
    // The host reaches nodes on their bridge addresses (the API server's side of the kubelet API).
    const ping = spawnSync('ping', ['-c', '1', '-W', '2', one.address], { encoding: 'utf8' });
    if (ping.error === undefined) assert.equal(ping.status, 0, ping.stdout);

    // A ClusterIP nothing listens on is refused locally, not routed anywhere.
    const noProxy = await two.exec([process.execPath, '-e', CLIENT, '--', '10.96.0.10', '80']);
    assert.equal(noProxy.stdout.trim(), 'error ECONNREFUSED');
    const proxy = two.spawn([process.execPath, '-e', SERVER, '--', '10.96.0.10', '80', 'proxy-on-two']);
    const proxyLines: string[] = [];
    createInterface({ input: proxy.stdout! }).on('line', (l) => proxyLines.push(l));
    await waitUntil(() => proxyLines.includes('listening'), 10_000, 'the service listener to bind');
    const viaService = await two.exec([process.execPath, '-e', CLIENT, '--', '10.96.0.10', '80']);
    assert.equal(viaService.stdout.trim(), 'got proxy-on-two');
    // The same ClusterIP on the other node is that node's own business.
    const elsewhere = await one.exec([process.execPath, '-e', CLIENT, '--', '10.96.0.10', '80']);
    assert.equal(elsewhere.stdout.trim(), 'error ECONNREFUSED');
  });

  it('close() kills what runs inside and removes namespaces, veths and the bridge', async () => {
    const cluster = await createNetnsCluster({ nodes: 2 });
    const names = cluster.nodes.map((n) => n.namespace);
    const child = cluster.nodes[0]!.spawn(['sleep', '600']);
    await cluster.close();
    assert.ok(child.exitCode !== null || child.signalCode !== null, 'the process inside was killed');
    const left = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout;
    for (const name of names) assert.ok(!left.includes(name), `${name} is gone`);
    assert.ok(!interfaces().includes(`tk${process.pid}b`), 'the bridge is gone');
    assert.ok(!interfaces().includes(`tk${process.pid}v`), 'the veths are gone');
  });
});
