/**
 * @module test/support/full-cluster
 *
 * A whole tskube cluster for scenario tests, in host networking mode: a real API server (memory
 * store), the controller manager (every controller) and the scheduler in this process, and node
 * agents with the process runtime — pods are real processes, each node has its kubelet API and its
 * service proxy — one fleet per node, so a test can stop one node's agent (`stopNode`: its
 * heartbeats stop and its pod processes die with it, as when the agent crashes) and start it again.
 * kubectl runs asynchronously against it with a private HOME. `close()` stops everything and leaves
 * no process behind.
 */
import { setMaxListeners } from 'node:events';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import type { KubeObject, StoredObject } from '../../src/api/object.js';
import { createNodeAgents } from '../../src/cli/node-agents.js';
import { runControllerManager } from '../../src/cli/controller-manager.js';
import { runScheduler } from '../../src/cli/scheduler.js';
import { loadKubeconfig, RestClient, type ClientConfig } from '../../src/client/index.js';
import { DEFAULT_NODE_LIFECYCLE_CONFIG, type NodeLifecycleConfig } from '../../src/controllers/nodelifecycle/config.js';
import { runFleet, type VirtualNode } from '../../src/kubelet/fleet.js';
import { createLogger } from '../../src/log.js';
import { hostModeServiceAddress } from '../../src/proxy/host-address.js';
import { eventually, startTestCluster, type TestCluster } from './apiserver.js';

type NodeObj = Node & KubeObject;
/** A pod as the API serves it: metadata always present. */
export type PodObj = Pod & StoredObject;

export interface FullClusterOptions {
  /** Nodes, spread round-robin over the zones (default 6 over zone-a, zone-b, zone-c). */
  readonly nodes?: number;
  readonly zones?: readonly string[];
  /**
   * Index of the first node (default 61). Host mode derives node addresses, pod ranges and proxy
   * addresses from node indexes, so clusters that run at the same time on one host (test files
   * run in parallel) must use indexes that do not overlap.
   */
  readonly firstIndex?: number;
  /** Node lifecycle settings (default upstream's; scenarios scale them down). */
  readonly lifecycle?: Partial<NodeLifecycleConfig>;
  /** Agents' heartbeat timing (default upstream's). */
  readonly heartbeat?: { readonly leaseDurationSeconds?: number; readonly nodeStatusUpdateFrequencyMs?: number };
}

export interface ClusterNode {
  /** 1-based: names, loopback addresses and proxy addresses derive from it. */
  readonly index: number;
  readonly name: string;
  readonly zone: string;
  readonly running: boolean;
}

export interface FullCluster {
  readonly api: TestCluster;
  readonly config: ClientConfig;
  readonly client: RestClient;
  readonly nodes: readonly ClusterNode[];
  kubectl(...args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }>;
  /** Applies a manifest with kubectl; throws with kubectl's stderr if it fails. */
  apply(manifest: string): Promise<void>;
  /** Where pods on node `index` reach a Service with this ClusterIP (its proxy's address). */
  serviceAddress(index: number, clusterIP: string): string;
  /** Stops a node's agent as if it died: heartbeats stop, its pod processes are killed. */
  stopNode(name: string): Promise<void>;
  /** Starts a stopped node's agent again on the same data dir. */
  startNode(name: string): void;
  /** Pods of a namespace, from the API. */
  pods(namespace?: string, labelSelector?: string): Promise<PodObj[]>;
  /** Waits until every node is Ready. */
  waitForNodesReady(timeoutMs?: number): Promise<void>;
  /** Pids of live processes started for this cluster's pods (containers, exec, hooks). */
  podProcesses(): number[];
  close(): Promise<void>;
}

/**
 * Pids of live processes whose environment puts their pod sandbox under `dataDir` (the process
 * runtime gives every container, exec and hook `TSKUBE_SANDBOX`; optionally only one pod's, by
 * uid). Read from /proc, so it also finds processes that escaped their agent — which is the
 * point: after `close()` it must be empty.
 */
export function podProcessesUnder(dataDir: string, podUid?: string): number[] {
  const prefix = `TSKUBE_SANDBOX=${dataDir}/`;
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let environ: string;
    try {
      environ = readFileSync(`/proc/${entry}/environ`, 'latin1');
    } catch {
      continue; // gone meanwhile, or not ours to read
    }
    const vars = environ.split('\0');
    if (!vars.some((v) => v.startsWith(prefix))) continue;
    if (podUid !== undefined && !vars.includes(`TSKUBE_POD_UID=${podUid}`)) continue;
    if (isZombie(entry)) continue;
    pids.push(Number(entry));
  }
  return pids;
}

function isZombie(pid: string): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    return true;
  }
}

interface RunningNode {
  readonly node: ClusterNode & { running: boolean };
  fleet: VirtualNode[];
  stop: AbortController;
  run: Promise<void>;
}

export async function startFullCluster(options: FullClusterOptions = {}): Promise<FullCluster> {
  const api = await startTestCluster();
  const config = await loadKubeconfig({ path: api.api.kubeconfigPath });
  const log = createLogger('scenario');
  const client = new RestClient({ config, log });
  const stop = new AbortController();
  setMaxListeners(100, stop.signal);
  const zones = options.zones ?? ['zone-a', 'zone-b', 'zone-c'];
  const count = options.nodes ?? 6;
  const lifecycle: NodeLifecycleConfig = { ...DEFAULT_NODE_LIFECYCLE_CONFIG, ...options.lifecycle };

  const components = [
    runControllerManager({ clientConfig: config, config: lifecycle, log: log.child({ component: 'controller-manager' }), leaderElect: false, signal: stop.signal }),
    runScheduler({ clientConfig: config, log: log.child({ component: 'scheduler' }), leaderElect: false, signal: stop.signal }),
  ];

  const startAgent = (entry: { node: ClusterNode & { running: boolean } }): RunningNode => {
    const fleet = createNodeAgents({
      network: 'host',
      config,
      count: 1,
      firstIndex: entry.node.index,
      zones: [entry.node.zone],
      log: log.child({ component: 'node' }),
      runtime: 'process',
      dataDir: join(api.dataDir, 'nodes'),
      ...(options.heartbeat && { heartbeat: options.heartbeat }),
    });
    const agentStop = new AbortController();
    entry.node.running = true;
    return { node: entry.node, fleet, stop: agentStop, run: runFleet(fleet, agentStop.signal) };
  };

  const running = new Map<string, RunningNode>();
  const nodes: (ClusterNode & { running: boolean })[] = [];
  // Default 61: host-mode addresses apart from a `tskube up` on this machine (nodes 1–6).
  const first = options.firstIndex ?? 61;
  for (let i = first; i < first + count; i++) {
    const node = { index: i, name: `tskube-node-${i}`, zone: zones[(i - first) % zones.length]!, running: false };
    nodes.push(node);
  }

  const cluster: FullCluster = {
    api,
    config,
    client,
    nodes,
    kubectl: (...args) => api.kubectl(args),
    async apply(manifest) {
      const r = await api.kubectl(['apply', '-f', '-'], manifest);
      if (r.status !== 0) throw new Error(`kubectl apply failed: ${r.stderr}`);
    },
    serviceAddress: (index, clusterIP) => hostModeServiceAddress(index, clusterIP),
    async stopNode(name) {
      const agent = running.get(name);
      if (!agent?.node.running) throw new Error(`node ${name} is not running`);
      agent.stop.abort();
      await agent.run.catch(() => {});
      agent.node.running = false;
    },
    startNode(name) {
      const agent = running.get(name);
      if (!agent || agent.node.running) throw new Error(`node ${name} is running or unknown`);
      running.set(name, startAgent({ node: agent.node }));
    },
    async pods(namespace = 'default', labelSelector) {
      return (await client.resource<PodObj>('', 'v1', 'pods').list({ namespace, ...(labelSelector && { labelSelector }) })).items;
    },
    async waitForNodesReady(timeoutMs = 30_000) {
      await eventually(
        async () => {
          const list = await client.resource<NodeObj>('', 'v1', 'nodes').list();
          const ready = list.items.filter((n) => n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'));
          return ready.length === nodes.filter((n) => n.running).length;
        },
        timeoutMs,
        'every running node Ready',
      );
    },
    podProcesses: () => podProcessesUnder(api.dataDir),
    async close() {
      for (const agent of running.values()) agent.stop.abort();
      await Promise.allSettled([...running.values()].map((a) => a.run));
      stop.abort();
      await Promise.allSettled(components);
      client.close();
      await api.close();
    },
  };
  try {
    // Inside the try: a node agent that cannot start (say, an index host mode has no room for)
    // must not leave the API server and the other components running.
    for (const node of nodes) running.set(node.name, startAgent({ node }));
    await cluster.waitForNodesReady();
  } catch (err) {
    await cluster.close();
    throw err;
  }
  return cluster;
}
