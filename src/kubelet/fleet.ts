/**
 * @module kubelet/fleet
 *
 * Many node agents in one process (like KWOK), for `tskube up`, tests and scale: each virtual
 * node has its own client, so its own connection and its own fault domain, and heartbeats on its
 * own schedule. Nodes are spread round-robin over the zones.
 */
import type { ClientConfig, RestClientOptions } from '../client/index.js';
import { RestClient } from '../client/index.js';
import type { Logger } from '../log.js';
import { clientHeartbeatApi } from './client-api.js';
import { NodeHeartbeat, type HeartbeatOptions } from './heartbeat.js';
import type { NodeIdentity } from './node-object.js';

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
}

export interface VirtualNode {
  readonly identity: NodeIdentity;
  readonly client: RestClient;
  readonly heartbeat: NodeHeartbeat;
}

export function createFleet(options: FleetOptions): VirtualNode[] {
  const nodes: VirtualNode[] = [];
  for (let i = 1; i <= options.count; i++) {
    const identity: NodeIdentity = {
      name: options.count === 1 && options.name ? options.name : `${options.namePrefix ?? 'tskube-node-'}${i}`,
      zone: options.zones[(i - 1) % options.zones.length]!,
      region: options.region ?? 'local',
      address: `127.0.${1 + Math.floor(i / 250)}.${i % 250}`,
      cpu: '4',
      memory: '8Gi',
      pods: 110,
    };
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
      log: options.log.child({ node: identity.name }),
      ...options.heartbeat,
      ...(onHeartbeat && { onHeartbeat: (kind: 'lease' | 'status', ok: boolean, error?: unknown) => onHeartbeat(identity.name, kind, ok, error) }),
    });
    nodes.push({ identity, client, heartbeat });
  }
  return nodes;
}

/** Runs every node until the signal aborts, then closes their connections. */
export async function runFleet(nodes: readonly VirtualNode[], signal: AbortSignal): Promise<void> {
  await Promise.all(nodes.map((n) => n.heartbeat.run(signal)));
  for (const n of nodes) n.client.close();
}
