/**
 * @module kubelet/node-object
 *
 * The Node a node agent registers, and the status it reports: labels (hostname, zone, region,
 * os, arch), capacity and allocatable, addresses, node info, and the five conditions with
 * upstream's reasons and messages.
 */
import type { Node, NodeCondition, NodeStatus } from 'kubernetes-types/core/v1.js';

export interface NodeIdentity {
  readonly name: string;
  readonly zone: string;
  readonly region: string;
  readonly address: string;
  readonly cpu: string;
  readonly memory: string;
  readonly pods: number;
  readonly labels?: Readonly<Record<string, string>>;
  /** The node's pod address range (spec.podCIDR); pods get their IPs from it. */
  readonly podCIDR?: string;
  /**
   * Where this node's kubelet API listens (logs, exec, port-forward); reported in status. Not
   * readonly: the fleet sets it once the API listens (on port 0), before the first status.
   */
  kubeletPort?: number;
}

export const KUBELET_VERSION = 'v1.32.0-tskube';

export function nodeObject(id: NodeIdentity): Node {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name: id.name,
      labels: {
        'kubernetes.io/hostname': id.name,
        'kubernetes.io/os': 'linux',
        'kubernetes.io/arch': process.arch === 'x64' ? 'amd64' : process.arch,
        'beta.kubernetes.io/os': 'linux',
        'topology.kubernetes.io/zone': id.zone,
        'topology.kubernetes.io/region': id.region,
        ...id.labels,
      },
    },
    spec: id.podCIDR ? { podCIDR: id.podCIDR, podCIDRs: [id.podCIDR] } : {},
  };
}

type Condition = Required<Pick<NodeCondition, 'type' | 'status' | 'reason' | 'message'>>;

/** The conditions a healthy agent reports, with upstream kubelet's reasons and messages. */
export function healthyConditions(): Condition[] {
  return [
    { type: 'MemoryPressure', status: 'False', reason: 'KubeletHasSufficientMemory', message: 'kubelet has sufficient memory available' },
    { type: 'DiskPressure', status: 'False', reason: 'KubeletHasNoDiskPressure', message: 'kubelet has no disk pressure' },
    { type: 'PIDPressure', status: 'False', reason: 'KubeletHasSufficientPID', message: 'kubelet has sufficient PID available' },
    { type: 'NetworkUnavailable', status: 'False', reason: 'RouteCreated', message: 'tskube node network is up' },
    { type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status' },
  ];
}

/**
 * The status to report now. `previous` is what the server last acknowledged: a condition keeps
 * its lastTransitionTime while its status does not change, and every report bumps
 * lastHeartbeatTime (upstream does so on every update).
 */
export function nodeStatus(id: NodeIdentity, conditions: Condition[], previous: NodeStatus | undefined, now: Date): NodeStatus {
  const time = now.toISOString().replace(/\.\d{3}Z$/, 'Z');
  const before = new Map((previous?.conditions ?? []).map((c) => [c.type, c]));
  const resources = { cpu: id.cpu, memory: id.memory, pods: String(id.pods), 'ephemeral-storage': '100Gi' };
  return {
    capacity: resources,
    allocatable: resources,
    addresses: [
      { type: 'InternalIP', address: id.address },
      { type: 'Hostname', address: id.name },
    ],
    daemonEndpoints: { kubeletEndpoint: { Port: id.kubeletPort ?? 10250 } },
    nodeInfo: {
      machineID: id.name,
      systemUUID: id.name,
      bootID: id.name,
      kernelVersion: 'tskube',
      osImage: 'tskube virtual node',
      containerRuntimeVersion: 'tskube://0.1.0',
      kubeletVersion: KUBELET_VERSION,
      kubeProxyVersion: KUBELET_VERSION,
      operatingSystem: 'linux',
      architecture: process.arch === 'x64' ? 'amd64' : process.arch,
    },
    conditions: conditions.map((c) => {
      const old = before.get(c.type);
      return { ...c, lastHeartbeatTime: time, lastTransitionTime: old && old.status === c.status ? (old.lastTransitionTime ?? time) : time };
    }),
  };
}

/** Whether two statuses differ in anything but heartbeat times (then an update is due now). */
export function statusChanged(a: NodeStatus | undefined, b: NodeStatus): boolean {
  if (!a) return true;
  const strip = (s: NodeStatus) => JSON.stringify({ ...s, conditions: (s.conditions ?? []).map(({ lastHeartbeatTime: _h, ...c }) => c) });
  return strip(a) !== strip(b);
}
