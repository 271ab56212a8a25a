/**
 * Cluster DNS against a real API server: Services and EndpointSlices created through the API
 * show up as the records of the Kubernetes DNS schema, asked for by Node's own resolver (c-ares,
 * over UDP with its TCP retry) and by a raw client where the wire matters (one socket for A and
 * AAAA, TC, the authority section, pipelined TCP).
 */
import assert from 'node:assert/strict';
import { Resolver } from 'node:dns/promises';
import { after, before, describe, it } from 'node:test';
import type { EndpointSlice, Service } from '../../src/dns/cluster-state.js';
import { loadKubeconfig, RestClient, type ResourceClient } from '../../src/client/index.js';
import { DnsServer, reverseName } from '../../src/dns/index.js';
import { createLogger } from '../../src/log.js';
import { eventually, startTestCluster, type TestCluster } from '../support/apiserver.js';
import { startCli } from '../support/cli.js';
import { answerData, query, tcpExchange, udpExchange, udpRaw, type Reply } from './dns-client.js';

const ZONE = 'cluster.local';
let cluster: TestCluster;
let client: RestClient;
let services: ResourceClient<Service>;
let slices: ResourceClient<EndpointSlice>;
let server: DnsServer;
let port: number;
let resolver: Resolver;
const stop = new AbortController();
let running: Promise<void>;
let spareIP = 0;

function newResolver(p: number): Resolver {
  const r = new Resolver({ timeout: 2_000, tries: 2 });
  r.setServers([`127.0.0.1:${p}`]);
  return r;
}

/** A Service as the API server gives it back (its ClusterIP allocated, or one we chose if it allocates none). */
async function createService(name: string, spec: Service['spec']): Promise<Service> {
  const created = await services.create({ metadata: { name }, spec }, { namespace: 'default' });
  if (created.spec?.clusterIP || spec?.type === 'ExternalName') return created;
  await services.delete(name, { namespace: 'default' });
  return services.create({ metadata: { name }, spec: { ...spec, clusterIP: `127.96.200.${++spareIP}` } }, { namespace: 'default' });
}

async function createSlice(name: string, service: string, body: Pick<EndpointSlice, 'addressType' | 'endpoints' | 'ports'>): Promise<EndpointSlice> {
  return slices.create({ metadata: { name, labels: { 'kubernetes.io/service-name': service } }, ...body }, { namespace: 'default' });
}

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'ok';
  } catch (err) {
    return (err as { code?: string }).code ?? String(err);
  }
}

before(async () => {
  cluster = await startTestCluster();
  client = new RestClient({ config: await loadKubeconfig({ path: cluster.api.kubeconfigPath }) });
  services = client.resource<Service>('', 'v1', 'services');
  slices = client.resource<EndpointSlice>('discovery.k8s.io', 'v1', 'endpointslices');
  server = new DnsServer({ client, listen: '127.0.0.1:0', log: createLogger('dns-test') });
  port = (await server.start()).udp.port;
  running = server.run(stop.signal);
  assert.equal(await server.waitForSync(AbortSignal.timeout(20_000)), true, 'caches sync');
  resolver = newResolver(port);
});

after(async () => {
  stop.abort();
  await running;
  await server?.close();
  client?.close();
  await cluster?.close();
});

describe('cluster DNS', () => {
  let web: Service;

  before(async () => {
    web = await createService('web', { ports: [{ name: 'http', port: 80, protocol: 'TCP' }, { name: 'dns', port: 53, protocol: 'UDP' }] });
    await createService('db', { clusterIP: 'None', ports: [{ name: 'pg', port: 5432 }] });
    await createSlice('db-abcde', 'db', {
      addressType: 'IPv4',
      ports: [{ name: 'pg', port: 15432, protocol: 'TCP' }],
      endpoints: [
        { addresses: ['10.1.0.1'], hostname: 'db-0', conditions: { ready: true } },
        { addresses: ['10.1.0.2'], conditions: { ready: true } },
        { addresses: ['10.1.0.3'], hostname: 'db-2', conditions: { ready: false } },
      ],
    });
    await createService('db6', { clusterIP: 'None', ports: [{ name: 'pg', port: 5432 }] });
    await createSlice('db6-abcde', 'db6', { addressType: 'IPv6', ports: [{ name: 'pg', port: 5432, protocol: 'TCP' }], endpoints: [{ addresses: ['fd00::a'] }] });
    await createService('alias', { type: 'ExternalName', externalName: 'web.default.svc.cluster.local' });
    // Informers see the writes shortly after the API acknowledges them.
    await eventually(async () => (await codeOf(resolver.resolveCname(`alias.default.svc.${ZONE}`))) === 'ok', 10_000, 'the last object to reach the DNS caches');
  });

  it('answers A with the ClusterIP and SRV for each named port, over UDP and TCP', async () => {
    assert.deepEqual(await resolver.resolve4(`web.default.svc.${ZONE}`), [web.spec!.clusterIP]);
    assert.deepEqual(await resolver.resolveSrv(`_http._tcp.web.default.svc.${ZONE}`), [{ name: `web.default.svc.${ZONE}`, port: 80, priority: 0, weight: 100 }]);
    assert.deepEqual((await resolver.resolveSrv(`_dns._udp.web.default.svc.${ZONE}`)).map((s) => s.port), [53]);
    assert.equal(await codeOf(resolver.resolveSrv(`_http._udp.web.default.svc.${ZONE}`)), 'ENOTFOUND', 'wrong protocol for the port');
    // Case does not matter (the spec: comparisons are case-insensitive), and the answer keeps the asker's case.
    const mixed = await udpExchange(port, [query(7, `WEB.Default.SVC.cluster.LOCAL`, 'A')]);
    assert.deepEqual(answerData(mixed.get(7)!, 'A'), [web.spec!.clusterIP]);
    assert.equal(mixed.get(7)!.answers![0]!.name, 'WEB.Default.SVC.cluster.LOCAL');

    const overTcp = await tcpExchange(port, [query(1, `web.default.svc.${ZONE}`, 'A'), query(2, `_http._tcp.web.default.svc.${ZONE}`, 'SRV'), query(3, `nope.default.svc.${ZONE}`, 'A')]);
    assert.deepEqual(answerData(overTcp.get(1)!, 'A'), [web.spec!.clusterIP]);
    assert.equal(overTcp.get(2)!.answers!.length, 1);
    assert.deepEqual(answerData(overTcp.get(2)!, 'A'), [], 'the SRV target address travels in the additional section');
    assert.deepEqual(
      (overTcp.get(2)!.additionals ?? []).filter((a) => a.type === 'A').map((a) => [a.name, 'data' in a && a.data]),
      [[`web.default.svc.${ZONE}`, web.spec!.clusterIP]],
    );
    assert.equal(overTcp.get(3)!.rcode, 'NXDOMAIN');
  });

  it('answers a headless service with its ready endpoints, by service name, hostname and dashed address', async () => {
    assert.deepEqual((await resolver.resolve4(`db.default.svc.${ZONE}`)).sort(), ['10.1.0.1', '10.1.0.2']);
    assert.deepEqual(await resolver.resolve4(`db-0.db.default.svc.${ZONE}`), ['10.1.0.1']);
    assert.deepEqual(await resolver.resolve4(`10-1-0-2.db.default.svc.${ZONE}`), ['10.1.0.2']);
    assert.equal(await codeOf(resolver.resolve4(`db-2.db.default.svc.${ZONE}`)), 'ENOTFOUND', 'a not-ready endpoint has no name');
    const srv = (await resolver.resolveSrv(`_pg._tcp.db.default.svc.${ZONE}`)).sort((a, b) => a.name.localeCompare(b.name));
    assert.deepEqual(srv, [
      { name: `10-1-0-2.db.default.svc.${ZONE}`, port: 15432, priority: 0, weight: 50 },
      { name: `db-0.db.default.svc.${ZONE}`, port: 15432, priority: 0, weight: 50 },
    ]);
    assert.deepEqual(await resolver.resolve6(`db6.default.svc.${ZONE}`), ['fd00::a']);
    assert.equal(await codeOf(resolver.resolve4(`db6.default.svc.${ZONE}`)), 'ENODATA', 'an IPv6-only headless service has no A records');
  });

  it('answers PTR for ClusterIPs and endpoint addresses', async () => {
    assert.deepEqual(await resolver.reverse(web.spec!.clusterIP!), [`web.default.svc.${ZONE}`]);
    assert.deepEqual(await resolver.reverse('10.1.0.1'), [`db-0.db.default.svc.${ZONE}`]);
    assert.deepEqual(await resolver.reverse('10.1.0.2'), [`10-1-0-2.db.default.svc.${ZONE}`]);
    assert.deepEqual(await resolver.reverse('fd00::a'), [`fd00--a.db6.default.svc.${ZONE}`]);
    assert.equal(await codeOf(resolver.reverse('10.1.0.3')), 'ENOTFOUND', 'not ready, no PTR');
    const raw = await udpExchange(port, [query(9, reverseName(web.spec!.clusterIP!), 'PTR')]);
    assert.equal(raw.get(9)!.flag_aa, true);
  });

  it('tells NXDOMAIN from NODATA, with the zone SOA in the authority section', async () => {
    const replies = await udpExchange(port, [
      query(1, `nope.default.svc.${ZONE}`, 'A'),
      query(2, `web.default.svc.${ZONE}`, 'AAAA'),
      query(3, `default.svc.${ZONE}`, 'A'),
      query(4, `web.nosuchns.svc.${ZONE}`, 'A'),
      query(5, `web.default.svc.${ZONE}`, 'MX'),
    ]);
    const soa = (r: Reply) => r.authorities?.find((a) => a.type === 'SOA');
    for (const [id, rcode] of [[1, 'NXDOMAIN'], [2, 'NOERROR'], [3, 'NOERROR'], [4, 'NXDOMAIN'], [5, 'NOERROR']] as const) {
      const r = replies.get(id)!;
      assert.equal(r.rcode, rcode, `query ${id}`);
      assert.equal(r.answers!.length, 0, `query ${id}`);
      assert.equal(r.flag_aa, true, `query ${id} is answered authoritatively`);
      assert.equal(soa(r)?.name, ZONE, `query ${id} carries the SOA`);
      assert.equal(soa(r)?.ttl, 5);
    }
    assert.equal(await codeOf(resolver.resolve4(`nope.default.svc.${ZONE}`)), 'ENOTFOUND');
    assert.equal(await codeOf(resolver.resolve6(`web.default.svc.${ZONE}`)), 'ENODATA');
  });

  it('answers A and AAAA sent back to back from one socket, each under its own id', async () => {
    for (let round = 0; round < 5; round++) {
      const a = 0x1000 + round;
      const aaaa = 0x2000 + round;
      const replies = await udpExchange(port, [query(a, `web.default.svc.${ZONE}`, 'A'), query(aaaa, `web.default.svc.${ZONE}`, 'AAAA')]);
      assert.deepEqual(replies.get(a)!.questions, [{ name: `web.default.svc.${ZONE}`, type: 'A', class: 'IN' }]);
      assert.deepEqual(answerData(replies.get(a)!, 'A'), [web.spec!.clusterIP]);
      assert.deepEqual(replies.get(aaaa)!.questions, [{ name: `web.default.svc.${ZONE}`, type: 'AAAA', class: 'IN' }]);
      assert.equal(replies.get(aaaa)!.rcode, 'NOERROR');
      assert.deepEqual(replies.get(aaaa)!.answers, []);
    }
  });

  it('sets TC when an answer exceeds 512 bytes over UDP, honours EDNS0, and gives the whole answer over TCP', async () => {
    await createService('big', { clusterIP: 'None', ports: [{ name: 'http', port: 80 }] });
    const addresses = Array.from({ length: 40 }, (_, i) => `10.2.0.${i + 1}`);
    await createSlice('big-abcde', 'big', { addressType: 'IPv4', ports: [{ name: 'http', port: 80, protocol: 'TCP' }], endpoints: addresses.map((a) => ({ addresses: [a] })) });
    await eventually(async () => (await codeOf(resolver.resolve4(`big.default.svc.${ZONE}`))) === 'ok', 10_000, 'the big service');

    const plain = (await udpExchange(port, [query(1, `big.default.svc.${ZONE}`, 'A')])).get(1)!;
    assert.equal(plain.flag_tc, true);
    assert.ok(plain.answers!.length < 40);
    const wide = (await udpExchange(port, [query(2, `big.default.svc.${ZONE}`, 'A', { edns: 4096 })])).get(2)!;
    assert.equal(wide.flag_tc, false);
    assert.equal(wide.answers!.length, 40);
    assert.equal(wide.additionals?.find((a) => a.type === 'OPT')?.type, 'OPT', 'an EDNS query gets an EDNS answer');
    const tcp = (await tcpExchange(port, [query(3, `big.default.svc.${ZONE}`, 'A')])).get(3)!;
    assert.equal(tcp.flag_tc, false);
    assert.deepEqual(answerData(tcp, 'A'), [...addresses].sort());
    // c-ares retries over TCP on TC, as glibc does.
    assert.equal((await resolver.resolve4(`big.default.svc.${ZONE}`)).length, 40);
  });

  it('answers ExternalName services with a CNAME, the schema version as TXT, and refuses foreign names without an upstream', async () => {
    assert.deepEqual(await resolver.resolveCname(`alias.default.svc.${ZONE}`), [`web.default.svc.${ZONE}`]);
    const chased = (await udpExchange(port, [query(1, `alias.default.svc.${ZONE}`, 'A')])).get(1)!;
    assert.deepEqual(answerData(chased, 'CNAME'), [`web.default.svc.${ZONE}`]);
    assert.deepEqual(answerData(chased, 'A'), [web.spec!.clusterIP], 'an in-zone target is resolved in the same answer');
    assert.deepEqual(await resolver.resolveTxt(`dns-version.${ZONE}`), [['1.1.0']]);
    assert.equal(await codeOf(resolver.resolve4('example.com')), 'EREFUSED');
  });

  it('forwards names outside the zone to --upstream, and resolves ExternalName targets there', async () => {
    // A second server for another zone, forwarding to the first: names of cluster.local are foreign to it.
    const edge = new DnsServer({ client, listen: '127.0.0.1:0', clusterDomain: 'edge.test', upstream: `127.0.0.1:${port}`, log: createLogger('dns-edge') });
    const edgePort = (await edge.start()).udp.port;
    const edgeStop = new AbortController();
    const edgeRun = edge.run(edgeStop.signal);
    try {
      assert.equal(await edge.waitForSync(AbortSignal.timeout(20_000)), true);
      const edgeResolver = newResolver(edgePort);
      assert.deepEqual(await edgeResolver.resolve4(`web.default.svc.${ZONE}`), [web.spec!.clusterIP], 'forwarded over UDP');
      assert.equal(await codeOf(edgeResolver.resolve4(`nope.default.svc.${ZONE}`)), 'ENOTFOUND', 'the upstream NXDOMAIN comes back');
      const overTcp = (await tcpExchange(edgePort, [query(4, `big.default.svc.${ZONE}`, 'A')])).get(4)!;
      assert.equal(overTcp.answers!.length, 40, 'a TCP client gets the whole answer, fetched upstream over TCP');
      const alias = (await udpExchange(edgePort, [query(5, 'alias.default.svc.edge.test', 'A')])).get(5)!;
      assert.deepEqual(answerData(alias, 'CNAME'), [`web.default.svc.${ZONE}`]);
      assert.deepEqual(answerData(alias, 'A'), [web.spec!.clusterIP], 'the out-of-zone CNAME target is resolved upstream');
    } finally {
      edgeStop.abort();
      await edgeRun;
      await edge.close();
    }
  });

  it('follows changes: a changed Service, moved endpoints, a deleted Service', async () => {
    const before = await createService('moving', { ports: [{ name: 'http', port: 80 }] });
    await eventually(async () => (await codeOf(resolver.resolve4(`moving.default.svc.${ZONE}`))) === 'ok', 10_000, 'the new service');
    await services.patch('moving', 'merge', { spec: { ports: [{ name: 'https', port: 443 }] } }, { namespace: 'default' });
    await eventually(async () => (await codeOf(resolver.resolveSrv(`_https._tcp.moving.default.svc.${ZONE}`))) === 'ok', 10_000, 'the new port');
    assert.equal(await codeOf(resolver.resolveSrv(`_http._tcp.moving.default.svc.${ZONE}`)), 'ENOTFOUND');

    await slices.patch('db-abcde', 'merge', { endpoints: [{ addresses: ['10.1.0.9'], hostname: 'db-0' }] }, { namespace: 'default' });
    await eventually(async () => JSON.stringify(await resolver.resolve4(`db.default.svc.${ZONE}`)) === '["10.1.0.9"]', 10_000, 'the moved endpoint');
    assert.deepEqual(await resolver.resolve4(`db-0.db.default.svc.${ZONE}`), ['10.1.0.9']);

    await services.delete('moving', { namespace: 'default' });
    await eventually(async () => (await codeOf(resolver.resolve4(`moving.default.svc.${ZONE}`))) === 'ENOTFOUND', 10_000, 'the deleted service to vanish');
    assert.equal(await codeOf(resolver.reverse(before.spec!.clusterIP!)), 'ENOTFOUND', 'and its PTR');
  });

  it('drops responses sent to it and answers garbage with FORMERR', async () => {
    const garbage = Buffer.from([0xab, 0xcd, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x40]);
    const reply = await udpRaw(port, garbage);
    assert.ok(reply, 'a reply');
    assert.equal(reply.readUInt16BE(0), 0xabcd);
    assert.equal(reply.readUInt8(3) & 0x0f, 1, 'FORMERR');
    const response = Buffer.from(garbage);
    response.writeUInt8(0x81, 2);
    assert.equal(await udpRaw(port, response, 300), undefined);
  });
});

describe('tskube dns', () => {
  it('serves the cluster zone from the command line and stops on SIGTERM', async () => {
    await createService('cli', { ports: [{ name: 'http', port: 80 }] });
    const cli = startCli(['dns', '--kubeconfig', cluster.api.kubeconfigPath, '--listen', '127.0.0.1:0', '--ttl', '7']);
    try {
      const line = await cli.waitFor(/serving cluster\.local on/);
      const cliPort = Number(/127\.0\.0\.1:(\d+)/.exec(line)![1]);
      const r = newResolver(cliPort);
      await eventually(async () => (await codeOf(r.resolve4(`cli.default.svc.${ZONE}`))) === 'ok', 20_000, 'the CLI server to answer');
      const [record] = await r.resolve4(`cli.default.svc.${ZONE}`, { ttl: true });
      assert.equal(record!.ttl, 7);
    } finally {
      assert.equal(await cli.stop('SIGTERM'), 0);
    }
  });
});
