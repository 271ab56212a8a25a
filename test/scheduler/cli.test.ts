/**
 * `tskube scheduler` as a process: it binds a pending pod, and SIGTERM stops it cleanly.
 */
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import type { Pod as PodType } from 'kubernetes-types/core/v1.js';
import type { KubeObject } from '../../src/api/object.js';
import { loadKubeconfig, RestClient } from '../../src/client/index.js';
import { eventually, startTestCluster, type TestCluster } from '../support/apiserver.js';
import { startCli, type RunningCli } from '../support/cli.js';

type Pod = PodType & KubeObject;

let cluster: TestCluster;
let client: RestClient;
let cli: RunningCli | undefined;

before(async () => {
  cluster = await startTestCluster();
  client = new RestClient({ config: await loadKubeconfig({ path: cluster.api.kubeconfigPath }) });
});
after(async () => {
  if (cli && cli.child.exitCode === null) await cli.stop('SIGKILL');
  client?.close();
  await cluster?.close();
});

it('tskube scheduler --no-leader-elect binds a pending pod and exits 0 on SIGTERM', async () => {
  const status = { allocatable: { cpu: '2', memory: '4Gi', pods: '110' }, conditions: [{ type: 'Ready', status: 'True' }] };
  await client.resource('', 'v1', 'nodes').create({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'only', labels: { 'kubernetes.io/hostname': 'only' } } });
  await client.resource('', 'v1', 'nodes').patch('only', 'merge', { status }, { subresource: 'status' });
  cli = startCli(['scheduler', '--kubeconfig', cluster.api.kubeconfigPath, '--no-leader-elect']);
  await cli.waitFor(/tskube scheduler: scheduling for https:\/\/127\.0\.0\.1:/);
  const pods = client.resource<Pod>('', 'v1', 'pods');
  await pods.create({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { containers: [{ name: 'c', image: 'tskube/echo' }] } }, { namespace: 'default' });
  await eventually(async () => (await pods.get('p', { namespace: 'default' })).spec?.nodeName === 'only', 20_000, 'the pod to be bound');
  assert.equal(await cli.stop('SIGTERM'), 0);
});
