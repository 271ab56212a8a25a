/**
 * @module test/support/lifecycle-lab
 *
 * A small cluster for node-lifecycle scenarios: a real API server, N virtual nodes over zones,
 * the node lifecycle controller, and pods bound to every node — with every interval scaled down
 * together (the ratios between them are what the scenarios are about), so a scenario takes
 * seconds, not minutes. Every node can be stopped and started again on its own.
 */
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { KubeObject } from '../../src/api/object.js';
import { loadKubeconfig, RestClient, type ClientConfig } from '../../src/client/index.js';
import { NodeLifecycleController } from '../../src/controllers/nodelifecycle/controller.js';
import type { NodeLifecycleConfig } from '../../src/controllers/nodelifecycle/config.js';
import { createFleet, type VirtualNode } from '../../src/kubelet/fleet.js';
import { startLoadBalancer, type LoadBalancer } from '../../src/faults/load-balancer.js';
import { createLogger } from '../../src/log.js';
import type { KV } from '../../src/storage/interface.js';
import { startTestCluster, type TestCluster } from './apiserver.js';

export interface LabOptions {
  readonly nodes: number;
  readonly zones: readonly string[];
  /** Scaled lifecycle settings (milliseconds). */
  readonly lifecycle: Partial<NodeLifecycleConfig>;
  readonly leaseDurationSeconds: number;
  readonly nodeStatusUpdateFrequencyMs: number;
  /** tolerationSeconds the test pods carry for the unreachable and not-ready taints. */
  readonly tolerationSeconds: number;
  /** Put a fault-injecting balancer (`tskube lb`) between the node agents and the API server. */
  readonly balancer?: boolean;
  /** The API server's storage (default: a fresh in-memory store). */
  readonly kv?: KV;
  readonly transport?: ConstructorParameters<typeof RestClient>[0]['transport'];
}

/**
 * Upstream's timing scaled down 10× together: lease renewed every 1 s (duration 4 s; upstream
 * 40 s), status every 1 s (10 s), grace period 5 s (50 s), monitor period 0.5 s (5 s), startup
 * grace 6 s (60 s), HTTP/2 read idle 3 s and ping timeout 1.5 s (30 s, 15 s), tolerations 3 s,
 * and one node per second per zone tainted (the scenarios want to see evictions promptly).
 */
export const SCALED_TIMING = {
  leaseDurationSeconds: 4,
  nodeStatusUpdateFrequencyMs: 1_000,
  tolerationSeconds: 3,
  lifecycle: { nodeMonitorPeriodMs: 500, nodeMonitorGracePeriodMs: 5_000, nodeStartupGracePeriodMs: 6_000, nodeEvictionRate: 1 },
  transport: { readIdleTimeoutMs: 3_000, pingTimeoutMs: 1_500 },
} as const satisfies Partial<LabOptions>;

export interface LifecycleLab {
  readonly cluster: TestCluster;
  readonly config: ClientConfig;
  readonly admin: RestClient;
  readonly nodes: VirtualNode[];
  readonly controller: NodeLifecycleController;
  /** The balancer the node agents go through (with `balancer: true`). */
  readonly lb: LoadBalancer | undefined;
  /** Heartbeat outcomes per node since the lab started. */
  readonly heartbeats: Map<string, { ok: number; failed: number; lastOkAt: number }>;
  stopNode(name: string): void;
  startNode(name: string): void;
  readyStatus(): Promise<Map<string, string>>;
  podNames(): Promise<string[]>;
  close(): Promise<void>;
}

type PodObj = Pod & KubeObject;

export async function startLifecycleLab(options: LabOptions): Promise<LifecycleLab> {
  const cluster = await startTestCluster(options.kv ? { kv: options.kv } : {});
  const adminConfig = await loadKubeconfig({ path: cluster.api.kubeconfigPath });
  const apiAddress = new URL(cluster.api.url);
  const lb = options.balancer
    ? await startLoadBalancer({ listen: { host: '127.0.0.1', port: 0 }, backends: [{ host: apiAddress.hostname, port: Number(apiAddress.port) }] })
    : undefined;
  const nodeConfig: ClientConfig = lb ? { ...adminConfig, server: `https://127.0.0.1:${lb.address.port}` } : adminConfig;
  const log = createLogger('lab');
  const admin = new RestClient({ config: adminConfig, log });
  const heartbeats = new Map<string, { ok: number; failed: number; lastOkAt: number }>();
  const nodes = createFleet({
    config: nodeConfig,
    count: options.nodes,
    zones: options.zones,
    log,
    // Heartbeats only: no kubelet API to serve.
    kubeletApi: false,
    ...(options.transport && { transport: options.transport }),
    onHeartbeat: (name, _kind, ok) => {
      const h = heartbeats.get(name);
      if (!h) return;
      if (ok) {
        h.ok++;
        h.lastOkAt = Date.now();
      } else h.failed++;
    },
    heartbeat: {
      leaseDurationSeconds: options.leaseDurationSeconds,
      nodeStatusUpdateFrequencyMs: options.nodeStatusUpdateFrequencyMs,
      requestTimeoutMs: options.nodeStatusUpdateFrequencyMs,
    },
  });
  const running = new Map<string, { stop: AbortController; done: Promise<void> }>();
  const start = (node: VirtualNode) => {
    const stop = new AbortController();
    running.set(node.identity.name, { stop, done: node.heartbeat.run(stop.signal) });
  };
  for (const node of nodes) {
    heartbeats.set(node.identity.name, { ok: 0, failed: 0, lastOkAt: 0 });
    start(node);
  }

  const controllerStop = new AbortController();
  const controller = new NodeLifecycleController({ client: admin, log: log.child({ controller: 'node-lifecycle' }), config: options.lifecycle });
  const controllerDone = controller.run(controllerStop.signal);

  // Wait until every node is registered and Ready, then put two pods on each.
  const deadline = Date.now() + 20_000;
  for (;;) {
    const ready = await readyStatusOf(admin);
    if (nodes.every((n) => ready.get(n.identity.name) === 'True')) break;
    if (Date.now() > deadline) throw new Error(`nodes did not become Ready: ${JSON.stringify([...ready])}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  const pods = admin.resource<PodObj>('', 'v1', 'pods');
  for (const node of nodes) {
    for (let i = 0; i < 2; i++) {
      await pods.create(
        {
          metadata: { name: `${node.identity.name}-pod-${i}`, namespace: 'default' },
          spec: {
            nodeName: node.identity.name,
            containers: [{ name: 'c', image: 'tskube/pause' }],
            tolerations: ['node.kubernetes.io/unreachable', 'node.kubernetes.io/not-ready'].map((key) => ({
              key,
              operator: 'Exists',
              effect: 'NoExecute',
              tolerationSeconds: options.tolerationSeconds,
            })),
          },
        },
        { namespace: 'default' },
      );
    }
  }

  return {
    cluster,
    config: adminConfig,
    admin,
    nodes,
    controller,
    lb,
    heartbeats,
    stopNode(name) {
      running.get(name)?.stop.abort();
    },
    startNode(name) {
      const node = nodes.find((n) => n.identity.name === name)!;
      start(node);
    },
    readyStatus: () => readyStatusOf(admin),
    async podNames() {
      const list = await pods.list({ namespace: 'default' });
      return list.items.filter((p) => !p.metadata?.deletionTimestamp).map((p) => p.metadata!.name!).sort();
    },
    async close() {
      for (const r of running.values()) r.stop.abort();
      controllerStop.abort();
      await Promise.all([...running.values()].map((r) => r.done));
      await controllerDone;
      for (const node of nodes) node.client.close();
      admin.close();
      await lb?.close();
      await cluster.close();
    },
  };
}

async function readyStatusOf(admin: RestClient): Promise<Map<string, string>> {
  const list = await admin.resource('', 'v1', 'nodes').list();
  return new Map(
    list.items.map((n) => {
      const conditions = ((n.status as { conditions?: { type: string; status: string }[] } | undefined)?.conditions ?? []);
      return [n.metadata!.name!, conditions.find((c) => c.type === 'Ready')?.status ?? 'Unknown'] as const;
    }),
  );
}
