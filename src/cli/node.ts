/**
 * @module cli/node
 *
 * `tskube node`: one node agent, or N virtual ones spread over zones, heartbeating to the API
 * server named by a kubeconfig, with upstream kubelet's heartbeat flags, and running the pods
 * bound to them with the process runtime (default) or the simulated one.
 *
 * --data-dir (default ~/.tskube/node, as upstream's kubelet keeps /var/lib/kubelet) holds one
 * subdirectory per node: pod sandboxes, container logs and the records that let the next run on
 * the same dir find what the previous one started. Per user, not per working directory, so a
 * restarted agent finds its pods whichever directory it is started from.
 */
import { isIP } from 'node:net';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { loadKubeconfig } from '../client/index.js';
import { checkTiming, DEFAULT_NODE_LIFECYCLE_CONFIG } from '../controllers/nodelifecycle/config.js';
import { runFleet, type RuntimeKind } from '../kubelet/fleet.js';
import { createLogger } from '../log.js';
import { createNodeAgents, type NetworkMode } from './node-agents.js';
import { addHeartbeatFlags, heartbeatTiming, type HeartbeatFlags } from './lifecycle-flags.js';
import { parsePositiveInt, parseZones } from './parse.js';
import { onShutdownSignal } from './signals.js';

interface NodeFlags extends HeartbeatFlags {
  kubeconfig?: string;
  count: number;
  zones: string[];
  region: string;
  name?: string;
  runtime: RuntimeKind;
  dataDir: string;
  network: NetworkMode;
  address?: string;
  podCidr?: string;
  firstIndex: number;
  proxy: boolean;
  clusterDns: string[];
  clusterDomain: string;
  resolvConf: string;
}

function parseAddressList(value: string): string[] {
  const list = value.split(',').map((v) => v.trim()).filter((v) => v !== '');
  for (const ip of list) if (isIP(ip) === 0) throw new InvalidArgumentError(`${JSON.stringify(ip)} is not an IP address`);
  return list;
}

function parseNetwork(value: string): NetworkMode {
  if (value !== 'host' && value !== 'netns') throw new InvalidArgumentError('must be "host" or "netns"');
  return value;
}

const DEFAULT_DATA_DIR = join(homedir(), '.tskube', 'node');

function parseRuntime(value: string): RuntimeKind {
  if (value !== 'process' && value !== 'simulated') throw new InvalidArgumentError('must be "process" or "simulated"');
  return value;
}

export function nodeCommand(): Command {
  const command = new Command('node')
    .description('run a node agent (or --count virtual ones) that registers and heartbeats')
    .option('--kubeconfig <file>', 'how to reach the API server (default: $KUBECONFIG or ~/.kube/config)')
    .option('--count <n>', 'virtual nodes to run in this process', parsePositiveInt, 1)
    .option('--zones <list>', 'zones to spread the nodes over', parseZones, ['zone-a'])
    .option('--region <name>', 'the topology.kubernetes.io/region label', 'local')
    .option('--name <name>', 'the node name (with --count 1); default tskube-node-1')
    .option('--runtime <kind>', 'container runtime: process (local processes) or simulated (no processes, like KWOK)', parseRuntime, 'process')
    .option('--data-dir <dir>', 'where pod sandboxes, logs and container records live (one subdirectory per node)', DEFAULT_DATA_DIR)
    .option('--network <mode>', 'host (pods and services on loopback addresses, no privileges) or netns (run inside the node\'s network namespace)', parseNetwork, 'host')
    .option('--first-index <n>', 'index of the first node: names, host-mode addresses and pod ranges derive from it (other agents on this host must not overlap)', parsePositiveInt, 1)
    .option('--address <ip>', 'the node\'s InternalIP (with --count 1; default: derived from the index)')
    .option('--pod-cidr <cidr>', 'the node\'s pod range (with --count 1; default: derived from the index)')
    .option('--no-proxy', 'run no service proxy on these nodes')
    .option('--cluster-dns <ips>', 'comma-separated cluster DNS server addresses that ClusterFirst pods resolve through (netns mode mounts it as their /etc/resolv.conf)', parseAddressList, [])
    .option('--cluster-domain <domain>', 'the cluster\'s DNS domain: pods search <ns>.svc.<domain>', 'cluster.local')
    .option('--resolv-conf <file>', 'the node\'s resolver configuration, the base of Default-policy pods\' DNS and the host search domains', '/etc/resolv.conf');
  addHeartbeatFlags(command);
  return command.action((flags: NodeFlags) => runNodes(flags));
}

async function runNodes(flags: NodeFlags): Promise<void> {
  const shutdown = onShutdownSignal();
  const log = createLogger('node');
  const timing = heartbeatTiming(flags);
  // Warn here too: the agent's timing only works against a grace period that allows for it.
  for (const f of checkTiming(DEFAULT_NODE_LIFECYCLE_CONFIG, timing)) log.warn({ setting: f.setting }, f.message);
  const config = await loadKubeconfig(flags.kubeconfig ? { path: flags.kubeconfig } : {});
  if (flags.count !== 1 && (flags.address || flags.podCidr)) throw new InvalidArgumentError('--address and --pod-cidr name one node: use them with --count 1');
  const fleet = createNodeAgents({
    network: flags.network,
    proxy: flags.proxy,
    firstIndex: flags.firstIndex,
    ...(flags.address && { address: flags.address }),
    ...(flags.podCidr && { podCIDR: flags.podCidr }),
    config,
    count: flags.count,
    zones: flags.zones,
    region: flags.region,
    ...(flags.name && { name: flags.name }),
    log,
    runtime: flags.runtime,
    dataDir: flags.dataDir,
    pods: { dns: { clusterDNS: flags.clusterDns, clusterDomain: flags.clusterDomain }, resolvConf: flags.resolvConf },
    heartbeat: { nodeStatusUpdateFrequencyMs: flags.nodeStatusUpdateFrequency, leaseDurationSeconds: flags.nodeLeaseDurationSeconds },
  });
  process.stdout.write(`tskube node: ${fleet.length} node(s) (${flags.runtime} runtime, ${flags.dataDir}) heartbeating to ${config.server}: ${fleet.map((n) => `${n.identity.name} (${n.identity.zone})`).join(', ')}\n`);
  await runFleet(fleet, shutdown.signal);
}
