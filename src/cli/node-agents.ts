/**
 * @module cli/node-agents
 *
 * What one tskube node is, wired: the kubelet parts (heartbeats, pods, kubelet API — src/kubelet's
 * fleet) plus the node's service proxy (src/proxy), as `tskube node` and `tskube up` run them.
 * The two components never import each other; this is where they meet, as upstream's kubelet
 * and kube-proxy meet only on the node.
 *
 * Networking modes (docs/proxy.md has the pictures):
 *   host   every virtual node shares the host's network stack: pods listen on loopback pod IPs,
 *          and node i's proxy serves each Service at a node-specific loopback address, which is
 *          what node i's pods get as `<NAME>_SERVICE_HOST` — so routing decisions stay per node;
 *   netns  one node per process, run inside the node's network namespace (faults/netns-cluster):
 *          the proxy binds the real ClusterIPs there and pods use them as upstream's do.
 */
import { spawnSync } from 'node:child_process';
import type { Service } from 'kubernetes-types/core/v1.js';
import { createFleet, type FleetOptions, type VirtualNode } from '../kubelet/fleet.js';
import { clusterIPServiceHost, type ServiceHostFn } from '../kubelet/pods/index.js';
import { HostBinder, NetnsBinder } from '../proxy/binder.js';
import { hostModeServiceAddress, MAX_HOST_MODE_NODE_INDEX } from '../proxy/host-address.js';
import { Proxier } from '../proxy/proxier.js';

export type NetworkMode = 'host' | 'netns';

export interface NodeAgentsOptions extends Omit<FleetOptions, 'serviceHostFor' | 'companions'> {
  readonly network: NetworkMode;
  /** Run a service proxy on every node (default true). */
  readonly proxy?: boolean;
}

export class NodeAgentsError extends Error {
  override readonly name = 'NodeAgentsError';
}

/** The nodes, each with its proxy; run them with `runFleet`. */
export function createNodeAgents(options: NodeAgentsOptions): VirtualNode[] {
  const { network, proxy = true, ...fleet } = options;
  const last = (fleet.firstIndex ?? 1) + fleet.count - 1;
  if (network === 'host' && proxy && last > MAX_HOST_MODE_NODE_INDEX) {
    throw new NodeAgentsError(
      `host networking gives each node's proxy its own loopback range, for node indexes up to ${MAX_HOST_MODE_NODE_INDEX}; node ${last} is beyond it. Use fewer nodes, --no-proxy, or the netns mode.`,
    );
  }
  if (network === 'netns' && fleet.count !== 1) throw new NodeAgentsError('in netns mode each node runs in its own namespace: run one node per process (--count 1).');
  // Netns mode: the node's pods share the namespace the agent runs in; the runtime needs its name
  // to give each pod a private mount namespace there (volumes and resolv.conf at their paths).
  const pods = network === 'netns' ? { ...fleet.pods, podNetworkNamespace: fleet.pods?.podNetworkNamespace ?? currentNetworkNamespace() } : fleet.pods;
  return createFleet({
    ...fleet,
    ...(pods && { pods }),
    serviceHostFor: (_identity, index) => (network === 'host' && proxy ? hostModeServiceHost(index) : clusterIPServiceHost),
    ...(proxy && {
      companions: ({ identity, client }, index) => [
        {
          name: 'proxy',
          run: (signal: AbortSignal) =>
            new Proxier({
              client,
              nodeName: identity.name,
              binder: network === 'host' ? new HostBinder(index) : new NetnsBinder(),
              log: fleet.log.child({ node: identity.name, component: 'proxy' }),
            }).run(signal),
        },
      ],
    }),
  });
}

/** The name (under /run/netns) of the network namespace this process runs in. */
function currentNetworkNamespace(): string {
  const found = spawnSync('ip', ['netns', 'identify', String(process.pid)], { encoding: 'utf8' });
  const name = found.status === 0 ? found.stdout.trim() : '';
  if (!name) {
    throw new NodeAgentsError(
      `netns mode runs inside the node's named network namespace, and this process is in none (ip netns identify: ${found.error?.message ?? (found.stderr.trim() || 'no name')}). Start it with \`ip netns exec <namespace> tskube node --network netns ...\` as root.`,
    );
  }
  return name;
}

/** Node `index`'s address for a Service's ClusterIP (headless and ExternalName Services have none). */
function hostModeServiceHost(index: number): ServiceHostFn {
  return (service: Service) => {
    const ip = service.spec?.clusterIP;
    if (!ip || ip === 'None') return undefined;
    try {
      return hostModeServiceAddress(index, ip);
    } catch {
      // A ClusterIP outside the host-mode range (an API server with another range): as upstream.
      return clusterIPServiceHost(service);
    }
  };
}
