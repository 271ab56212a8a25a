/**
 * @kubernetes/client-node (the official JavaScript client) against a tskube API server: CRUD, the
 * three patch types, a watch resumed from a resourceVersion, and an informer that survives a 410
 * and a server restart without missing or duplicating a change.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type {
  ListWatch} from '@kubernetes/client-node';
import {
  CoreV1Api,
  KubeConfig,
  PatchStrategy,
  Watch,
  makeInformer,
  setHeaderOptions,
  type V1ConfigMap,
} from '@kubernetes/client-node';
import { startApiServer, type RunningApiServer } from '../../src/apiserver/start.js';
import { MemoryKV } from '../../src/storage/memory/memory-kv.js';
import { eventually, startTestCluster, type TestCluster } from '../support/apiserver.js';

let cluster: TestCluster;
let api: CoreV1Api;
let kc: KubeConfig;
before(async () => {
  cluster = await startTestCluster();
  kc = new KubeConfig();
  kc.loadFromFile(cluster.api.kubeconfigPath);
  api = kc.makeApiClient(CoreV1Api);
});
after(() => cluster?.close());

const ns = 'default';
const cm = (name: string, data: Record<string, string> = {}): V1ConfigMap => ({ metadata: { name, labels: { suite: 'client-node' } }, data });

describe('@kubernetes/client-node against tskube', () => {
  it('creates, reads, lists, replaces and deletes', async () => {
    const created = await api.createNamespacedConfigMap({ namespace: ns, body: cm('crud', { a: '1' }) });
    assert.ok(created.metadata?.uid);
    assert.ok(created.metadata?.resourceVersion);
    const read = await api.readNamespacedConfigMap({ name: 'crud', namespace: ns });
    assert.equal(read.data?.a, '1');
    const list = await api.listNamespacedConfigMap({ namespace: ns, labelSelector: 'suite=client-node' });
    assert.deepEqual(list.items.map((i) => i.metadata?.name), ['crud']);
    read.data = { a: '2' };
    const replaced = await api.replaceNamespacedConfigMap({ name: 'crud', namespace: ns, body: read });
    assert.equal(replaced.data?.a, '2');
    // A replace with the old resourceVersion is a 409 Conflict.
    await assert.rejects(api.replaceNamespacedConfigMap({ name: 'crud', namespace: ns, body: read }), (err: { code?: number }) => err.code === 409);
    await api.deleteNamespacedConfigMap({ name: 'crud', namespace: ns });
    await assert.rejects(api.readNamespacedConfigMap({ name: 'crud', namespace: ns }), (err: { code?: number }) => err.code === 404);
  });

  it('patches with JSON patch, merge patch and strategic merge patch', async () => {
    await api.createNamespacedConfigMap({ namespace: ns, body: cm('patched', { a: '1' }) });
    const patch = (body: unknown, type: PatchStrategy) =>
      api.patchNamespacedConfigMap({ name: 'patched', namespace: ns, body }, setHeaderOptions('Content-Type', type));
    await patch([{ op: 'add', path: '/data/json', value: 'yes' }], PatchStrategy.JsonPatch);
    await patch({ data: { merge: 'yes', a: null } }, PatchStrategy.MergePatch);
    const final = await patch({ data: { strategic: 'yes' } }, PatchStrategy.StrategicMergePatch);
    assert.deepEqual(final.data, { json: 'yes', merge: 'yes', strategic: 'yes' });
  });

  it('resumes a watch from a resourceVersion without losing or repeating events', async () => {
    const first = await api.createNamespacedConfigMap({ namespace: ns, body: cm('w1') });
    await api.createNamespacedConfigMap({ namespace: ns, body: cm('w2') });
    await api.createNamespacedConfigMap({ namespace: ns, body: cm('w3') });
    const seen: string[] = [];
    const watch = new Watch(kc);
    const controller = await watch.watch(
      `/api/v1/namespaces/${ns}/configmaps`,
      { resourceVersion: first.metadata!.resourceVersion!, labelSelector: 'suite=client-node' },
      (type, obj: V1ConfigMap) => seen.push(`${type} ${obj.metadata?.name}`),
      () => {},
    );
    try {
      await api.createNamespacedConfigMap({ namespace: ns, body: cm('w4') });
      await eventually(() => seen.length >= 3, 10_000, 'three events');
      await new Promise((r) => setTimeout(r, 300));
      assert.deepEqual(seen, ['ADDED w2', 'ADDED w3', 'ADDED w4']);
    } finally {
      controller.abort();
    }
  });

  it('keeps an informer in sync across a 410 and a server restart', async () => {
    // A server of its own, so this test can restart it: same storage, same data dir, same port.
    const kv = new MemoryKV();
    let server: RunningApiServer = await startApiServer({ kv, dataDir: join(cluster.dataDir, 'informer'), host: '127.0.0.1', port: 0 });
    const port = Number(new URL(server.url).port);
    const ikc = new KubeConfig();
    ikc.loadFromFile(server.kubeconfigPath);
    const iapi = ikc.makeApiClient(CoreV1Api);
    const informer = makeInformer(ikc, '/api/v1/namespaces/default/configmaps', () => iapi.listNamespacedConfigMap({ namespace: 'default' }));
    const adds: string[] = [];
    const updates: string[] = [];
    informer.on('add', (obj) => adds.push(obj.metadata!.name!));
    informer.on('update', (obj) => updates.push(`${obj.metadata!.name!}=${(obj as V1ConfigMap).data?.v ?? ''}`));
    // client-node's informer stops on connection errors (it only relists by itself on 410):
    // restart it, as its documentation tells users to, until the test stops it.
    let stopped = false;
    informer.on('error', () => setTimeout(() => void (stopped || informer.start()), 200));
    await informer.start();
    try {
      await iapi.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'i1' }, data: { v: '1' } } });
      await eventually(() => adds.includes('i1'), 10_000, 'the informer to see i1');

      // Restart the server on the same port and storage while the informer is watching.
      await server.close();
      await iapi.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'offline' } } }).catch(() => undefined);
      await kv.create('/registry/core/configmaps/default/i2', Buffer.from(JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'i2', namespace: 'default', uid: 'u-i2', creationTimestamp: '2026-01-01T00:00:00Z' }, data: { v: '1' } })));
      // History the informer would resume from is compacted away: its watch must get 410 and relist.
      await kv.compact((await kv.stats()).revision);
      server = await startApiServer({ kv, dataDir: join(cluster.dataDir, 'informer'), host: '127.0.0.1', port });
      await eventually(() => adds.includes('i2'), 20_000, 'the informer to relist and see i2 after the restart');
      const i1 = await iapi.readNamespacedConfigMap({ name: 'i1', namespace: 'default' });
      i1.data = { v: '2' };
      await iapi.replaceNamespacedConfigMap({ name: 'i1', namespace: 'default', body: i1 });
      await eventually(() => updates.includes('i1=2'), 10_000, 'the informer to see the update after the restart');
      assert.equal(adds.filter((n) => n === 'i1').length, 1, `i1 added once, got ${JSON.stringify(adds)}`);
      assert.equal(adds.filter((n) => n === 'i2').length, 1, `i2 added once, got ${JSON.stringify(adds)}`);
      // makeInformer returns a ListWatch, which is also the informer's object cache.
      const cache = informer as unknown as ListWatch<V1ConfigMap>;
      assert.deepEqual(cache.list().map((o) => o.metadata?.name).sort(), ['i1', 'i2']);
    } finally {
      stopped = true;
      await informer.stop();
      await server.close();
      await kv.close();
    }
  });
});
