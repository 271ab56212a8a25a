import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { podResolvConf, renderResolvConf } from './resolv-conf.js';

describe('pod resolv.conf', () => {
  it('renders what a ClusterFirst pod gets', () => {
    assert.equal(
      renderResolvConf({ namespace: 'shop', nameservers: ['10.96.0.10'] }),
      'search shop.svc.cluster.local svc.cluster.local cluster.local\nnameserver 10.96.0.10\noptions ndots:5\n',
    );
  });

  it('appends host searches and merges the pod dnsConfig as upstream does', () => {
    const conf = podResolvConf({
      namespace: 'shop',
      clusterDomain: 'example.internal.',
      nameservers: ['10.96.0.10'],
      hostSearches: ['corp.example', 'svc.example.internal'],
      dnsConfig: { nameservers: ['1.1.1.1', '8.8.8.8', '9.9.9.9'], searches: ['extra.example'], options: [{ name: 'ndots', value: '2' }, { name: 'edns0' }] },
    });
    assert.deepEqual(conf.nameservers, ['10.96.0.10', '1.1.1.1', '8.8.8.8'], 'three nameservers at most');
    assert.deepEqual(conf.searches, ['shop.svc.example.internal', 'svc.example.internal', 'example.internal', 'corp.example', 'extra.example']);
    assert.equal(renderResolvConf(conf).split('\n')[2], 'nameserver 1.1.1.1');
    assert.match(renderResolvConf(conf), /^options ndots:2 edns0$/m);
  });

  it('keeps at most 32 search domains', () => {
    const many = Array.from({ length: 40 }, (_, i) => `d${i}.example`);
    assert.equal(podResolvConf({ namespace: 'a', nameservers: ['10.96.0.10'], hostSearches: many }).searches.length, 32);
  });
});
