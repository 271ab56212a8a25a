/**
 * ReplicaSets against a real API server with the real scheduler: replicas are kept (a deleted
 * pod is replaced, scaling down deletes the least valuable pods first), status counts what the
 * pods report, orphans matching the selector are adopted and pods whose labels stop matching are
 * released, and every create and delete is an Event in upstream's words.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ReplicaSet as ReplicaSetType } from 'kubernetes-types/apps/v1.js';
import type { Event as EventType, Pod as PodType } from 'kubernetes-types/core/v1.js';
import type { KubeObject } from '../../src/api/object.js';
import { eventually } from '../support/apiserver.js';
import { startHarness, type Harness } from './harness.js';

type ReplicaSet = ReplicaSetType & KubeObject;
type Pod = PodType & KubeObject;
type Event = EventType & KubeObject;

let h: Harness;
before(async () => {
  h = await startHarness({ controllers: ['replicaset', 'garbagecollector'] });
});
after(async () => {
  await h?.stop();
});

const rsClient = () => h.client.resource<ReplicaSet>('apps', 'v1', 'replicasets');
const podClient = () => h.client.resource<Pod>('', 'v1', 'pods');
const pods = async (selector: string) => (await podClient().list({ namespace: 'default', labelSelector: selector })).items.filter((p) => !p.metadata?.deletionTimestamp);

function replicaSet(name: string, replicas: number): ReplicaSet {
  return {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: { name, namespace: 'default' },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name, tier: 'web' } }, spec: { containers: [{ name: 'c', image: 'tskube/echo' }] } },
    },
  };
}

describe('replicaset', () => {
  it('creates its replicas with controllerRefs, reports status, and records events', async () => {
    await rsClient().create(replicaSet('web', 3), { namespace: 'default' });
    await eventually(async () => {
      const rs = await rsClient().get('web', { namespace: 'default' });
      return rs.status?.replicas === 3 && rs.status.readyReplicas === 3 && rs.status.availableReplicas === 3 && rs.status.fullyLabeledReplicas === 3;
    }, 20_000, 'status 3/3 ready');
    const rs = await rsClient().get('web', { namespace: 'default' });
    assert.equal(rs.status?.observedGeneration, rs.metadata?.generation);
    const list = await pods('app=web');
    assert.equal(list.length, 3);
    for (const p of list) {
      assert.match(p.metadata?.name ?? '', /^web-[a-z0-9]{5}$/);
      assert.deepEqual(p.metadata?.ownerReferences, [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web', uid: rs.metadata?.uid, controller: true, blockOwnerDeletion: true }]);
    }
    const events = (await h.client.resource<Event>('', 'v1', 'events').list({ namespace: 'default' })).items.filter((e) => e.involvedObject.uid === rs.metadata?.uid);
    const created = events.filter((e) => e.reason === 'SuccessfulCreate').map((e) => e.message);
    for (const p of list) assert.ok(created.includes(`Created pod: ${p.metadata?.name}`), created.join('\n'));
    assert.equal(events[0]?.source?.component, 'replicaset-controller');
  });

  it('replaces a deleted pod and never over-creates', async () => {
    const [victim] = await pods('app=web');
    await podClient().delete(victim!.metadata!.name!, { namespace: 'default' });
    await eventually(async () => {
      const list = await pods('app=web');
      return list.length === 3 && !list.some((p) => p.metadata?.uid === victim!.metadata?.uid);
    }, 20_000, 'a replacement pod');
    await new Promise((r) => setTimeout(r, 500));
    assert.equal((await pods('app=web')).length, 3);
  });

  it('scales down not-ready pods first (kubectl scale)', async () => {
    const list = await pods('app=web');
    // One pod stops being ready: it is the one to go.
    const notReady = list[1]!;
    await podClient().patch(notReady.metadata!.name!, 'strategic', { status: { conditions: [{ type: 'Ready', status: 'False' }] } }, { namespace: 'default', subresource: 'status' });
    const res = await h.kubectl('scale', 'rs/web', '--replicas=2');
    assert.equal(res.status, 0, res.stderr);
    await eventually(async () => (await pods('app=web')).length === 2, 20_000, '2 pods');
    assert.ok(!(await pods('app=web')).some((p) => p.metadata?.uid === notReady.metadata?.uid), 'the not-ready pod was deleted');
    const events = (await h.client.resource<Event>('', 'v1', 'events').list({ namespace: 'default' })).items;
    assert.ok(events.some((e) => e.reason === 'SuccessfulDelete' && e.message === `Deleted pod: ${notReady.metadata?.name}`));
  });

  it('adopts a matching orphan and releases a pod whose labels stop matching', async () => {
    await podClient().create(
      { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'stray', labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'tskube/echo' }] } },
      { namespace: 'default' },
    );
    const rs = await rsClient().get('web', { namespace: 'default' });
    // Adopted, and as the RS then has 3 for 2 replicas, one goes.
    await eventually(async () => (await pods('app=web')).length === 2, 20_000, 'back to 2 pods');
    const stray = await podClient().get('stray', { namespace: 'default' }).catch(() => undefined);
    if (stray && !stray.metadata?.deletionTimestamp) assert.equal(stray.metadata?.ownerReferences?.[0]?.uid, rs.metadata?.uid);

    const [kept] = await pods('app=web');
    await podClient().patch(kept!.metadata!.name!, 'merge', { metadata: { labels: { app: 'debug' } } }, { namespace: 'default' });
    await eventually(async () => {
      const p = await podClient().get(kept!.metadata!.name!, { namespace: 'default' });
      return (p.metadata?.ownerReferences ?? []).length === 0;
    }, 20_000, 'the relabelled pod to be released');
    await eventually(async () => (await pods('app=web')).length === 2, 20_000, 'a replacement for the released pod');
  });
});
