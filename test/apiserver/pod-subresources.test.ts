/**
 * pods/binding (how the scheduler assigns a pod) and pods/eviction (a delete that respects
 * PodDisruptionBudgets), over the wire.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestCluster, type TestCluster } from '../support/apiserver.js';
import { RawClient } from '../support/raw-client.js';

let cluster: TestCluster;
let client: RawClient;
before(async () => {
  cluster = await startTestCluster();
  client = new RawClient(cluster.api.url, cluster.dataDir);
});
after(async () => {
  client?.close();
  await cluster?.close();
});

const PODS = '/api/v1/namespaces/default/pods';
const json = (v: unknown) => JSON.stringify(v);
const pod = (name: string) => json({ metadata: { name, labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'tskube/echo' }] } });

async function runningAndReady(name: string): Promise<void> {
  const res = await client.request(
    'PATCH',
    `${PODS}/${name}/status`,
    json({ status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] } }),
    { 'content-type': 'application/merge-patch+json' },
  );
  assert.equal(res.status, 200, res.body);
}

describe('pod subresources', () => {
  it('binds a pod to a node once', async () => {
    assert.equal((await client.request('POST', PODS, pod('bind-me'))).status, 201);
    const binding = json({ apiVersion: 'v1', kind: 'Binding', metadata: { name: 'bind-me' }, target: { apiVersion: 'v1', kind: 'Node', name: 'node-a' } });
    const first = await client.request('POST', `${PODS}/bind-me/binding`, binding);
    assert.equal(first.status, 201, first.body);
    const live = JSON.parse((await client.request('GET', `${PODS}/bind-me`)).body) as { spec: { nodeName: string } };
    assert.equal(live.spec.nodeName, 'node-a');
    const again = await client.request('POST', `${PODS}/bind-me/binding`, binding.replace('node-a', 'node-b'));
    assert.equal(again.status, 409);
    assert.match(again.body, /already assigned to node \\"node-a\\"/);
  });

  it('refuses an eviction that would break a disruption budget, and allows one that does not', async () => {
    for (const name of ['web-1', 'web-2']) {
      assert.equal((await client.request('POST', PODS, pod(name))).status, 201);
      await runningAndReady(name);
    }
    const pdb = await client.request(
      'POST',
      '/apis/policy/v1/namespaces/default/poddisruptionbudgets',
      json({ metadata: { name: 'web' }, spec: { minAvailable: 2, selector: { matchLabels: { app: 'web' } } } }),
    );
    assert.equal(pdb.status, 201, pdb.body);
    const eviction = json({ apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: 'web-1', namespace: 'default' } });
    const refused = await client.request('POST', `${PODS}/web-1/eviction`, eviction);
    assert.equal(refused.status, 429, refused.body);
    assert.match(refused.body, /would violate the pod's disruption budget/);
    assert.equal((await client.request('GET', `${PODS}/web-1`)).status, 200, 'the pod is still there');

    const relaxed = await client.request(
      'PATCH',
      '/apis/policy/v1/namespaces/default/poddisruptionbudgets/web',
      json({ spec: { minAvailable: 1 } }),
      { 'content-type': 'application/merge-patch+json' },
    );
    assert.equal(relaxed.status, 200, relaxed.body);
    const allowed = await client.request('POST', `${PODS}/web-1/eviction`, eviction);
    assert.equal(allowed.status, 201, allowed.body);
    assert.equal((await client.request('GET', `${PODS}/web-1`)).status, 404, 'the evicted pod is gone');
  });
});
