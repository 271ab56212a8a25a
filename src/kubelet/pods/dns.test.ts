import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { parseResolvConf, podDnsConfig } from './dns.js';

const host = parseResolvConf('# the node\nsearch corp.example\nnameserver 192.0.2.53\noptions timeout:2\n');
const cluster = { clusterDNS: ['10.96.0.10'], clusterDomain: 'cluster.local' };
const pod = (spec: Partial<NonNullable<Pod['spec']>> = {}): Pod => ({ metadata: { name: 'p', namespace: 'shop', uid: 'u1' }, spec: { containers: [], ...spec } });

describe('pod DNS configuration (kubelet)', () => {
  it('parses a resolv.conf', () => {
    assert.deepEqual(host, { nameservers: ['192.0.2.53'], searches: ['corp.example'], options: [{ name: 'timeout', value: '2' }] });
  });

  it('ClusterFirst (the default): cluster DNS, the namespace search path, host searches, ndots:5', () => {
    assert.deepEqual(podDnsConfig(pod(), cluster, host), {
      conf: {
        nameservers: ['10.96.0.10'],
        searches: ['shop.svc.cluster.local', 'svc.cluster.local', 'cluster.local', 'corp.example'],
        options: [{ name: 'ndots', value: '5' }],
      },
    });
  });

  it('ClusterFirst on the host network falls back to the node (no file); ClusterFirstWithHostNet does not', () => {
    assert.deepEqual(podDnsConfig(pod({ hostNetwork: true }), cluster, host), { conf: undefined });
    assert.deepEqual(podDnsConfig(pod({ hostNetwork: true, dnsPolicy: 'ClusterFirstWithHostNet' }), cluster, host).conf?.nameservers, ['10.96.0.10']);
  });

  it('no --cluster-dns: ClusterFirst falls back to the node with upstream MissingClusterDNS message', () => {
    const d = podDnsConfig(pod(), { clusterDNS: [] }, host);
    assert.equal(d.conf, undefined);
    assert.equal(d.warning, 'pod: "p_shop(u1)". kubelet does not have ClusterDNS IP configured and cannot create Pod using "ClusterFirst" policy. Falling back to "Default" policy.');
  });

  it('Default merges dnsConfig into the node configuration; None uses only dnsConfig', () => {
    const dnsConfig = { nameservers: ['198.51.100.1'], searches: ['extra.example'], options: [{ name: 'ndots', value: '2' }] };
    assert.deepEqual(podDnsConfig(pod({ dnsPolicy: 'Default' }), cluster, host), { conf: undefined });
    assert.deepEqual(podDnsConfig(pod({ dnsPolicy: 'Default', dnsConfig }), cluster, host).conf, {
      nameservers: ['192.0.2.53', '198.51.100.1'],
      searches: ['corp.example', 'extra.example'],
      options: [{ name: 'timeout', value: '2' }, { name: 'ndots', value: '2' }],
    });
    assert.deepEqual(podDnsConfig(pod({ dnsPolicy: 'None', dnsConfig }), cluster, host).conf, { nameservers: ['198.51.100.1'], searches: ['extra.example'], options: [{ name: 'ndots', value: '2' }] });
  });
});
