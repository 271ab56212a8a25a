/**
 * DaemonSets against a real API server with the real scheduler: one pod per eligible node, pinned
 * with matchFields node affinity and bound by the scheduler, on a node added later too; a
 * tainted node is skipped unless the DaemonSet tolerates the taint; a template change rolls out
 * node by node; status counts it all.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { DaemonSet as DaemonSetType } from 'kubernetes-types/apps/v1.js';
import type { Pod as PodType } from 'kubernetes-types/core/v1.js';
import type { KubeObject } from '../../src/api/object.js';
import { eventually } from '../support/apiserver.js';
import { startHarness, type Harness } from './harness.js';

type DaemonSet = DaemonSetType & KubeObject;
type Pod = PodType & KubeObject;

let h: Harness;
before(async () => {
  h = await startHarness({ controllers: ['daemonset', 'garbagecollector'], nodes: ['node-1', 'node-2'] });
  await h.addNode('tainted', [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }]);
});
after(async () => {
  await h?.stop();
});

const dsClient = () => h.client.resource<DaemonSet>('apps', 'v1', 'daemonsets');
const pods = async (app: string) => (await h.client.resource<Pod>('', 'v1', 'pods').list({ namespace: 'default', labelSelector: `app=${app}` })).items.filter((p) => !p.metadata?.deletionTimestamp);
const nodesOf = async (app: string) => (await pods(app)).map((p) => p.spec?.nodeName ?? '').sort();

function daemonSet(name: string, tolerations: NonNullable<DaemonSet['spec']>['template']['spec'] = { containers: [{ name: 'c', image: 'tskube/agent:1' }] }): DaemonSet {
  return {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name, namespace: 'default' },
    spec: { selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: tolerations } },
  };
}

describe('daemonset', () => {
  it('runs one pod per untainted node, placed through the scheduler', async () => {
    await dsClient().create(daemonSet('agent'), { namespace: 'default' });
    await eventually(async () => JSON.stringify(await nodesOf('agent')) === JSON.stringify(['node-1', 'node-2']), 20_000, 'a pod on node-1 and node-2');
    const [pod] = await pods('agent');
    const terms = pod!.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
    assert.deepEqual(terms, [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: [pod!.spec?.nodeName] }] }]);
    const tolerations = pod!.spec?.tolerations ?? [];
    for (const key of ['not-ready', 'unreachable']) {
      assert.ok(tolerations.some((t) => t.key === `node.kubernetes.io/${key}` && t.effect === 'NoExecute' && t.tolerationSeconds === undefined), key);
    }
    for (const key of ['disk-pressure', 'memory-pressure', 'pid-pressure', 'unschedulable']) {
      assert.ok(tolerations.some((t) => t.key === `node.kubernetes.io/${key}` && t.effect === 'NoSchedule'), key);
    }
    assert.ok(pod!.metadata?.labels?.['controller-revision-hash']);
    await eventually(async () => {
      const s = (await dsClient().get('agent', { namespace: 'default' })).status;
      return s?.desiredNumberScheduled === 2 && s.currentNumberScheduled === 2 && s.numberReady === 2 && s.numberAvailable === 2 && s.updatedNumberScheduled === 2 && s.numberMisscheduled === 0 && (s.numberUnavailable ?? 0) === 0;
    }, 20_000, 'status 2/2');
  });

  it('adds a pod on a node added later', async () => {
    await h.addNode('node-3');
    await eventually(async () => JSON.stringify(await nodesOf('agent')) === JSON.stringify(['node-1', 'node-2', 'node-3']), 20_000, 'a pod on node-3');
  });

  it('runs on the tainted node only when tolerated', async () => {
    await dsClient().create(
      daemonSet('gpu-agent', { containers: [{ name: 'c', image: 'tskube/agent:1' }], tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'gpu', effect: 'NoSchedule' }] }),
      { namespace: 'default' },
    );
    await eventually(async () => (await nodesOf('gpu-agent')).length === 4, 20_000, 'gpu-agent on all four nodes');
    assert.ok((await nodesOf('gpu-agent')).includes('tainted'));
    assert.ok(!(await nodesOf('agent')).includes('tainted'));
  });

  it('rolls a template change out node by node (maxUnavailable 1)', async () => {
    await dsClient().patch('agent', 'strategic', { spec: { template: { spec: { containers: [{ name: 'c', image: 'tskube/agent:2' }] } } } }, { namespace: 'default' });
    await eventually(async () => {
      const list = await pods('agent');
      return list.length === 3 && list.every((p) => p.spec?.containers[0]?.image === 'tskube/agent:2' && p.spec?.nodeName);
    }, 30_000, 'every agent pod updated');
    await eventually(async () => {
      const ds = await dsClient().get('agent', { namespace: 'default' });
      return ds.status?.updatedNumberScheduled === 3 && ds.status.numberAvailable === 3 && ds.status.observedGeneration === ds.metadata?.generation;
    }, 20_000, 'status updated 3/3');
  });
});
