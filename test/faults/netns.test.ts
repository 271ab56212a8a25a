import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import dgram from 'node:dgram';
import net from 'node:net';
import { createInterface } from 'node:readline';
import { describe, it } from 'node:test';
import { dropRuleSpec } from '../../src/faults/iptables.js';
import { cleanupStaleNamespaces, createNetnsLab, netnsUnsupportedReason, type NetnsLab } from '../../src/faults/netns.js';
import { delay, waitUntil } from './support.js';

const skip = netnsUnsupportedReason();
if (skip) process.stderr.write(`# skipping network namespace tests: ${skip}\n`);

/** Namespaces in `ip netns list`. */
function namespaces(): string[] {
  return spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout.split('\n').map((l) => l.split(' ')[0] ?? '').filter(Boolean);
}

/**
 * A TCP client inside the namespace: prints `connected <local port>`, every chunk it receives as
 * `data <text>`, and `error <code>` / `close`; writes each stdin line to the server.
 */
const CLIENT = `
const net = require('node:net');
const [host, port] = process.argv.slice(1);
const s = net.connect({ host, port: Number(port) }, () => console.log('connected ' + s.localPort));
s.on('data', (d) => console.log('data ' + d.toString().trim()));
s.on('error', (e) => console.log('error ' + e.code));
s.on('close', () => console.log('close'));
require('node:readline').createInterface({ input: process.stdin }).on('line', (l) => s.write(l + '\\n'));
`;

describe('network namespace fault lab', { skip }, () => {
  it('builds iptables rules as the seeds wrote them', () => {
    assert.deepEqual(dropRuleSpec({ sourcePort: 41000 }), ['-p', 'tcp', '--sport', '41000', '-j', 'DROP']);
    assert.deepEqual(dropRuleSpec({ probability: 0.05 }), ['-m', 'statistic', '--mode', 'random', '--probability', '0.05', '-j', 'DROP']);
    assert.throws(() => dropRuleSpec({ protocol: 'all', sourcePort: 1 }), /needs protocol tcp or udp/);
    assert.throws(() => dropRuleSpec({ probability: 1.5 }), /above 0 and at most 1/);
  });

  it("the seed's DROP on the client's source port: the connection hangs without an error, then recovers when the rule goes", async (t) => {
    const lab = await createNetnsLab();
    t.after(() => lab.close());
    let serverReceived = '';
    const sockets = new Set<net.Socket>();
    const server = net.createServer((s) => {
      sockets.add(s);
      s.on('data', (d: Buffer) => (serverReceived += d.toString()));
      s.on('error', () => {});
      s.pipe(s);
    });
    await new Promise<void>((r) => server.listen(0, lab.hostAddress, r));
    t.after(() => new Promise<void>((r) => (sockets.forEach((s) => s.destroy()), server.close(() => r()))));

    const client = lab.spawnNode(CLIENT, [lab.hostAddress, String((server.address() as net.AddressInfo).port)]);
    const lines: string[] = [];
    createInterface({ input: client.stdout! }).on('line', (l) => lines.push(l));
    await waitUntil(() => lines.some((l) => l.startsWith('connected ')), 10_000, `the client to connect (${lines.join('|')})`);
    const clientPort = Number(lines[0]!.split(' ')[1]);
    client.stdin!.write('one\n');
    await waitUntil(() => lines.includes('data one'), 5000, 'the first echo');

    const rule = await lab.dropPackets({ chain: 'OUTPUT', protocol: 'tcp', sourcePort: clientPort });
    assert.deepEqual(await lab.rules(), [`-A OUTPUT -p tcp -m tcp --sport ${clientPort} -j DROP`]);
    client.stdin!.write('two\n');
    await delay(1500);
    assert.deepEqual(lines, [`connected ${clientPort}`, 'data one'], 'no data, no error, no close');
    assert.equal(serverReceived, 'one\n', 'the server never saw the second line');

    await rule.remove();
    assert.deepEqual(await lab.rules(), []);
    // TCP retransmits the held segment on its own (backoff ~0.2, 0.6, 1.4, 3 s after the send).
    await waitUntil(() => lines.includes('data two'), 10_000, `the retransmitted line (${lines.join('|')})`);
    assert.ok(!lines.some((l) => l.startsWith('error') || l === 'close'), lines.join('|'));
  });

  it('a statistic DROP rule loses roughly the given share of packets', async (t) => {
    const lab = await createNetnsLab();
    t.after(() => lab.close());
    const socket = dgram.createSocket('udp4');
    let received = 0;
    socket.on('message', () => received++);
    await new Promise<void>((r) => socket.bind(0, lab.hostAddress, r));
    t.after(() => new Promise<void>((r) => socket.close(() => r())));
    const port = socket.address().port;

    await lab.dropPackets({ protocol: 'udp', destinationPort: port, probability: 0.5 });
    const total = 200;
    const sender = `
      const s = require('node:dgram').createSocket('udp4');
      let i = 0;
      const next = () => (i++ < ${total} ? s.send('x', ${port}, '${lab.hostAddress}', () => setTimeout(next, 1)) : s.close());
      next();`;
    const result = await lab.exec([process.execPath, '-e', sender], { timeoutMs: 20_000 });
    assert.equal(result.code, 0, result.stderr);
    await delay(200);
    const share = 1 - received / total;
    assert.ok(share > 0.3 && share < 0.7, `dropped ${(share * 100).toFixed(0)} % of ${total} datagrams, expected about 50 %`);
  });

  it('close() leaves no namespace, veth or process behind; stale namespaces of dead processes are swept', async () => {
    const lab: NetnsLab = await createNetnsLab();
    assert.ok(namespaces().includes(lab.name));
    const sleeper = lab.spawn(['sleep', '60']);
    await waitUntil(() => sleeper.pid !== undefined, 2000, 'sleep to start');
    await lab.close();
    assert.ok(!namespaces().includes(lab.name), `${lab.name} still listed`);
    assert.notEqual(spawnSync('ip', ['link', 'show', lab.hostInterface]).status, 0, `${lab.hostInterface} still exists`);
    assert.ok(sleeper.exitCode !== null || sleeper.signalCode !== null, 'the process inside was killed');
    await lab.close();

    // A namespace whose process is gone, as a SIGKILLed test run leaves it.
    const dead = spawn('true');
    await new Promise((r) => dead.once('exit', r));
    const stale = `tskube-test-${dead.pid}-0`;
    assert.equal(spawnSync('ip', ['netns', 'add', stale]).status, 0);
    try {
      assert.ok(cleanupStaleNamespaces().includes(stale));
      assert.ok(!namespaces().includes(stale));
    } finally {
      spawnSync('ip', ['netns', 'del', stale]);
    }
  });
});
