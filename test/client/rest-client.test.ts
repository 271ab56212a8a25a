/**
 * The tskube REST client against a real in-process API server: every verb, the four patch types,
 * paging, dryRun, and failures as typed ApiStatusErrors carrying the server's Status.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ConfigMap } from 'kubernetes-types/core/v1.js';
import type { KubeObject } from '../../src/api/object.js';
import { ApiStatusError, isAlreadyExists, isConflict, isNotFound } from '../../src/client/errors.js';
import type { ResourceClient } from '../../src/client/resource-client.js';
import type { RestClient } from '../../src/client/rest-client.js';
import { startTestCluster, type TestCluster } from '../support/apiserver.js';
import { clientFor } from './support/cluster-client.js';

type CM = ConfigMap & KubeObject;

let cluster: TestCluster;
let client: RestClient;
let configmaps: ResourceClient<CM>;
const ns = 'default';

before(async () => {
  cluster = await startTestCluster();
  client = await clientFor(cluster);
  configmaps = client.resource<CM>('', 'v1', 'configmaps');
});
after(async () => {
  client?.close();
  await cluster?.close();
});

const cm = (name: string, data: Record<string, string> = {}, labels: Record<string, string> = { suite: 'rest' }): CM => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, namespace: ns, labels },
  data,
});

describe('tskube REST client', () => {
  it('creates, reads, lists, updates and deletes', async () => {
    const created = await configmaps.create(cm('crud', { a: '1' }));
    assert.ok(created.metadata?.uid);
    assert.ok(created.metadata?.resourceVersion);
    const read = await configmaps.get('crud', { namespace: ns });
    assert.equal(read.data?.a, '1');
    const list = await configmaps.list({ namespace: ns, labelSelector: 'suite=rest' });
    assert.deepEqual(
      list.items.map((i) => i.metadata?.name),
      ['crud'],
    );
    assert.ok(list.metadata.resourceVersion);
    const updated = await configmaps.update({ ...read, data: { a: '2' } });
    assert.equal(updated.data?.a, '2');
    assert.notEqual(updated.metadata?.resourceVersion, read.metadata?.resourceVersion);
    await configmaps.delete('crud', { namespace: ns });
    await assert.rejects(configmaps.get('crud', { namespace: ns }), isNotFound);
  });

  it('reports a stale update as a 409 Conflict carrying the server Status', async () => {
    const v1 = await configmaps.create(cm('conflict', { a: '1' }));
    await configmaps.update({ ...v1, data: { a: '2' } });
    const err = await configmaps.update({ ...v1, data: { a: '3' } }).catch((e: unknown) => e);
    assert.ok(err instanceof ApiStatusError, String(err));
    assert.ok(isConflict(err));
    assert.equal(err.code, 409);
    assert.equal(err.reason, 'Conflict');
    assert.equal(err.status.kind, 'Status');
    assert.equal(err.details?.name, 'conflict');
    assert.equal(err.details?.kind, 'configmaps');
    assert.match(err.message, /the object has been modified/);
  });

  it('reports a duplicate create as 409 AlreadyExists and a missing object as 404 NotFound', async () => {
    await configmaps.create(cm('dup'));
    const dup = await configmaps.create(cm('dup')).catch((e: unknown) => e);
    assert.ok(isAlreadyExists(dup), String(dup));
    assert.equal((dup as ApiStatusError).reason, 'AlreadyExists');
    const missing = await configmaps.get('no-such-thing', { namespace: ns }).catch((e: unknown) => e);
    assert.ok(missing instanceof ApiStatusError);
    assert.equal(missing.code, 404);
    assert.equal(missing.reason, 'NotFound');
    assert.equal(missing.details?.name, 'no-such-thing');
    assert.equal(missing.message, 'configmaps "no-such-thing" not found');
    // A namespaced resource without a namespace is the caller's bug, caught before any request.
    assert.throws(() => configmaps.get('x'), TypeError);
  });

  it('patches with JSON patch, merge patch, strategic merge patch and server-side apply', async () => {
    await configmaps.create(cm('patched', { a: '1' }));
    await configmaps.patch('patched', 'json', [{ op: 'add', path: '/data/json', value: 'yes' }], { namespace: ns });
    await configmaps.patch('patched', 'merge', { data: { merge: 'yes', a: null } }, { namespace: ns });
    await configmaps.patch('patched', 'strategic', { data: { strategic: 'yes' } }, { namespace: ns });
    const applied = await configmaps.patch('patched', 'apply', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'patched' }, data: { applied: 'yes' } }, { namespace: ns, fieldManager: 'test' });
    assert.deepEqual(applied.data, { json: 'yes', merge: 'yes', strategic: 'yes', applied: 'yes' });
    // A JSON patch whose test fails is a 422.
    const failed = await configmaps.patch('patched', 'json', [{ op: 'test', path: '/data/json', value: 'no' }], { namespace: ns }).catch((e: unknown) => e);
    assert.ok(failed instanceof ApiStatusError && failed.code === 422, String(failed));
  });

  it('pages a list with limit and continue', async () => {
    for (let i = 0; i < 5; i++) await configmaps.create(cm(`page-${i}`, {}, { suite: 'paging' }));
    const first = await configmaps.list({ namespace: ns, labelSelector: 'suite=paging', limit: 2 });
    assert.equal(first.items.length, 2);
    assert.ok(first.metadata.continue);
    const all = await configmaps.listAll({ namespace: ns, labelSelector: 'suite=paging', limit: 2 });
    assert.deepEqual(
      all.items.map((i) => i.metadata?.name),
      ['page-0', 'page-1', 'page-2', 'page-3', 'page-4'],
    );
    assert.equal(all.metadata.resourceVersion, first.metadata.resourceVersion);
  });

  it('honours dryRun and deletes a collection by label selector', async () => {
    const dry = await configmaps.create(cm('dry'), { dryRun: true });
    assert.equal(dry.metadata?.name, 'dry');
    await assert.rejects(configmaps.get('dry', { namespace: ns }), isNotFound);
    for (let i = 0; i < 3; i++) await configmaps.create(cm(`coll-${i}`, {}, { suite: 'collection' }));
    const deleted = await configmaps.deleteCollection({ namespace: ns, labelSelector: 'suite=collection' });
    assert.equal(deleted.items.length, 3);
    const left = await configmaps.list({ namespace: ns, labelSelector: 'suite=collection' });
    assert.equal(left.items.length, 0);
  });

  it('serves cluster-scoped resources and updates status through its subresource', async () => {
    const nodes = client.resource('', 'v1', 'nodes');
    const node = await nodes.create({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'rest-node' }, spec: {}, status: { phase: 'ignored' } });
    const withStatus = await nodes.updateStatus({ ...node, status: { conditions: [{ type: 'Ready', status: 'True' }] } });
    assert.deepEqual((withStatus.status as { conditions: unknown[] }).conditions, [{ type: 'Ready', status: 'True' }]);
    // The main resource ignores status changes.
    const main = await nodes.update({ ...withStatus, status: {}, metadata: { ...withStatus.metadata, labels: { a: 'b' } } });
    assert.deepEqual((main.status as { conditions: unknown[] }).conditions, [{ type: 'Ready', status: 'True' }]);
    assert.equal(main.metadata?.labels?.a, 'b');
    await nodes.delete('rest-node');
    assert.throws(() => client.resource('', 'v1', 'widgets'), TypeError);
  });
});
