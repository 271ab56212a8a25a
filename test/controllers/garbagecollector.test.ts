/**
 * The garbage collector through kubectl delete, against a real API server: background cascading
 * (the default) removes a ReplicaSet's pods; --cascade=foreground holds the owner until its
 * dependents are gone; --cascade=orphan leaves the pods with no ownerReference. Ownership is by
 * uid, for cluster-scoped owners too.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ReplicaSet as ReplicaSetType } from 'kubernetes-types/apps/v1.js';
import type { ConfigMap as ConfigMapType, Pod as PodType } from 'kubernetes-types/core/v1.js';
import type { KubeObject } from '../../src/api/object.js';
import { eventually } from '../support/apiserver.js';
import { startHarness, type Harness } from './harness.js';

type ReplicaSet = ReplicaSetType & KubeObject;
type Pod = PodType & KubeObject;
type ConfigMap = ConfigMapType & KubeObject;

let h: Harness;
before(async () => {
  h = await startHarness({ controllers: ['replicaset', 'garbagecollector'] });
});
after(async () => {
  await h?.stop();
});

const rsClient = () => h.client.resource<ReplicaSet>('apps', 'v1', 'replicasets');
const pods = async (app: string) => (await h.client.resource<Pod>('', 'v1', 'pods').list({ namespace: 'default', labelSelector: `app=${app}` })).items;

async function replicaSetWithPods(name: string, replicas = 2): Promise<ReplicaSet> {
  const rs = await rsClient().create(
    {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: { name },
      spec: { replicas, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'c', image: 'tskube/echo' }] } } },
    },
    { namespace: 'default' },
  );
  await eventually(async () => (await pods(name)).filter((p) => p.spec?.nodeName).length === replicas, 20_000, `${name}'s pods`);
  return rs;
}

const exists = async (name: string) => (await h.kubectl('get', 'rs', name)).status === 0;

describe('garbage collector', () => {
  it('background (the default): deleting a ReplicaSet deletes its pods', async () => {
    await replicaSetWithPods('bg');
    const res = await h.kubectl('delete', 'rs', 'bg');
    assert.equal(res.status, 0, res.stderr);
    await eventually(async () => (await pods('bg')).length === 0, 30_000, 'the pods to be gone');
  });

  it('foreground: the ReplicaSet stays until its pods are gone', async () => {
    await replicaSetWithPods('fg');
    const res = await h.kubectl('delete', 'rs', 'fg', '--cascade=foreground', '--wait=false');
    assert.equal(res.status, 0, res.stderr);
    const rs = await rsClient().get('fg', { namespace: 'default' }).catch(() => undefined);
    if (rs) assert.ok(rs.metadata?.finalizers?.includes('foregroundDeletion'), JSON.stringify(rs.metadata));
    await eventually(async () => !(await exists('fg')), 30_000, 'the ReplicaSet to be gone');
    assert.equal((await pods('fg')).length, 0, 'its pods went first');
  });

  it('orphan: kubectl delete rs --cascade=orphan leaves the pods without an ownerReference', async () => {
    await replicaSetWithPods('orph');
    const res = await h.kubectl('delete', 'rs', 'orph', '--cascade=orphan');
    assert.equal(res.status, 0, res.stderr);
    await eventually(async () => !(await exists('orph')), 20_000, 'the ReplicaSet to be gone');
    const left = await pods('orph');
    assert.equal(left.length, 2);
    for (const p of left) assert.equal((p.metadata?.ownerReferences ?? []).length, 0);
  });

  it('owner identity is the uid: a re-created owner with the same name does not keep old dependents', async () => {
    const cms = h.client.resource<ConfigMap>('', 'v1', 'configmaps');
    const owner = await cms.create({ metadata: { name: 'owner' } }, { namespace: 'default' });
    await cms.delete('owner', { namespace: 'default', propagationPolicy: 'Orphan' });
    await eventually(async () => !(await cms.get('owner', { namespace: 'default' }).catch(() => undefined)), 10_000, 'owner gone');
    await cms.create({ metadata: { name: 'owner' } }, { namespace: 'default' });
    // A dependent of the first owner (same name, old uid): collected.
    await cms.create({ metadata: { name: 'dependent', ownerReferences: [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'owner', uid: owner.metadata!.uid! }] } }, { namespace: 'default' });
    await eventually(async () => !(await cms.get('dependent', { namespace: 'default' }).catch(() => undefined)), 20_000, 'the dependent of the old owner to be collected');
    assert.ok(await cms.get('owner', { namespace: 'default' }));
  });

  it('cluster-scoped owners: deleting a Node deletes the objects it owns', async () => {
    await h.addNode('doomed');
    const node = await h.client.resource('', 'v1', 'nodes').get('doomed');
    const cms = h.client.resource<ConfigMap>('', 'v1', 'configmaps');
    await cms.create({ metadata: { name: 'node-owned', ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name: 'doomed', uid: node.metadata!.uid! }] } }, { namespace: 'default' });
    await new Promise((r) => setTimeout(r, 300));
    assert.ok(await cms.get('node-owned', { namespace: 'default' }), 'kept while its owner exists');
    assert.equal((await h.kubectl('delete', 'node', 'doomed')).status, 0);
    await eventually(async () => !(await cms.get('node-owned', { namespace: 'default' }).catch(() => undefined)), 20_000, 'the node-owned config map to be collected');
  });
});
