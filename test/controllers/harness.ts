/**
 * @module test/controllers/harness
 *
 * A cluster for workload controller tests: a real API server, Ready nodes, the real scheduler,
 * the workload controllers in-process on one informer factory, and the fake node agent of
 * test/support/pod-status.ts. `stop()` ends everything it started.
 */
import { setMaxListeners } from 'node:events';
import type { Node as NodeType, Taint } from 'kubernetes-types/core/v1.js';
import type { KubeObject } from '../../src/api/object.js';
import { loadKubeconfig, RestClient } from '../../src/client/index.js';
import { runScheduler } from '../../src/cli/scheduler.js';
import { InformerFactory } from '../../src/controllers/common/informers.js';
import { DaemonSetController } from '../../src/controllers/daemonset/controller.js';
import { DeploymentController } from '../../src/controllers/deployment/controller.js';
import { DisruptionController } from '../../src/controllers/disruption/controller.js';
import { GarbageCollector } from '../../src/controllers/garbagecollector/controller.js';
import { ReplicaSetController } from '../../src/controllers/replicaset/controller.js';
import { createLogger } from '../../src/log.js';
import { startTestCluster, type TestCluster } from '../support/apiserver.js';
import { runFakeNodeAgent, type FakeNodeAgentOptions } from '../support/pod-status.js';

type Node = NodeType & KubeObject;

export type ControllerName = 'replicaset' | 'deployment' | 'daemonset' | 'garbagecollector' | 'disruption';

export interface HarnessOptions {
  readonly nodes?: readonly string[];
  readonly controllers: readonly ControllerName[];
  readonly ready?: FakeNodeAgentOptions['ready'];
}

export interface Harness {
  readonly cluster: TestCluster;
  readonly client: RestClient;
  kubectl(...args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }>;
  addNode(name: string, taints?: Taint[], labels?: Record<string, string>): Promise<void>;
  stop(): Promise<void>;
}

export async function startHarness(options: HarnessOptions): Promise<Harness> {
  const cluster = await startTestCluster();
  const config = await loadKubeconfig({ path: cluster.api.kubeconfigPath });
  const client = new RestClient({ config });
  const stop = new AbortController();
  // Every informer and controller listens on this one signal.
  setMaxListeners(100, stop.signal);
  const log = createLogger('controller-test');
  const addNode = async (name: string, taints?: Taint[], labels: Record<string, string> = {}) => {
    const now = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
    const status = {
      capacity: { cpu: '8', memory: '16Gi', pods: '110' },
      allocatable: { cpu: '8', memory: '16Gi', pods: '110' },
      conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'ready', lastHeartbeatTime: now, lastTransitionTime: now }],
    };
    const nodes = client.resource<Node>('', 'v1', 'nodes');
    await nodes.create({ apiVersion: 'v1', kind: 'Node', metadata: { name, labels: { 'kubernetes.io/hostname': name, ...labels } }, spec: { ...(taints && { taints }) } });
    await nodes.patch(name, 'merge', { status }, { subresource: 'status' });
  };
  for (const name of options.nodes ?? ['node-1', 'node-2']) await addNode(name);

  const informers = new InformerFactory(client, log);
  const runs: Promise<void>[] = [];
  const names = new Set(options.controllers);
  if (names.has('replicaset')) runs.push(new ReplicaSetController({ client, informers, log }).run(stop.signal));
  if (names.has('deployment')) runs.push(new DeploymentController({ client, informers, log }).run(stop.signal));
  if (names.has('daemonset')) runs.push(new DaemonSetController({ client, informers, log }).run(stop.signal));
  if (names.has('garbagecollector')) runs.push(new GarbageCollector({ client, informers, log }).run(stop.signal));
  if (names.has('disruption')) runs.push(new DisruptionController({ client, informers, log }).run(stop.signal));
  runs.push(informers.run(stop.signal));
  runs.push(runScheduler({ clientConfig: config, log, leaderElect: false, signal: stop.signal }));
  runs.push(runFakeNodeAgent({ client, ...(options.ready && { ready: options.ready }) }, stop.signal));
  return {
    cluster,
    client,
    kubectl: (...args) => cluster.kubectl(args),
    addNode,
    async stop() {
      stop.abort();
      await Promise.allSettled(runs);
      client.close();
      await cluster.close();
    },
  };
}
