/**
 * @module cli/proxy
 *
 * `tskube proxy`: the service proxy of one node (upstream: kube-proxy), in host mode (a per-node
 * loopback address per Service, no privileges) or netns mode (the real ClusterIP, inside the
 * node's network namespace). Host mode needs the node's index; by default it is read from the
 * Node's InternalIP as the node fleet numbers them (127.0.1.N is node N).
 */
import { hostname } from 'node:os';
import { Command, InvalidArgumentError, Option } from 'commander';
import { loadKubeconfig, RestClient } from '../client/index.js';
import { createLogger } from '../log.js';
import { HostBinder, NetnsBinder, type ServiceBinder } from '../proxy/binder.js';
import { hostModeNodeIndex, MAX_HOST_MODE_NODE_INDEX } from '../proxy/host-address.js';
import { Proxier } from '../proxy/proxier.js';
import type { Node } from '../proxy/types.js';
import { onShutdownSignal } from './signals.js';

interface ProxyFlags {
  kubeconfig?: string;
  nodeName: string;
  mode: 'host' | 'netns';
  nodeIndex?: number;
}

function parseNodeIndex(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n > MAX_HOST_MODE_NODE_INDEX) throw new InvalidArgumentError(`${JSON.stringify(value)} is not a node index; use 0 to ${MAX_HOST_MODE_NODE_INDEX}.`);
  return n;
}

export function proxyCommand(): Command {
  return new Command('proxy')
    .description("run one node's service proxy (as kube-proxy): topologyKeys, traffic policies, hints, session affinity, connection recycling")
    .option('--kubeconfig <file>', 'how to reach the API server (default: $KUBECONFIG or ~/.kube/config)')
    .option('--node-name <name>', "the node this proxy routes for (upstream: --hostname-override)", hostname())
    .addOption(new Option('--mode <mode>', 'host: per-node loopback addresses, no privileges; netns: the real ClusterIPs inside this network namespace').choices(['host', 'netns']).default('host'))
    .option('--node-index <n>', "host mode: the node's index in the address plan (default: from the Node's InternalIP 127.0.1.N)", parseNodeIndex)
    .action((flags: ProxyFlags) => runProxyCommand(flags));
}

async function runProxyCommand(flags: ProxyFlags): Promise<void> {
  const shutdown = onShutdownSignal();
  const log = createLogger('proxy');
  const config = await loadKubeconfig(flags.kubeconfig ? { path: flags.kubeconfig } : {});
  const client = new RestClient({ config, log, userAgent: `tskube-proxy/${flags.nodeName}` });
  try {
    const binder: ServiceBinder = flags.mode === 'netns' ? new NetnsBinder() : new HostBinder(flags.nodeIndex ?? (await nodeIndexFromApi(client, flags.nodeName, shutdown.signal)));
    process.stdout.write(`tskube proxy: node ${flags.nodeName}, ${flags.mode} mode, watching ${config.server}\n`);
    await new Proxier({ client, nodeName: flags.nodeName, binder, log }).run(shutdown.signal);
  } finally {
    client.close();
  }
}

async function nodeIndexFromApi(client: RestClient, nodeName: string, signal: AbortSignal): Promise<number> {
  const node = await client.resource<Node>('', 'v1', 'nodes').get(nodeName, { signal });
  const ip = node.status?.addresses?.find((a) => a.type === 'InternalIP')?.address;
  const index = ip === undefined ? undefined : hostModeNodeIndex(ip);
  if (index === undefined) throw new Error(`node ${nodeName} has InternalIP ${ip ?? '(none)'}, not a host-mode address 127.0.1.N; pass --node-index`);
  return index;
}
