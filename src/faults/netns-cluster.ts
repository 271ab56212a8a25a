/**
 * @module faults/netns-cluster
 *
 * The netns networking mode: a cluster whose nodes are network namespaces on one Linux bridge, so
 * traffic between nodes really crosses links that iptables rules can break.
 *
 *          host (root namespace)
 *   ┌───────────────────────────────────────────────┐
 *   │ API server, DNS ── bridge tk<pid>b<n>  10.214.x.1/24
 *   └──────────────┬───────────────┬────────────────┘
 *            veth  │         veth  │            ...
 *   ┌──────────────┴──────┐ ┌──────┴──────────────┐
 *   │ node 1: eth0 .2      │ │ node 2: eth0 .3      │
 *   │ local 10.244.1.0/24  │ │ local 10.244.2.0/24  │   pod IPs: any address of the node's
 *   │ local 10.96.0.0/12   │ │ local 10.96.0.0/12   │   pod CIDR is local (AnyIP), so a pod
 *   │ 10.244.2.0/24 via .3 │ │ 10.244.1.0/24 via .2 │   binds its own IP with no setup;
 *   │ agent, proxy, pods   │ │ agent, proxy, pods   │   ClusterIPs likewise, for the proxy
 *   └──────────────────────┘ └──────────────────────┘
 *
 * Each node's pod CIDR and the service range are `local` routes on the node's loopback, the way
 * kube-proxy's IPVS mode binds ClusterIPs to a dummy device: a process in the namespace can bind
 * any of those addresses, and a connection to one that nothing listens on is refused locally.
 * Every node routes the other nodes' pod CIDRs to their bridge addresses, so pod-to-pod traffic
 * goes straight across the bridge (the host forwards nothing; no host sysctl is changed).
 * Outgoing connections take the node's eth0 address as their source (like a masquerading CNI).
 *
 * Names carry the pid (`tskube-test-<pid>-c<n>n<i>`, `tk<pid>b<n>`, `tk<pid>v<k>`) so a killed run's
 * leftovers are removed by cleanupStaleNamespaces(), and an exit hook removes open clusters.
 */
import { spawn, spawnSync, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { TEST_NAMESPACE_PREFIX } from './iptables.js';
import {
  cleanupStaleNamespaces,
  collectOutput,
  ip,
  killChildren,
  killNamespacePids,
  NetnsError,
  netnsUnsupportedReason,
  offsetAddress,
  pickFreeBlock,
  trackResources,
  trySysctl,
  untrackResources,
  type ExecResult,
  type NetnsResources,
} from './netns-shared.js';

export interface NetnsClusterOptions {
  /** How many node namespaces (at most 250). */
  readonly nodes: number;
  /** The service range every node treats as local (the API server's --service-cluster-ip-range). */
  readonly serviceCIDR?: string;
  /** Node i (1-based) gets `10.244.<i>.0/24` unless this says otherwise. */
  readonly podCIDR?: (index: number) => string;
}

export interface NetnsNode {
  /** 1-based. */
  readonly index: number;
  /** The network namespace. */
  readonly namespace: string;
  /** The node's address on the bridge (its InternalIP). */
  readonly address: string;
  readonly podCIDR: string;
  /** Starts `argv` inside the node's namespace; the cluster's close() kills it if it still runs. */
  spawn(argv: readonly string[], options?: SpawnOptions): ChildProcess;
  /** Runs `argv` inside the namespace to completion (never rejects on a non-zero exit). */
  exec(argv: readonly string[], options?: { timeoutMs?: number; input?: string }): Promise<ExecResult>;
}

export interface NetnsCluster extends AsyncDisposable {
  /** The bridge's address on the host: where the API server (and DNS) listen for the nodes. */
  readonly hostAddress: string;
  readonly serviceCIDR: string;
  readonly nodes: readonly NetnsNode[];
  /** Kills what runs in the namespaces, deletes them, their veths and the bridge. Safe to call twice. */
  close(): Promise<void>;
}

export const DEFAULT_NETNS_SERVICE_CIDR = '10.96.0.0/12';

interface ClusterResources extends NetnsResources {
  readonly bridge: string;
  readonly namespaces: string[];
  readonly hostInterfaces: string[];
  readonly children: Set<ChildProcess>;
}

let nextCluster = 0;
let nextVeth = 0;

/** Creates the bridge and the node namespaces. Close it (or `await using` it) when done. */
export async function createNetnsCluster(options: NetnsClusterOptions): Promise<NetnsCluster> {
  const reason = netnsUnsupportedReason();
  if (reason) throw new NetnsError(reason);
  if (!Number.isInteger(options.nodes) || options.nodes < 1 || options.nodes > 250) {
    throw new NetnsError(`a netns cluster has 1 to 250 nodes, not ${options.nodes}.`);
  }
  cleanupStaleNamespaces();
  const n = nextCluster++;
  const serviceCIDR = options.serviceCIDR ?? DEFAULT_NETNS_SERVICE_CIDR;
  const podCIDR = options.podCIDR ?? ((i: number) => `10.244.${i}.0/24`);
  const resources: ClusterResources = {
    bridge: `tk${process.pid}b${n}`,
    namespaces: [],
    hostInterfaces: [],
    children: new Set(),
    removeSync: () => removeClusterSync(resources),
  };
  if (resources.bridge.length > 15) throw new NetnsError(`interface name ${resources.bridge} is too long for Linux (15 characters).`);
  trackResources(resources);

  const nodes: NetnsNode[] = [];
  let hostAddress: string;
  try {
    const subnet = await pickFreeBlock({ base: '10.214.0.0', baseBits: 16, blockBits: 24, seed: process.pid + n });
    hostAddress = offsetAddress(subnet, 1);
    await ip(['link', 'add', resources.bridge, 'type', 'bridge']);
    await trySysctl(`net.ipv6.conf.${resources.bridge}.disable_ipv6=1`);
    await ip(['addr', 'add', `${hostAddress}/24`, 'dev', resources.bridge]);
    await ip(['link', 'set', resources.bridge, 'up']);
    const addresses = Array.from({ length: options.nodes }, (_, i) => offsetAddress(subnet, i + 2));
    for (let i = 1; i <= options.nodes; i++) {
      const node = await addNode(resources, { index: i, address: addresses[i - 1]!, podCIDR: podCIDR(i), serviceCIDR, name: `${TEST_NAMESPACE_PREFIX}${process.pid}-c${n}n${i}` });
      nodes.push(node);
    }
    // Every node reaches every other node's pods straight across the bridge.
    for (const from of nodes) {
      for (const to of nodes) {
        if (from !== to) await ip(['-n', from.namespace, 'route', 'add', to.podCIDR, 'via', to.address, 'dev', 'eth0']);
      }
    }
  } catch (err) {
    removeClusterSync(resources);
    throw err;
  }

  let closing: Promise<void> | undefined;
  const cluster: NetnsCluster = {
    hostAddress,
    serviceCIDR,
    nodes,
    close() {
      closing ??= removeCluster(resources);
      return closing;
    },
    [Symbol.asyncDispose]() {
      return cluster.close();
    },
  };
  return cluster;
}

async function addNode(
  resources: ClusterResources,
  node: { index: number; address: string; podCIDR: string; serviceCIDR: string; name: string },
): Promise<NetnsNode> {
  const k = nextVeth++;
  const hostEnd = `tk${process.pid}v${k}`;
  const nodeEnd = `tk${process.pid}w${k}`;
  resources.namespaces.push(node.name);
  await ip(['netns', 'add', node.name]);
  resources.hostInterfaces.push(hostEnd);
  await ip(['link', 'add', hostEnd, 'type', 'veth', 'peer', 'name', nodeEnd, 'netns', node.name]);
  await trySysctl(`net.ipv6.conf.${hostEnd}.disable_ipv6=1`);
  await ip(['link', 'set', hostEnd, 'master', resources.bridge]);
  await ip(['link', 'set', hostEnd, 'up']);
  await ip(['-n', node.name, 'link', 'set', nodeEnd, 'name', 'eth0']);
  await trySysctl('net.ipv6.conf.eth0.disable_ipv6=1', node.name);
  await ip(['-n', node.name, 'addr', 'add', `${node.address}/24`, 'dev', 'eth0']);
  await ip(['-n', node.name, 'link', 'set', 'eth0', 'up']);
  await ip(['-n', node.name, 'link', 'set', 'lo', 'up']);
  await ip(['-n', node.name, 'route', 'add', 'local', node.podCIDR, 'dev', 'lo']);
  await ip(['-n', node.name, 'route', 'add', 'local', node.serviceCIDR, 'dev', 'lo']);

  const spawnIn = (argv: readonly string[], options: SpawnOptions = {}): ChildProcess => {
    const child = spawn('ip', ['netns', 'exec', node.name, ...argv], { stdio: 'pipe', ...options });
    resources.children.add(child);
    child.once('exit', () => resources.children.delete(child));
    return child;
  };
  return {
    index: node.index,
    namespace: node.name,
    address: node.address,
    podCIDR: node.podCIDR,
    spawn: spawnIn,
    exec: (argv, options = {}) => collectOutput(spawnIn(argv, { stdio: ['pipe', 'pipe', 'pipe'] }), options),
  };
}

async function removeCluster(resources: ClusterResources): Promise<void> {
  await killChildren(resources.children);
  removeClusterSync(resources);
}

/** Synchronous, so the exit hook can use it. */
function removeClusterSync(resources: ClusterResources): void {
  for (const child of resources.children) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
  for (const name of resources.namespaces) killNamespacePids(name);
  for (const veth of resources.hostInterfaces) spawnSync('ip', ['link', 'del', veth]);
  for (const name of resources.namespaces) spawnSync('ip', ['netns', 'del', name]);
  spawnSync('ip', ['link', 'del', resources.bridge]);
  untrackResources(resources);
}
