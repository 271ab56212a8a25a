import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isDnsError } from './errors.js';
import { parseHostPort, resolveDnsSettings } from './options.js';

describe('DNS settings', () => {
  it("has CoreDNS's defaults", () => {
    const s = resolveDnsSettings({});
    assert.deepEqual(s.listen, { host: '127.0.0.1', port: 1053 });
    assert.equal(s.zone, 'cluster.local');
    assert.equal(s.ttl, 5);
    assert.equal(s.upstream, undefined);
    assert.equal(s.podMode, 'insecure');
  });

  it('parses host:port with IPv6 in brackets and a default port', () => {
    assert.deepEqual(parseHostPort('[::1]:53', { flag: '--listen' }), { host: '::1', port: 53 });
    assert.deepEqual(parseHostPort('192.0.2.1', { flag: '--upstream', defaultPort: 53 }), { host: '192.0.2.1', port: 53 });
    assert.deepEqual(parseHostPort('fd00::1', { flag: '--upstream', defaultPort: 53 }), { host: 'fd00::1', port: 53 });
    assert.deepEqual(resolveDnsSettings({ clusterDomain: 'Example.Internal.' }).zone, 'example.internal');
  });

  it('rejects settings that cannot work, naming the flag', () => {
    for (const [input, flag] of [
      [{ listen: 'localhost:53' }, '--listen'],
      [{ listen: '127.0.0.1:99999' }, '--listen'],
      [{ clusterDomain: 'bad_domain' }, '--cluster-domain'],
      [{ ttl: -1 }, '--ttl'],
      [{ upstream: 'dns.example:53' }, '--upstream'],
    ] as const) {
      assert.throws(() => resolveDnsSettings(input), (err: unknown) => isDnsError(err, 'InvalidOptions') && err.message.startsWith(flag));
    }
  });
});
