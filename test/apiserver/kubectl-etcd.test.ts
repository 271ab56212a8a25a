import { after, before } from 'node:test';
import { EtcdKV } from '../../src/storage/etcd/etcd-kv.js';
import { startEtcd, type EtcdServer } from '../support/etcd.js';
import { runKubectlSuite } from './kubectl-suite.js';

let etcd: EtcdServer;
before(async () => {
  etcd = await startEtcd();
});
after(() => etcd?.stop());

runKubectlSuite('a real etcd', () => EtcdKV.open({ endpoints: [etcd.clientUrl] }));
