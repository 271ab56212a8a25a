/**
 * @module scheduler/testing
 *
 * Small builders for scheduler tests: nodes and pods with only the fields that matter.
 */
import type { Node, Pod, Taint, Toleration } from 'kubernetes-types/core/v1.js';

export interface NodeSpec {
  cpu?: string;
  memory?: string;
  pods?: string;
  labels?: Record<string, string>;
  taints?: Taint[];
  unschedulable?: boolean;
}

export function makeNode(name: string, spec: NodeSpec = {}): Node {
  return {
    metadata: { name, labels: { 'kubernetes.io/hostname': name, ...spec.labels } },
    spec: { ...(spec.taints && { taints: spec.taints }), ...(spec.unschedulable && { unschedulable: true }) },
    status: { allocatable: { cpu: spec.cpu ?? '4', memory: spec.memory ?? '8Gi', pods: spec.pods ?? '110' } },
  };
}

export interface PodSpecLite {
  namespace?: string;
  cpu?: string;
  memory?: string;
  labels?: Record<string, string>;
  nodeName?: string;
  nodeSelector?: Record<string, string>;
  tolerations?: Toleration[];
  hostPorts?: number[];
  priority?: number;
  affinity?: NonNullable<Pod['spec']>['affinity'];
  topologySpreadConstraints?: NonNullable<Pod['spec']>['topologySpreadConstraints'];
  ownerUid?: string;
}

export function makePod(name: string, s: PodSpecLite = {}): Pod {
  const requests: Record<string, string> = {};
  if (s.cpu) requests['cpu'] = s.cpu;
  if (s.memory) requests['memory'] = s.memory;
  return {
    metadata: {
      name,
      namespace: s.namespace ?? 'default',
      uid: `uid-${name}`,
      labels: s.labels ?? {},
      ...(s.ownerUid && { ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'rs', uid: s.ownerUid, controller: true }] }),
    },
    spec: {
      containers: [
        {
          name: 'c',
          image: 'x',
          resources: { requests },
          ...(s.hostPorts && { ports: s.hostPorts.map((p) => ({ containerPort: p, hostPort: p })) }),
        },
      ],
      ...(s.nodeName && { nodeName: s.nodeName }),
      ...(s.nodeSelector && { nodeSelector: s.nodeSelector }),
      ...(s.tolerations && { tolerations: s.tolerations }),
      ...(s.priority !== undefined && { priority: s.priority }),
      ...(s.affinity && { affinity: s.affinity }),
      ...(s.topologySpreadConstraints && { topologySpreadConstraints: s.topologySpreadConstraints }),
    },
  };
}
