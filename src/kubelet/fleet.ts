/**
 * @module kubelet/fleet
 *
 * Many node agents in one process (like KWOK), for `tskube up`, tests and scale: each virtual
 * node has its own client, so its own connection and its own fault domain, heartbeats on its own
 * schedule, and runs its pods through its own PodManager and container runtime. Nodes are spread
 * round-robin over the zones.
 *
 * Host-mode addressing: node i answers at 127.0.x.y and hands its pods addresses from its own
 * /24, `127.${64 + (i >> 8)}.${i & 255}.0/24`, all on loopback, so pods of different nodes never
 * collide on a port.
 */
import { setMaxListeners } from 'node:events';
import { join } from 'node:path';
import type { ClientConfig, RestClientOptions } from '../client/index.js';
import { RestClient } from '../client/index.js';
import type { Logger } from '../log.js';
import { clientHeartbeatApi, clientPodApi } from './client-api.js';
import { NodeHeartbeat, type HeartbeatOptions } from './heartbeat.js';
import type { NodeIdentity } from './node-object.js';
import { PodManager, type PodManagerOptions, type ServiceHostFn } from './pods/index.js';
import type { ContainerRuntime } from './runtime/interface.js';
import { ProcessRuntime } from './runtime/process/index.js';
import { SimulatedRuntime } from './runtime/simulated.js';
import { startKubeletServer, type RunningKubeletServer } from './server/index.js';

export type RuntimeKind = 'process' | 'simulated';

export interface FleetOptions {
  readonly config: ClientConfig;
  readonly count: number;
  readonly zones: readonly string[];
  readonly region?: string;
  /** Node names are `${namePrefix}${i}` (1-based), or exactly `name` when count is 1 and it is set. */
  readonly namePrefix?: string;
  readonly name?: string;
  readonly log: Logger;
  readonly heartbeat?: Pick<HeartbeatOptions, 'nodeStatusUpdateFrequencyMs' | 'nodeStatusReportFrequencyMs' | 'leaseDurationSeconds' | 'requestTimeoutMs'>;
  /** Told about every heartbeat of every node (scenario reports, metrics). */
  readonly onHeartbeat?: (node: string, kind: 'lease' | 'status', ok: boolean, error?: unknown) => void;
  /** Transport settings for every node's client (health check timing). */
  readonly transport?: RestClientOptions['transport'];
  /**
   * The container runtime of every node: "process" (real processes, needs `dataDir`) or
   * "simulated" (KWOK-like, no processes). Default: process when a dataDir is given, else
   * simulated — so heartbeat benchmarks and scenarios run thousands of nodes unchanged.
   */
  readonly runtime?: RuntimeKind;
  /** Where runtimes keep sandboxes, logs and container records: one subdirectory per node. */
  readonly dataDir?: string;
  /** Pod worker settings shared by every node (backoff, service host, probes, usage sampling). */
  readonly pods?: Pick<PodManagerOptions, 'serviceHost' | 'backoff' | 'runProbes' | 'usageIntervalMs' | 'errorRetryMs' | 'podNetworkNamespace' | 'dns' | 'resolvConf'>;
  /** Builds a node's runtime instead of the default one (tests). */
  readonly createRuntime?: (node: NodeIdentity, dataDir: string | undefined) => ContainerRuntime;
  /**
   * Where a node's pods reach a Service (the `<NAME>_SERVICE_HOST` they get): by default its
   * ClusterIP; in host mode, the node's own proxy address for it.
   */
  readonly serviceHostFor?: (node: NodeIdentity, index: number) => ServiceHostFn;
  /**
   * What else runs on each node beside its kubelet parts, e.g. its service proxy: the fleet runs
   * them with the node and stops them with it (the CLI wires them; the kubelet knows none).
   */
  /**
   * The first node's index (default 1): node i is named `${namePrefix}${i}` and, in host mode,
   * gets address nodeAddress(i) and pod range nodePodCIDR(i) — so fleets in different processes
   * on one host must not overlap.
   */
  readonly firstIndex?: number;
  /** With count 1: the node's address and pod range instead of the host-mode ones (netns mode). */
  readonly address?: string;
  readonly podCIDR?: string;
  /** Serve the kubelet API (logs, exec, port-forward) on each node; default true. */
  readonly kubeletApi?: boolean;
  readonly companions?: (node: { readonly identity: NodeIdentity; readonly client: RestClient }, index: number) => readonly NodeCompanion[];
}

/** A per-node component the fleet runs beside the node's heartbeat and pods. */
export interface NodeCompanion {
  readonly name: string;
  run(signal: AbortSignal): Promise<void>;
}

export interface VirtualNode {
  readonly identity: NodeIdentity;
  readonly client: RestClient;
  readonly heartbeat: NodeHeartbeat;
  readonly runtime: ContainerRuntime;
  /** The node's pods; also its `ContainerLookup` for the kubelet HTTP server. */
  readonly pods: PodManager;
  readonly companions: readonly NodeCompanion[];
  readonly log: Logger;
  readonly kubeletApi: boolean;
}

/** The address of node i (1-based) in host mode. */
export function nodeAddress(i: number): string {
  return `127.0.${1 + Math.floor(i / 250)}.${i % 250}`;
}

/** The pod range of node i (1-based) in host mode. */
export function nodePodCIDR(i: number): string {
  return `127.${64 + (i >> 8)}.${i & 255}.0/24`;
}

export function createFleet(options: FleetOptions): VirtualNode[] {
  const kind: RuntimeKind = options.runtime ?? (options.dataDir ? 'process' : 'simulated');
  if (kind === 'process' && !options.dataDir) throw new TypeError('the process runtime needs a data dir');
  const nodes: VirtualNode[] = [];
  const first = options.firstIndex ?? 1;
  if (options.count !== 1 && (options.address || options.podCIDR)) throw new TypeError('an explicit address or pod range is for a fleet of one node');
  for (let i = first; i < first + options.count; i++) {
    const identity: NodeIdentity = {
      name: options.count === 1 && options.name ? options.name : `${options.namePrefix ?? 'tskube-node-'}${i}`,
      zone: options.zones[(i - first) % options.zones.length]!,
      region: options.region ?? 'local',
      address: options.address ?? nodeAddress(i),
      cpu: '4',
      memory: '8Gi',
      pods: 110,
      podCIDR: options.podCIDR ?? nodePodCIDR(i),
    };
    const log = options.log.child({ node: identity.name });
    const client = new RestClient({
      config: options.config,
      log: options.log,
      userAgent: `tskube-node/${identity.name}`,
      ...(options.transport && { transport: options.transport }),
    });
    const onHeartbeat = options.onHeartbeat;
    const heartbeat = new NodeHeartbeat({
      api: clientHeartbeatApi(client),
      node: identity,
      log,
      ...options.heartbeat,
      ...(onHeartbeat && { onHeartbeat: (kind: 'lease' | 'status', ok: boolean, error?: unknown) => onHeartbeat(identity.name, kind, ok, error) }),
    });
    const nodeDir = options.dataDir ? join(options.dataDir, identity.name) : undefined;
    const runtime = options.createRuntime?.(identity, nodeDir) ?? defaultRuntime(kind, nodeDir, log);
    const pods = new PodManager({
      api: clientPodApi(client),
      runtime,
      node: { name: identity.name, address: identity.address, zone: identity.zone, allocatable: { cpu: identity.cpu, memory: identity.memory }, ...(identity.podCIDR && { podCIDR: identity.podCIDR }) },
      log,
      ...options.pods,
      ...(options.serviceHostFor && { serviceHost: options.serviceHostFor(identity, i) }),
    });
    const companions = options.companions?.({ identity, client }, i) ?? [];
    nodes.push({ identity, client, heartbeat, runtime, pods, companions, log, kubeletApi: options.kubeletApi ?? true });
  }
  return nodes;
}

function defaultRuntime(kind: RuntimeKind, nodeDir: string | undefined, log: Logger): ContainerRuntime {
  if (kind === 'process') return new ProcessRuntime({ dataDir: nodeDir!, log: log.child({ runtime: 'process' }) });
  return new SimulatedRuntime(nodeDir ? { stateFile: join(nodeDir, 'simulated-containers.json') } : {});
}

/**
 * Runs every node — heartbeats, pods and companions — until the signal aborts, then stops every container
 * (runtime.close()) and closes the nodes' connections.
 */
export async function runFleet(nodes: readonly VirtualNode[], signal: AbortSignal): Promise<void> {
  const kubeletServers = await Promise.all(nodes.map((n) => (n.kubeletApi ? startNodeKubeletApi(n) : undefined)));
  // One signal per node: every sleep and request of a node listens on it, and thousands of nodes
  // on the caller's one signal would make each addEventListener walk thousands of listeners.
  const nodeSignals = nodes.map(() => {
    const c = new AbortController();
    setMaxListeners(0, c.signal);
    return c;
  });
  const abortAll = () => nodeSignals.forEach((c) => c.abort());
  signal.addEventListener('abort', abortAll, { once: true });
  if (signal.aborted) abortAll();
  const results = await Promise.allSettled(
    nodes.flatMap((n, i) => {
      const nodeSignal = nodeSignals[i]!.signal;
      return [n.heartbeat.run(nodeSignal), n.pods.run(nodeSignal), ...n.companions.map((c) => c.run(nodeSignal))];
    }),
  );
  signal.removeEventListener('abort', abortAll);
  await Promise.all(kubeletServers.map((k) => k?.close()));
  await Promise.all(nodes.map((n) => n.runtime.close()));
  for (const n of nodes) n.client.close();
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
}

/**
 * The node's kubelet API on its own address, port 0 (many clusters and tests share this host);
 * the port goes into the identity before the first status report names it. Only clients with a
 * certificate from the cluster CA are let in, so a kubeconfig without one runs no kubelet API.
 */
async function startNodeKubeletApi(node: VirtualNode): Promise<RunningKubeletServer | undefined> {
  const ca = node.client.config.ca;
  if (!ca) {
    node.log.warn( 'no cluster CA in the kubeconfig: the kubelet API (logs, exec, port-forward) is off');
    return undefined;
  }
  const pods = node.pods;
  const server = await startKubeletServer({
    host: node.identity.address,
    clientCaPem: ca,
    log: node.log.child({ component: 'kubelet-api' }),
    lookup: {
      findContainer: (namespace, pod, name, options) => {
        const container = pods.findContainer(namespace, pod, name, options);
        return container && { runtime: pods.runtime, containerId: container.id };
      },
      podIP: (namespace, pod) => pods.podIP(namespace, pod),
    },
  });
  node.identity.kubeletPort = server.port;
  return server;
}
