import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HostAddressError, hostModeNodeIndex, hostModeServiceAddress, ipv4ToInt } from './host-address.js';

describe('host-mode service addresses', () => {
  it('puts node i at 127.(128+i) with the ClusterIP low 16 bits', () => {
    assert.equal(hostModeServiceAddress(0, '127.96.0.10'), '127.128.0.10');
    assert.equal(hostModeServiceAddress(3, '127.96.1.2'), '127.131.1.2');
    assert.equal(hostModeServiceAddress(127, '127.111.255.254'), '127.255.255.254');
  });

  it('is one-to-one over nodes 0..127 and the low 16 bits, and never lands in the node, pod or service ranges', () => {
    const seen = new Set<string>();
    for (let node = 0; node <= 127; node += 7) {
      for (let low = 0; low < 65536; low += 257) {
        const addr = hostModeServiceAddress(node, `127.96.${low >> 8}.${low & 255}`);
        assert.ok(!seen.has(addr), addr);
        seen.add(addr);
        const n = ipv4ToInt(addr);
        assert.ok(n >= ipv4ToInt('127.128.0.0') && n <= ipv4ToInt('127.255.255.255'), addr);
      }
    }
  });

  it('refuses node indexes and ClusterIPs it cannot map', () => {
    assert.throws(() => hostModeServiceAddress(128, '127.96.0.1'), HostAddressError);
    assert.throws(() => hostModeServiceAddress(-1, '127.96.0.1'), HostAddressError);
    assert.throws(() => hostModeServiceAddress(0, '10.96.0.1'), /outside the host-mode service range/);
    assert.throws(() => hostModeServiceAddress(0, '127.64.0.1'), HostAddressError);
    assert.throws(() => hostModeServiceAddress(0, 'web'), /not an IPv4 address/);
  });

  it('reads a node index from a fleet node address', () => {
    assert.equal(hostModeNodeIndex('127.0.1.1'), 1);
    assert.equal(hostModeNodeIndex('127.0.1.6'), 6);
    assert.equal(hostModeNodeIndex('127.0.1.127'), 127);
    assert.equal(hostModeNodeIndex('127.0.2.0'), undefined);
    assert.equal(hostModeNodeIndex('10.0.0.1'), undefined);
  });
});
