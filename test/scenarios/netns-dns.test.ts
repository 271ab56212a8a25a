/**
 * Cluster DNS from inside a pod on a netns node (issue 6): the pod's /etc/resolv.conf is the one
 * its kubelet wrote (nameserver = the kube-dns ClusterIP, search path of its namespace, ndots:5),
 * queries go through the node's service proxy to the cluster DNS, over UDP and over TCP;
 * `web`, `web.default.svc.cluster.local` and a headless Service's name resolve; and an HTTP
 * request to http://web/ from the pod reaches an echo pod on the other node, across the bridge.
 *
 * Two nodes: the client pod runs on node-1, the web pods on node-2.
 */
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { netnsUnsupportedReason } from '../../src/faults/netns.js';
import { CLUSTER_DNS_IP, startNetnsKube, type NetnsKube } from '../support/netns-kube.js';

const skip = netnsUnsupportedReason();
const DNS_PACKET = fileURLToPath(new URL('../../node_modules/dns-packet/index.js', import.meta.url));

/**
 * A raw DNS query over TCP (2-byte length prefix, RFC 1035 4.2.2) to the first nameserver of the
 * pod's own /etc/resolv.conf; prints the answer's rcode and A records as JSON.
 */
const TCP_QUERY = `
const net = require('node:net');
const fs = require('node:fs');
const packet = require(${JSON.stringify(DNS_PACKET)});
const name = process.argv[1];
const server = /^nameserver\\s+(\\S+)/m.exec(fs.readFileSync('/etc/resolv.conf', 'utf8'))[1];
const query = packet.streamEncode({ type: 'query', id: 4242, flags: packet.RECURSION_DESIRED, questions: [{ type: 'A', name }] });
const socket = net.connect({ host: server, port: 53 }, () => socket.write(query));
let buf = Buffer.alloc(0);
socket.on('data', (d) => {
  buf = Buffer.concat([buf, d]);
  if (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
    const answer = packet.streamDecode(buf);
    console.log(JSON.stringify({ server, rcode: answer.rcode, a: answer.answers.filter((r) => r.type === 'A').map((r) => r.data).sort() }));
    socket.end();
  }
});
socket.on('error', (e) => { console.log(JSON.stringify({ server, error: e.code })); });
setTimeout(() => { console.log(JSON.stringify({ server, error: 'timeout' })); process.exit(1); }, 5000).unref();
`;

/** c-ares (Node's dns.Resolver) with the pod's resolv.conf: UDP queries, no search path. */
const UDP_QUERY = `
const { Resolver } = require('node:dns').promises;
const r = new Resolver({ timeout: 2000, tries: 2 });
r.resolve4(process.argv[1]).then((a) => console.log(JSON.stringify({ servers: r.getServers(), a: a.sort() })), (e) => console.log(JSON.stringify({ servers: r.getServers(), error: e.code })));
`;

/** 200 lookups, 10 at a time: how many gave exactly the ClusterIP, and the median and worst latency. */
const UDP_BURST = `
const { Resolver } = require('node:dns').promises;
const [name, want] = process.argv.slice(1);
const times = [];
let ok = 0;
let next = 0;
const one = async () => {
  const r = new Resolver({ timeout: 2000, tries: 1 });
  const t0 = process.hrtime.bigint();
  try { const a = await r.resolve4(name); if (a.length === 1 && a[0] === want) ok++; } catch {}
  times.push(Number(process.hrtime.bigint() - t0) / 1e6);
};
Promise.all(Array.from({ length: 10 }, async () => { while (next < 200) { next++; await one(); } })).then(() => {
  times.sort((a, b) => a - b);
  console.log(JSON.stringify({ ok, total: times.length, p50: +times[100].toFixed(2), max: +times[199].toFixed(2) }));
});
`;

/** An HTTP GET through the pod's resolver (getaddrinfo: search path) and the node's proxy. */
const HTTP_GET = `
fetch(process.argv[1], { signal: AbortSignal.timeout(5000) }).then((r) => r.json()).then((b) => console.log(JSON.stringify({ pod: b.pod, node: b.node, remote: b.request.remoteAddress })), (e) => console.log(JSON.stringify({ error: String(e.cause?.code ?? e) })));
`;

let kube: NetnsKube;
let webIPs: string[];
let clusterIP: string;

before(async () => {
  if (skip) return;
  kube = await startNetnsKube({ nodes: [{ name: 'node-1', zone: 'zone-a' }, { name: 'node-2', zone: 'zone-b' }] });
  await kube.apply(`
apiVersion: apps/v1
kind: Deployment
metadata: { name: web }
spec:
  replicas: 2
  selector: { matchLabels: { app: web } }
  template:
    metadata: { labels: { app: web } }
    spec:
      nodeSelector: { kubernetes.io/hostname: node-2 }
      containers:
      - name: echo
        image: tskube/echo
        ports: [{ containerPort: 8080 }]
        readinessProbe: { httpGet: { path: /readyz, port: 8080 }, periodSeconds: 1 }
---
apiVersion: v1
kind: Service
metadata: { name: web }
spec:
  selector: { app: web }
  ports: [{ name: http, port: 80, targetPort: 8080 }]
---
apiVersion: v1
kind: Service
metadata: { name: web-headless }
spec:
  clusterIP: None
  selector: { app: web }
  ports: [{ name: http, port: 8080 }]
---
apiVersion: v1
kind: Pod
metadata: { name: client }
spec:
  nodeSelector: { kubernetes.io/hostname: node-1 }
  terminationGracePeriodSeconds: 1
  containers:
  - name: shell
    image: tskube/pause
`);
  const web = await kube.waitForReadyPods('app=web', 2);
  webIPs = web.map((p) => p.status!.podIP!).sort();
  await kube.waitForReadyPods('', 3);
  const svc = await kube.client.resource<{ spec?: { clusterIP?: string } }>('', 'v1', 'services').get('web', { namespace: 'default' });
  clusterIP = svc.spec!.clusterIP!;
});

after(async () => {
  if (!kube) return;
  await kube.close();
  assert.deepEqual(kube.podProcesses(), [], 'no pod process survives close()');
});

async function execInClient(...command: string[]): Promise<string> {
  const r = await kube.kubectl('exec', 'client', '--', ...command);
  assert.equal(r.status, 0, `kubectl exec ${command.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

async function nodeScript(script: string, arg: string): Promise<Record<string, unknown>> {
  const out = await execInClient(process.execPath, '-e', script, arg);
  return JSON.parse(out.trim().split('\n').pop()!) as Record<string, unknown>;
}

describe('cluster DNS from a pod on a netns node', { skip }, () => {
  it('the pod resolv.conf names kube-dns and the namespace search path', async () => {
    assert.match(clusterIP, /^10\.(9[6-9]|10[0-9]|11[01])\./, 'ClusterIPs come from 10.96.0.0/12');
    assert.ok(webIPs.every((ip) => ip.startsWith('10.244.2.')), `web pods on node-2: ${webIPs}`);
    const conf = await execInClient('cat', '/etc/resolv.conf');
    assert.match(conf, /^search default\.svc\.cluster\.local svc\.cluster\.local cluster\.local\b/m);
    assert.match(conf, new RegExp(`^nameserver ${CLUSTER_DNS_IP.replace(/\./g, '\\.')}$`, 'm'));
    assert.match(conf, /^options ndots:5$/m);
    // The node's own resolv.conf is untouched: the mount exists only in the pod's mount namespace.
    assert.doesNotMatch(await kube.node('node-1').netns.exec(['cat', '/etc/resolv.conf']).then((r) => r.stdout), /cluster\.local/);
  });

  it('service names resolve to the ClusterIP over UDP, with and without the search path', async (t) => {
    const udp = await nodeScript(UDP_QUERY, 'web.default.svc.cluster.local');
    assert.deepEqual(udp, { servers: [CLUSTER_DNS_IP], a: [clusterIP] });
    const burst = (await execInClient(process.execPath, '-e', UDP_BURST, 'web.default.svc.cluster.local', clusterIP)).trim();
    t.diagnostic(`UDP lookups through the node proxy: ${burst} (ms)`);
    const { ok, total } = JSON.parse(burst) as { ok: number; total: number };
    assert.equal(ok, total, 'every lookup answered with the ClusterIP');
    // glibc: the short name through the search path, A and AAAA asked at once on one socket.
    assert.match(await execInClient('getent', 'hosts', 'web'), new RegExp(`^${clusterIP.replace(/\./g, '\\.')}\\s+web\\.default\\.svc\\.cluster\\.local`, 'm'));
    assert.match(await execInClient('getent', 'ahostsv4', 'web.default'), new RegExp(`^${clusterIP.replace(/\./g, '\\.')}\\s`, 'm'));
    const missing = await kube.kubectl('exec', 'client', '--', 'getent', 'hosts', 'nothing-here');
    assert.equal(missing.status, 2, 'an unknown name is not found (getent exit 2)');
  });

  it('service and headless names resolve over TCP', async () => {
    assert.deepEqual(await nodeScript(TCP_QUERY, 'web.default.svc.cluster.local'), { server: CLUSTER_DNS_IP, rcode: 'NOERROR', a: [clusterIP] });
    assert.deepEqual(await nodeScript(TCP_QUERY, 'web-headless.default.svc.cluster.local'), { server: CLUSTER_DNS_IP, rcode: 'NOERROR', a: webIPs });
    assert.deepEqual(await nodeScript(TCP_QUERY, 'nothing-here.default.svc.cluster.local'), { server: CLUSTER_DNS_IP, rcode: 'NXDOMAIN', a: [] });
  });

  it('a headless Service name resolves to its pods over UDP', async () => {
    assert.deepEqual(await nodeScript(UDP_QUERY, 'web-headless.default.svc.cluster.local'), { servers: [CLUSTER_DNS_IP], a: webIPs });
    const lines = (await execInClient('getent', 'ahostsv4', 'web-headless')).split('\n').filter((l) => l.includes('STREAM'));
    assert.deepEqual([...new Set(lines.map((l) => l.split(/\s+/)[0]))].sort(), webIPs);
  });

  it('http://web/ from the pod reaches an echo pod on the other node, across the bridge', async () => {
    const seen = new Set<string>();
    for (let i = 0; i < 6; i++) {
      const answer = await nodeScript(HTTP_GET, 'http://web/');
      assert.equal(answer.node, 'node-2', JSON.stringify(answer));
      // The echo pod sees node-1's bridge address: the connection left node-1 by its link.
      assert.equal(answer.remote, kube.node('node-1').netns.address, JSON.stringify(answer));
      seen.add(String(answer.pod));
    }
    assert.ok([...seen].every((p) => p.startsWith('web-')), [...seen].join());
  });
});
