/**
 * The disruption controller against a real API server: a PodDisruptionBudget's status counts the
 * pods its selector covers as upstream's does, kubectl shows ALLOWED DISRUPTIONS from it, and the
 * numbers follow pods becoming unready or going away. Pods are run by the ReplicaSet controller
 * and reported Running by the stand-in node agent (pods labelled never-ready stay unready).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ReplicaSet as ReplicaSetType } from 'kubernetes-types/apps/v1.js';
import type { PodDisruptionBudget as PdbType } from 'kubernetes-types/policy/v1.js';
import type { KubeObject } from '../../src/api/object.js';
import { eventually } from '../support/apiserver.js';
import { startHarness, type Harness } from './harness.js';

type ReplicaSet = ReplicaSetType & KubeObject;
type Pdb = PdbType & KubeObject;

let h: Harness;
before(async () => {
  h = await startHarness({ controllers: ['replicaset', 'disruption'], ready: (pod) => pod.metadata?.labels?.health !== 'never-ready' });
});
after(async () => {
  await h?.stop();
});

const pdbs = () => h.client.resource<Pdb>('policy', 'v1', 'poddisruptionbudgets');

async function replicaSet(name: string, replicas: number, health = 'ok'): Promise<void> {
  await h.client.resource<ReplicaSet>('apps', 'v1', 'replicasets').create(
    {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: { name, namespace: 'default' },
      spec: {
        replicas,
        selector: { matchLabels: { app: name } },
        template: { metadata: { labels: { app: name, health } }, spec: { containers: [{ name: 'c', image: 'tskube/echo' }] } },
      },
    },
    { namespace: 'default' },
  );
}

async function statusOf(name: string) {
  return (await pdbs().get(name, { namespace: 'default' })).status;
}

describe('disruption controller', () => {
  it('reports expected, healthy, desired and allowed disruptions for minAvailable, as kubectl shows them', async () => {
    await replicaSet('web', 3);
    const r = await h.kubectl('create', 'pdb', 'web', '--selector=app=web', '--min-available=2');
    assert.equal(r.status, 0, r.stderr);
    await eventually(async () => (await statusOf('web'))?.currentHealthy === 3, 20_000, 'three healthy pods counted');
    const status = await statusOf('web');
    assert.equal(status?.expectedPods, 3);
    assert.equal(status?.desiredHealthy, 2);
    assert.equal(status?.disruptionsAllowed, 1);
    assert.equal(status?.observedGeneration, 1);
    assert.deepEqual(
      status?.conditions?.map((c) => [c.type, c.status, c.reason]),
      [['DisruptionAllowed', 'True', 'SufficientPods']],
    );
    const table = await h.kubectl('get', 'pdb', 'web');
    assert.match(table.stdout, /^web\s+2\s+N\/A\s+1\s+/m);
  });

  it('counts unready pods as unhealthy, and percentages of maxUnavailable round up', async () => {
    await replicaSet('flaky', 4, 'never-ready');
    await pdbs().create(
      { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'flaky', namespace: 'default' }, spec: { selector: { matchLabels: { app: 'flaky' } }, maxUnavailable: '30%' } },
      { namespace: 'default' },
    );
    await eventually(async () => (await statusOf('flaky'))?.expectedPods === 4, 20_000, 'four pods counted');
    const status = await statusOf('flaky');
    // ceil(30% of 4) = 2 may be unavailable, so 2 are wanted healthy; none is.
    assert.equal(status?.desiredHealthy, 2);
    assert.equal(status?.currentHealthy, 0);
    assert.equal(status?.disruptionsAllowed, 0);
    assert.equal(status?.conditions?.[0]?.reason, 'InsufficientPods');
  });
});
