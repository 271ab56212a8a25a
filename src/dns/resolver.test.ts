import assert from 'node:assert/strict';
import { beforeEach, describe, it } from 'node:test';
import type { Answer } from 'dns-packet';
import { ClusterState, type EndpointSlice, type Service } from './cluster-state.js';
import { Resolver, type Resolution } from './resolver.js';

const ZONE = 'cluster.local';
let state: ClusterState;
let resolver: Resolver;

function service(name: string, spec: Service['spec'], namespace = 'default'): void {
  state.sources.services.add({ metadata: { name, namespace }, spec });
}
function slice(name: string, svc: string, body: Pick<EndpointSlice, 'addressType' | 'endpoints' | 'ports'>, namespace = 'default'): void {
  state.sources.slices.add({ metadata: { name, namespace, labels: { 'kubernetes.io/service-name': svc } }, ...body });
}
const data = (r: Resolution, type = 'A') => r.answers.filter((a) => a.type === type).map((a) => (a as { data: unknown }).data);
const ask = (name: string, type: 'A' | 'AAAA' | 'SRV' | 'PTR' | 'CNAME' | 'TXT' | 'SOA' | 'MX' = 'A') => resolver.resolve({ name, type });

beforeEach(() => {
  state = ClusterState.empty();
  state.sources.namespaces.add({ metadata: { name: 'default' } });
  resolver = new Resolver({ zone: ZONE, ttl: 5, podMode: 'insecure' }, state, () => true);
});

describe('Resolver', () => {
  it('answers AAAA for IPv6 ClusterIPs and A for IPv4 ones of a dual-stack service', () => {
    service('dual', { clusterIP: '10.96.0.5', clusterIPs: ['10.96.0.5', 'fd00:96::5'], ports: [{ name: 'http', port: 80 }] });
    assert.deepEqual(data(ask('dual.default.svc.cluster.local')), ['10.96.0.5']);
    assert.deepEqual(data(ask('dual.default.svc.cluster.local', 'AAAA'), 'AAAA'), ['fd00:96::5']);
    const srv = ask('_http._tcp.dual.default.svc.cluster.local', 'SRV');
    assert.equal(srv.answers.length, 1, 'one SRV per target and port, not per address');
    assert.deepEqual(srv.additionals.map((a: Answer) => a.type).sort(), ['A', 'AAAA']);
    assert.deepEqual(ask('5.0.96.10.in-addr.arpa', 'PTR').answers.map((a) => (a as { data: unknown }).data), ['dual.default.svc.cluster.local']);
  });

  it('gives NODATA for a service without an address of the asked family, NXDOMAIN for what does not exist', () => {
    service('v4', { clusterIP: '10.96.0.6', ports: [{ port: 80 }] });
    const nodata = ask('v4.default.svc.cluster.local', 'AAAA');
    assert.equal(nodata.rcode, 'NOERROR');
    assert.equal(nodata.answers.length, 0);
    assert.equal(nodata.authorities[0]?.type, 'SOA');
    assert.equal(ask('nope.default.svc.cluster.local').rcode, 'NXDOMAIN');
    assert.equal(ask('v4.other.svc.cluster.local').rcode, 'NXDOMAIN', 'unknown namespace');
    assert.equal(ask('default.svc.cluster.local').rcode, 'NOERROR');
    assert.equal(ask('other.svc.cluster.local').rcode, 'NXDOMAIN');
    assert.equal(ask('v4.default.xyz.cluster.local').rcode, 'NXDOMAIN');
    assert.equal(ask('_http._tcp.v4.default.svc.cluster.local', 'SRV').rcode, 'NXDOMAIN', 'an unnamed port has no SRV name');
    assert.equal(ask('dns-version.cluster.local', 'A').rcode, 'NOERROR');
    assert.deepEqual(data(ask('dns-version.cluster.local', 'TXT'), 'TXT'), ['1.1.0']);
    assert.equal(ask('cluster.local', 'SOA').answers[0]?.type, 'SOA');
  });

  it('serves headless endpoints that are ready or of unknown readiness, or all with publishNotReadyAddresses', () => {
    service('hl', { clusterIP: 'None', ports: [{ name: 'p', port: 1 }] });
    slice('hl-1', 'hl', {
      addressType: 'IPv4',
      ports: [{ name: 'p', port: 9000, protocol: 'TCP' }],
      endpoints: [{ addresses: ['10.0.0.1'] }, { addresses: ['10.0.0.2'], conditions: { ready: false } }, { addresses: ['10.0.0.3'], conditions: { ready: true }, hostname: 'three' }],
    });
    // The same endpoint mirrored in a second slice (a hand-over) is answered once.
    slice('hl-2', 'hl', { addressType: 'IPv4', ports: [{ name: 'p', port: 9000, protocol: 'TCP' }], endpoints: [{ addresses: ['10.0.0.1'] }] });
    assert.deepEqual(data(ask('hl.default.svc.cluster.local')).sort(), ['10.0.0.1', '10.0.0.3']);
    assert.deepEqual(data(ask('_p._tcp.hl.default.svc.cluster.local', 'SRV'), 'SRV'), [
      { priority: 0, weight: 50, port: 9000, target: '10-0-0-1.hl.default.svc.cluster.local' },
      { priority: 0, weight: 50, port: 9000, target: 'three.hl.default.svc.cluster.local' },
    ]);
    assert.deepEqual(data(ask('three.hl.default.svc.cluster.local')), ['10.0.0.3']);
    service('hl', { clusterIP: 'None', publishNotReadyAddresses: true, ports: [{ name: 'p', port: 1 }] });
    assert.deepEqual(data(ask('hl.default.svc.cluster.local')).sort(), ['10.0.0.1', '10.0.0.2', '10.0.0.3']);
  });

  it('gives NXDOMAIN for a headless service without ready endpoints, as the spec says', () => {
    service('empty', { clusterIP: 'None', ports: [{ name: 'p', port: 1 }] });
    assert.equal(ask('empty.default.svc.cluster.local').rcode, 'NXDOMAIN');
  });

  it('answers ExternalName with a CNAME, chased inside the zone and handed out otherwise', () => {
    service('target', { clusterIP: '10.96.0.7', ports: [{ port: 80 }] });
    service('inner', { type: 'ExternalName', externalName: 'target.default.svc.cluster.local.' });
    service('outer', { type: 'ExternalName', externalName: 'www.example.com' });
    const inner = ask('inner.default.svc.cluster.local');
    assert.deepEqual(data(inner, 'CNAME'), ['target.default.svc.cluster.local']);
    assert.deepEqual(data(inner), ['10.96.0.7']);
    const outer = ask('outer.default.svc.cluster.local');
    assert.deepEqual(data(outer, 'CNAME'), ['www.example.com']);
    assert.deepEqual(outer.chase, { name: 'www.example.com', type: 'A' });
    assert.equal(ask('outer.default.svc.cluster.local', 'SRV').answers.length, 0);
    // Two ExternalNames pointing at each other end, they do not loop.
    service('ping', { type: 'ExternalName', externalName: 'pong.default.svc.cluster.local' });
    service('pong', { type: 'ExternalName', externalName: 'ping.default.svc.cluster.local' });
    assert.ok(ask('ping.default.svc.cluster.local').answers.length <= 10);
  });

  it('answers pod names in insecure mode only for existing namespaces', () => {
    assert.deepEqual(data(ask('10-1-2-3.default.pod.cluster.local')), ['10.1.2.3']);
    assert.deepEqual(data(ask('fd00--1.default.pod.cluster.local', 'AAAA'), 'AAAA'), ['fd00::1']);
    assert.equal(ask('10-1-2-3.other.pod.cluster.local').rcode, 'NXDOMAIN');
    assert.equal(ask('not-an-ip.default.pod.cluster.local').rcode, 'NXDOMAIN');
  });

  it('serves PTR for IPv6 endpoints, and lets unknown reverse names and foreign names go upstream', () => {
    service('v6', { clusterIP: 'None', ports: [{ name: 'p', port: 1 }] });
    slice('v6-1', 'v6', { addressType: 'IPv6', endpoints: [{ addresses: ['FD00::B'] }] });
    const ptr = ask('b.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.d.f.ip6.arpa', 'PTR');
    assert.deepEqual(data(ptr, 'PTR'), ['fd00--b.v6.default.svc.cluster.local']);
    assert.equal(ask('9.9.9.9.in-addr.arpa', 'PTR').forward, true);
    assert.equal(ask('9.9.9.9.in-addr.arpa', 'PTR').rcode, 'NXDOMAIN');
    const foreign = ask('example.com');
    assert.equal(foreign.forward, true);
    assert.equal(foreign.rcode, 'REFUSED');
  });

  it('answers SERVFAIL in the zone until the caches have synced', () => {
    const cold = new Resolver({ zone: ZONE, ttl: 5, podMode: 'insecure' }, state, () => false);
    assert.equal(cold.resolve({ name: 'web.default.svc.cluster.local', type: 'A' }).rcode, 'SERVFAIL');
  });
});
