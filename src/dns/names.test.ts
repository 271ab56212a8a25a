import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { canonicalIP, dashedIP, ipFromDashed, ipFromReverseName, labelsBelow, normalizeName, parseClusterName, reverseName } from './names.js';

const parse = (name: string) => parseClusterName(labelsBelow(normalizeName(name), 'cluster.local'));

describe('parseClusterName', () => {
  it('splits the schema names right to left', () => {
    assert.deepEqual(parse('cluster.local.'), { kind: 'apex' });
    assert.deepEqual(parse('svc.cluster.local'), { kind: 'apex' });
    assert.deepEqual(parse('dns-version.cluster.local'), { kind: 'dns-version' });
    assert.deepEqual(parse('default.svc.cluster.local'), { kind: 'service', namespace: 'default' });
    assert.deepEqual(parse('Web.Default.svc.cluster.local.'), { kind: 'service', namespace: 'default', service: 'web' });
    assert.deepEqual(parse('db-0.db.default.svc.cluster.local'), { kind: 'service', namespace: 'default', service: 'db', endpoint: 'db-0' });
    assert.deepEqual(parse('_http._tcp.web.default.svc.cluster.local'), { kind: 'service', namespace: 'default', service: 'web', port: 'http', protocol: 'tcp' });
    assert.deepEqual(parse('10-0-0-1.default.pod.cluster.local'), { kind: 'pod', namespace: 'default', pod: '10-0-0-1' });
  });

  it('calls anything else invalid', () => {
    assert.deepEqual(parse('foo.cluster.local'), { kind: 'invalid' });
    assert.deepEqual(parse('web.default.foo.cluster.local'), { kind: 'invalid' });
    assert.deepEqual(parse('a.b._http._tcp.web.default.svc.cluster.local'), { kind: 'invalid' });
    assert.deepEqual(parse('a.b.default.pod.cluster.local'), { kind: 'invalid' });
  });
});

describe('addresses', () => {
  it('spells each address one way', () => {
    assert.equal(canonicalIP('10.0.0.1'), '10.0.0.1');
    assert.equal(canonicalIP('FD00:0:0::1'), 'fd00::1');
    assert.equal(canonicalIP('not-an-ip'), undefined);
  });

  it('dashes addresses and reads them back', () => {
    assert.equal(dashedIP('10.0.0.1'), '10-0-0-1');
    assert.equal(dashedIP('fd00::1'), 'fd00--1');
    assert.equal(ipFromDashed('10-0-0-1'), '10.0.0.1');
    assert.equal(ipFromDashed('fd00--1'), 'fd00::1');
    assert.equal(ipFromDashed('web'), undefined);
    assert.equal(ipFromDashed('300-0-0-1'), undefined);
  });

  it('round-trips reverse names for IPv4 and IPv6', () => {
    assert.equal(reverseName('10.96.0.1'), '1.0.96.10.in-addr.arpa');
    assert.equal(ipFromReverseName('1.0.96.10.in-addr.arpa'), '10.96.0.1');
    const v6 = reverseName('fd00::a');
    assert.equal(v6, 'a.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.d.f.ip6.arpa');
    assert.equal(ipFromReverseName(v6), 'fd00::a');
    assert.equal(ipFromReverseName('0.96.10.in-addr.arpa'), undefined, 'a partial name is no address');
    assert.equal(ipFromReverseName('1.0.96.300.in-addr.arpa'), undefined);
  });
});
