/**
 * Deleting a namespace deletes what is in it: the namespace shows Terminating, the namespace
 * controller empties it, and then the namespace itself is gone — as `kubectl delete namespace`
 * behaves against a real cluster.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { loadKubeconfig, RestClient } from '../../src/client/index.js';
import { NamespaceController } from '../../src/controllers/namespace/controller.js';
import { createLogger } from '../../src/log.js';
import { eventually, startTestCluster, type TestCluster } from '../support/apiserver.js';

let cluster: TestCluster;
let client: RestClient;
const stop = new AbortController();
let controller: Promise<void>;

before(async () => {
  cluster = await startTestCluster();
  client = new RestClient({ config: await loadKubeconfig({ path: cluster.api.kubeconfigPath }) });
  controller = new NamespaceController({ client, log: createLogger('test') }).run(stop.signal);
});
after(async () => {
  stop.abort();
  await controller;
  client?.close();
  await cluster?.close();
});

describe('namespace deletion', () => {
  it('empties a deleted namespace, then removes it; other namespaces keep their content', async () => {
    const kubectl = async (...args: string[]) => {
      const res = await cluster.kubectl(args);
      assert.equal(res.status, 0, `kubectl ${args.join(' ')}: ${res.stderr}`);
      return res.stdout;
    };
    await kubectl('create', 'namespace', 'doomed');
    await kubectl('create', 'configmap', 'a', '-n', 'doomed');
    await kubectl('create', 'secret', 'generic', 'b', '-n', 'doomed', '--from-literal=k=v');
    await kubectl('create', 'deployment', 'c', '-n', 'doomed', '--image=tskube/echo');
    await kubectl('create', 'configmap', 'survivor', '-n', 'default');

    const deleted = await kubectl('delete', 'namespace', 'doomed', '--timeout=30s');
    assert.match(deleted, /namespace "doomed" deleted/);
    await eventually(async () => (await cluster.kubectl(['get', 'namespace', 'doomed'])).status !== 0, 20_000, 'the namespace to be gone');
    const left = await cluster.kv.list('/registry/');
    assert.deepEqual(left.kvs.map((e) => e.key).filter((k) => k.includes('/doomed')), [], 'nothing of the namespace is left in storage');
    assert.match(await kubectl('get', 'configmap', 'survivor', '-n', 'default', '-o', 'name'), /configmap\/survivor/);
  });

  it('refuses new content in a terminating namespace', async () => {
    const ns = client.resource('', 'v1', 'namespaces');
    await ns.create({ metadata: { name: 'closing' } });
    // Hold it terminating with a finalizer of our own on a config map inside.
    await client.resource('', 'v1', 'configmaps').create({ metadata: { name: 'held', finalizers: ['example.com/hold'] } }, { namespace: 'closing' });
    await ns.delete('closing');
    const res = await cluster.kubectl(['create', 'configmap', 'late', '-n', 'closing']);
    assert.notEqual(res.status, 0);
    assert.match(res.stderr, /because it is being terminated/);
    await client.resource('', 'v1', 'configmaps').patch('held', 'merge', { metadata: { finalizers: null } }, { namespace: 'closing' });
    await eventually(async () => (await cluster.kubectl(['get', 'namespace', 'closing'])).status !== 0, 20_000, 'the namespace to be gone');
  });
});
