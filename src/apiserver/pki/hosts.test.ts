import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isPkiError } from './errors.js';
import { DEFAULT_SERVING_HOSTS, parseIpAddress, servingSubjectAltNames } from './hosts.js';

test('defaults come first, then configured hosts, canonical and without duplicates', () => {
  const sans = servingSubjectAltNames(['LocalHost', '10.96.0.1', '[fd00:0:0::1]', 'fd00::1', '*.apps.example.com']);
  assert.deepEqual(sans.dnsNames, [
    'localhost',
    'kubernetes',
    'kubernetes.default',
    'kubernetes.default.svc',
    'kubernetes.default.svc.cluster.local',
    '*.apps.example.com',
  ]);
  assert.deepEqual(sans.ipAddresses, ['127.0.0.1', '::1', '10.96.0.1', 'fd00::1']);
  assert.equal(DEFAULT_SERVING_HOSTS.length, 7);
});

test('IPv6 addresses compare in canonical form', () => {
  assert.equal(parseIpAddress('0:0:0:0:0:0:0:1'), '::1');
  assert.equal(parseIpAddress('FD00::A'), 'fd00::a');
  assert.equal(parseIpAddress('node-1'), undefined);
});

test('rejects what cannot be a certificate name, saying why', () => {
  const cases: Record<string, RegExp> = {
    '': /empty/,
    'https://x.example': /not a URL/,
    'x.example:6443': /without a port/,
    '-x.example': /RFC 1123/,
    'x..example': /RFC 1123/,
    '*.com': /too broad/,
    'a.*.example': /RFC 1123/,
    [`${'a'.repeat(64)}.example`]: /RFC 1123/,
    'fe80::1%eth0': /zone/,
  };
  for (const [host, reason] of Object.entries(cases)) {
    assert.throws(
      () => servingSubjectAltNames([host]),
      (err) => isPkiError(err, 'InvalidHost') && reason.test(err.message),
      host,
    );
  }
});
