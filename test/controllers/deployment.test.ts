/**
 * Deployments against a real API server with the real scheduler, the ReplicaSet and Deployment
 * controllers and the garbage collector, driven by kubectl 1.32 as a user would: a rolling
 * update completes and `kubectl rollout status` says so; `rollout undo` brings the previous
 * template back; a new version whose pods never become ready stalls with the old pods serving
 * and reports ProgressDeadlineExceeded; Recreate replaces every pod.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Deployment as DeploymentType, ReplicaSet as ReplicaSetType } from 'kubernetes-types/apps/v1.js';
import type { Event as EventType, Pod as PodType } from 'kubernetes-types/core/v1.js';
import type { KubeObject } from '../../src/api/object.js';
import { eventually } from '../support/apiserver.js';
import { startHarness, type Harness } from './harness.js';

type Deployment = DeploymentType & KubeObject;
type ReplicaSet = ReplicaSetType & KubeObject;
type Pod = PodType & KubeObject;
type Event = EventType & KubeObject;

let h: Harness;

before(async () => {
  // Pods whose image is "never-ready" never pass their readiness (the fake node agent's rule).
  h = await startHarness({ controllers: ['replicaset', 'deployment', 'garbagecollector'], ready: (pod) => pod.spec?.containers[0]?.image !== 'never-ready' });
});
after(async () => {
  await h?.stop();
});

const kubectl = async (...args: string[]): Promise<string> => {
  const res = await h.kubectl(...args);
  assert.equal(res.status, 0, `kubectl ${args.join(' ')}: ${res.stderr}`);
  return res.stdout;
};
const deployment = (name: string) => h.client.resource<Deployment>('apps', 'v1', 'deployments').get(name, { namespace: 'default' });
const replicaSetsOf = async (d: Deployment) =>
  (await h.client.resource<ReplicaSet>('apps', 'v1', 'replicasets').list({ namespace: 'default' })).items.filter((rs) =>
    rs.metadata?.ownerReferences?.some((r) => r.uid === d.metadata?.uid && r.controller),
  );
const podsOf = async (app: string) => (await h.client.resource<Pod>('', 'v1', 'pods').list({ namespace: 'default', labelSelector: `app=${app}` })).items;

describe('deployment', () => {
  it('rolls out, updates with a rolling update, and kubectl rollout status reports success', async () => {
    await kubectl('create', 'deployment', 'web', '--image=tskube/echo:1', '--replicas=3');
    const first = await kubectl('rollout', 'status', 'deployment/web', '--timeout=60s');
    assert.match(first, /deployment "web" successfully rolled out/);
    let d = await deployment('web');
    assert.equal(d.metadata?.annotations?.['deployment.kubernetes.io/revision'], '1');
    const [rs1] = await replicaSetsOf(d);
    assert.ok(rs1);
    const hash = rs1.metadata?.labels?.['pod-template-hash'];
    assert.ok(hash && rs1.metadata?.name === `web-${hash}`, rs1.metadata?.name);
    assert.equal(rs1.metadata?.annotations?.['deployment.kubernetes.io/desired-replicas'], '3');
    assert.equal(rs1.metadata?.annotations?.['deployment.kubernetes.io/max-replicas'], '4');
    assert.equal((await podsOf('web')).length, 3);

    await kubectl('set', 'image', 'deployment/web', 'echo=tskube/echo:2');
    const out = await kubectl('rollout', 'status', 'deployment/web', '--timeout=90s');
    assert.match(out, /deployment "web" successfully rolled out/);
    d = await deployment('web');
    assert.equal(d.status?.observedGeneration, d.metadata?.generation);
    assert.equal(d.status?.replicas, 3);
    assert.equal(d.status?.updatedReplicas, 3);
    assert.equal(d.status?.availableReplicas, 3);
    assert.equal(d.metadata?.annotations?.['deployment.kubernetes.io/revision'], '2');
    const progressing = d.status?.conditions?.find((c) => c.type === 'Progressing');
    assert.equal(progressing?.reason, 'NewReplicaSetAvailable');
    assert.equal(d.status?.conditions?.find((c) => c.type === 'Available')?.status, 'True');
    await eventually(async () => (await podsOf('web')).every((p) => p.spec?.containers[0]?.image === 'tskube/echo:2') && (await podsOf('web')).length === 3, 20_000, 'old pods to be gone');

    const events = (await h.client.resource<Event>('', 'v1', 'events').list({ namespace: 'default' })).items;
    const scaling = events.filter((e) => e.reason === 'ScalingReplicaSet' && e.involvedObject.name === 'web').map((e) => e.message ?? '');
    assert.ok(scaling.includes(`Scaled up replica set web-${hash} from 0 to 3`), scaling.join('\n'));
    assert.ok(scaling.some((m) => m.startsWith(`Scaled down replica set web-${hash} from 3 to `)), scaling.join('\n'));
    const created = events.filter((e) => e.reason === 'SuccessfulCreate' && e.involvedObject.kind === 'ReplicaSet');
    assert.ok(created.some((e) => /^Created pod: web-[a-z0-9]+-[a-z0-9]{5}$/.test(e.message ?? '')), created.map((e) => e.message).join('\n'));

    const history = await kubectl('rollout', 'history', 'deployment/web');
    assert.match(history, /REVISION\s+CHANGE-CAUSE\n1\s+<none>\n2\s+<none>/);
  });

  it('rollout undo restores the previous template as a new revision', async () => {
    await kubectl('rollout', 'undo', 'deployment/web');
    const out = await kubectl('rollout', 'status', 'deployment/web', '--timeout=90s');
    assert.match(out, /successfully rolled out/);
    const d = await deployment('web');
    assert.equal(d.spec?.template.spec?.containers[0]?.image, 'tskube/echo:1');
    assert.equal(d.metadata?.annotations?.['deployment.kubernetes.io/revision'], '3');
    const rss = await replicaSetsOf(d);
    assert.equal(rss.length, 2, 'the old ReplicaSet was reused, not a third one made');
    await eventually(async () => {
      const pods = await podsOf('web');
      return pods.length === 3 && pods.every((p) => p.spec?.containers[0]?.image === 'tskube/echo:1');
    }, 20_000, 'pods of revision 1 again');
    assert.match(await kubectl('rollout', 'history', 'deployment/web'), /\n2\s+<none>\n3\s+<none>/);
  });

  it('scale, restart, pause and resume behave as upstream', async () => {
    await kubectl('scale', 'deployment/web', '--replicas=5');
    await eventually(async () => (await deployment('web')).status?.availableReplicas === 5, 30_000, '5 available replicas');
    await kubectl('rollout', 'pause', 'deployment/web');
    await kubectl('set', 'image', 'deployment/web', 'echo=tskube/echo:3');
    await eventually(async () => (await deployment('web')).status?.conditions?.find((c) => c.type === 'Progressing')?.reason === 'DeploymentPaused', 10_000, 'DeploymentPaused');
    assert.ok((await podsOf('web')).every((p) => p.spec?.containers[0]?.image === 'tskube/echo:1'), 'a paused deployment does not roll out');
    await kubectl('rollout', 'resume', 'deployment/web');
    assert.match(await kubectl('rollout', 'status', 'deployment/web', '--timeout=90s'), /successfully rolled out/);
    await kubectl('rollout', 'restart', 'deployment/web');
    assert.match(await kubectl('rollout', 'status', 'deployment/web', '--timeout=90s'), /successfully rolled out/);
    const d = await deployment('web');
    assert.ok(d.spec?.template.metadata?.annotations?.['kubectl.kubernetes.io/restartedAt']);
    await eventually(async () => (await podsOf('web')).length === 5, 20_000, '5 pods after restart');
  });

  it('a new version that never becomes ready stalls with the old pods serving, then exceeds its deadline', async () => {
    await kubectl('create', 'deployment', 'stall', '--image=tskube/echo:1', '--replicas=4');
    await kubectl('rollout', 'status', 'deployment/stall', '--timeout=60s');
    await kubectl('patch', 'deployment/stall', '-p', '{"spec":{"progressDeadlineSeconds":5}}');
    await kubectl('set', 'image', 'deployment/stall', 'echo=never-ready');
    const res = await h.kubectl('rollout', 'status', 'deployment/stall', '--timeout=60s');
    assert.notEqual(res.status, 0);
    assert.match(res.stderr, /deployment "stall" exceeded its progress deadline/);
    const d = await deployment('stall');
    const progressing = d.status?.conditions?.find((c) => c.type === 'Progressing');
    assert.equal(progressing?.status, 'False');
    assert.equal(progressing?.reason, 'ProgressDeadlineExceeded');
    // maxUnavailable 25% of 4 = 1, maxSurge 1: 3 old pods keep serving, 2 new ones never ready.
    const pods = (await podsOf('stall')).filter((p) => !p.metadata?.deletionTimestamp);
    const old = pods.filter((p) => p.spec?.containers[0]?.image === 'tskube/echo:1');
    const fresh = pods.filter((p) => p.spec?.containers[0]?.image === 'never-ready');
    assert.equal(old.length, 3, 'old pods kept');
    assert.equal(fresh.length, 2);
    assert.equal(d.status?.availableReplicas, 3);
    assert.equal(d.status?.conditions?.find((c) => c.type === 'Available')?.status, 'True');
  });

  it('Recreate deletes every old pod before creating new ones', async () => {
    await kubectl('create', 'deployment', 'batch', '--image=tskube/echo:1', '--replicas=2');
    await kubectl('patch', 'deployment/batch', '-p', '{"spec":{"strategy":{"type":"Recreate","rollingUpdate":null}}}');
    await kubectl('rollout', 'status', 'deployment/batch', '--timeout=60s');
    const mixed: string[] = [];
    const watcher = setInterval(() => {
      void podsOf('batch').then((pods) => {
        // Terminating pods count: under Recreate they must be gone before new ones start.
        const images = new Set(pods.map((p) => p.spec?.containers[0]?.image));
        if (images.size > 1) mixed.push([...images].join(','));
      });
    }, 50);
    try {
      await kubectl('set', 'image', 'deployment/batch', 'echo=tskube/echo:2');
      assert.match(await kubectl('rollout', 'status', 'deployment/batch', '--timeout=90s'), /successfully rolled out/);
    } finally {
      clearInterval(watcher);
    }
    const pods = await podsOf('batch');
    assert.equal(pods.length, 2);
    assert.ok(pods.every((p) => p.spec?.containers[0]?.image === 'tskube/echo:2'));
    assert.deepEqual(mixed, [], 'old and new pods never existed together');
  });

  it('kubectl delete deployment removes its ReplicaSets and pods', async () => {
    const d = await deployment('batch');
    await kubectl('delete', 'deployment', 'batch');
    await eventually(async () => (await replicaSetsOf(d)).length === 0 && (await podsOf('batch')).length === 0, 30_000, 'ReplicaSets and pods to be gone');
  });
});
