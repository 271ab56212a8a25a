/**
 * @module test/kubelet/support
 *
 * A real API server plus a fleet of node agents running pods, for the pod worker tests: pods are
 * bound by setting spec.nodeName (no scheduler needed), and helpers wait for what kubectl would
 * show.
 */
import type { ConfigMap, Event as EventType, Pod as PodType, Service } from 'kubernetes-types/core/v1.js';
import type { KubeObject } from '../../src/api/object.js';
import { isNotFound, loadKubeconfig, RestClient, type ResourceClient } from '../../src/client/index.js';
import { createFleet, runFleet, type FleetOptions, type VirtualNode } from '../../src/kubelet/fleet.js';
import { createLogger } from '../../src/log.js';
import { eventually, startTestCluster, type TestCluster } from '../support/apiserver.js';

export type Pod = PodType & KubeObject;
export type Event = EventType & KubeObject;

export interface PodLab {
  readonly cluster: TestCluster;
  readonly admin: RestClient;
  readonly nodes: VirtualNode[];
  pods(): ResourceClient<Pod>;
  createPod(pod: Pod): Promise<Pod>;
  getPod(name: string, namespace?: string): Promise<Pod | undefined>;
  waitPod(name: string, check: (pod: Pod) => boolean, what: string, timeoutMs?: number): Promise<Pod>;
  events(podName: string): Promise<Event[]>;
  createConfigMap(cm: ConfigMap): Promise<void>;
  createService(svc: Service): Promise<void>;
  /** Stops the fleet (its runtimes are closed); the cluster stays. */
  stopFleet(): Promise<void>;
  /** Starts a new fleet against the same cluster. */
  startFleet(options: Partial<FleetOptions>): Promise<void>;
  close(): Promise<void>;
}

export async function startPodLab(fleetOptions: Partial<FleetOptions>): Promise<PodLab> {
  const cluster = await startTestCluster();
  const config = await loadKubeconfig({ path: cluster.api.kubeconfigPath });
  const admin = new RestClient({ config });
  const log = createLogger('kubelet-test');
  let stop: AbortController | undefined;
  let running: Promise<void> | undefined;
  const lab = {
    cluster,
    admin,
    nodes: [] as VirtualNode[],
    pods: () => admin.resource<Pod>('', 'v1', 'pods'),
    async createPod(pod: Pod) {
      return admin.resource<Pod>('', 'v1', 'pods').create(pod, { namespace: pod.metadata?.namespace ?? 'default' });
    },
    async getPod(name: string, namespace = 'default') {
      try {
        return await admin.resource<Pod>('', 'v1', 'pods').get(name, { namespace });
      } catch (err) {
        if (isNotFound(err)) return undefined;
        throw err;
      }
    },
    async waitPod(name: string, check: (pod: Pod) => boolean, what: string, timeoutMs = 15_000) {
      let last: Pod | undefined;
      try {
        await eventually(
          async () => {
            last = await lab.getPod(name);
            return last !== undefined && check(last);
          },
          timeoutMs,
          `pod ${name}: ${what}`,
        );
      } catch (err) {
        throw new Error(`${(err as Error).message}; last status: ${JSON.stringify(last?.status)}`);
      }
      return last!;
    },
    async events(podName: string) {
      const list = await admin.resource<Event>('', 'v1', 'events').list({ namespace: 'default', fieldSelector: `involvedObject.name=${podName}` });
      return list.items;
    },
    async createConfigMap(cm: ConfigMap) {
      await admin.resource<ConfigMap & KubeObject>('', 'v1', 'configmaps').create(cm as ConfigMap & KubeObject, { namespace: cm.metadata?.namespace ?? 'default' });
    },
    async createService(svc: Service) {
      await admin.resource<Service & KubeObject>('', 'v1', 'services').create(svc as Service & KubeObject, { namespace: svc.metadata?.namespace ?? 'default' });
    },
    async stopFleet() {
      stop?.abort();
      await running;
      stop = undefined;
      running = undefined;
    },
    async startFleet(options: Partial<FleetOptions>) {
      // Index 81: host-mode addresses apart from `tskube up`'s nodes (1–6) and other tests' clusters.
      lab.nodes = createFleet({ config, count: 1, zones: ['zone-a'], log, firstIndex: 81, ...options });
      stop = new AbortController();
      running = runFleet(lab.nodes, stop.signal);
      await eventually(async () => {
        const nodes = await admin.resource('', 'v1', 'nodes').list();
        return lab.nodes.every((n) => nodes.items.some((item) => item.metadata?.name === n.identity.name));
      }, 10_000, 'nodes to register');
    },
    async close() {
      await lab.stopFleet();
      admin.close();
      await cluster.close();
    },
  };
  await lab.startFleet(fleetOptions);
  return lab;
}

export function podOn(node: string, name: string, spec: Partial<NonNullable<Pod['spec']>>, meta: Partial<NonNullable<Pod['metadata']>> = {}): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default', ...meta },
    spec: { nodeName: node, containers: [{ name: 'web', image: 'tskube/echo' }], terminationGracePeriodSeconds: 2, ...spec },
  };
}

export const condition = (pod: Pod, type: string) => pod.status?.conditions?.find((c) => c.type === type);
export const containerOf = (pod: Pod, name = 'web') => pod.status?.containerStatuses?.find((c) => c.name === name);
