/**
 * @module controllers/daemonset/placement
 *
 * Where a DaemonSet's pods belong (upstream's daemon/util and NodeShouldRunDaemonPod):
 *   - the tolerations every daemon pod gets, so a node that is not ready, unreachable, under
 *     pressure or cordoned keeps (or gets) its daemon: not-ready/unreachable NoExecute with no
 *     tolerationSeconds; disk/memory/pid-pressure and unschedulable NoSchedule;
 *     network-unavailable NoSchedule for host-network pods;
 *   - a node should run the pod when spec.nodeName (if set) is the node, nodeSelector and required
 *     node affinity match, and every NoSchedule/NoExecute taint is tolerated; a pod already there
 *     may continue while only NoSchedule taints are untolerated;
 *   - the pod is pinned to its node with required node affinity
 *     `matchFields metadata.name In [node]`, and the scheduler binds it there.
 */
import type { Affinity, NodeSelectorTerm, PodSpec, Taint, Toleration } from 'kubernetes-types/core/v1.js';
import { requiredNodeAffinityMatches } from '../../api/selectors/node-selector.js';
import { tolerates } from '../../api/tolerations.js';
import type { DaemonSet, Node, Pod } from '../common/types.js';

const exists = (key: string, effect: 'NoSchedule' | 'NoExecute'): Toleration => ({ key, operator: 'Exists', effect });

/** Adds the DaemonSet tolerations the spec lacks (upstream's AddOrUpdateDaemonPodTolerations). */
export function addDaemonPodTolerations(spec: PodSpec): void {
  const wanted = [
    exists('node.kubernetes.io/not-ready', 'NoExecute'),
    exists('node.kubernetes.io/unreachable', 'NoExecute'),
    exists('node.kubernetes.io/disk-pressure', 'NoSchedule'),
    exists('node.kubernetes.io/memory-pressure', 'NoSchedule'),
    exists('node.kubernetes.io/pid-pressure', 'NoSchedule'),
    exists('node.kubernetes.io/unschedulable', 'NoSchedule'),
    ...(spec.hostNetwork ? [exists('node.kubernetes.io/network-unavailable', 'NoSchedule')] : []),
  ];
  const tolerations = [...(spec.tolerations ?? [])];
  for (const t of wanted) {
    // Replaced when one with the same key and effect exists (e.g. with tolerationSeconds).
    const i = tolerations.findIndex((x) => x.key === t.key && x.effect === t.effect);
    if (i >= 0) tolerations[i] = t;
    else tolerations.push(t);
  }
  spec.tolerations = tolerations;
}

/** Required node affinity that selects exactly `nodeName` (upstream's ReplaceDaemonSetPodNodeNameNodeAffinity). */
export function pinToNode(affinity: Affinity | undefined, nodeName: string): Affinity {
  const term: NodeSelectorTerm = { matchFields: [{ key: 'metadata.name', operator: 'In', values: [nodeName] }] };
  return {
    ...affinity,
    nodeAffinity: { ...affinity?.nodeAffinity, requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [term] } },
  };
}

/** The node a daemon pod is for: spec.nodeName, else its matchFields metadata.name affinity. */
export function targetNodeName(pod: Pod): string | undefined {
  if (pod.spec?.nodeName) return pod.spec.nodeName;
  for (const term of pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? []) {
    for (const f of term.matchFields ?? []) {
      if (f.key === 'metadata.name' && f.operator === 'In' && f.values?.length === 1) return f.values[0];
    }
  }
  return undefined;
}

function untolerated(taints: readonly Taint[], tolerations: readonly Toleration[], effects: readonly string[]): boolean {
  return taints.some((t) => effects.includes(t.effect) && !tolerations.some((tol) => tolerates(tol, t)));
}

export interface Placement {
  /** A daemon pod should be created on the node. */
  readonly shouldRun: boolean;
  /** A daemon pod already on the node may stay. */
  readonly shouldContinueRunning: boolean;
}

export function nodeShouldRunDaemonPod(node: Node, ds: DaemonSet): Placement {
  const spec = structuredClone(ds.spec?.template?.spec ?? { containers: [] });
  addDaemonPodTolerations(spec);
  const name = node.metadata?.name;
  if (spec.nodeName && spec.nodeName !== name) return { shouldRun: false, shouldContinueRunning: false };
  if (!requiredNodeAffinityMatches(spec, node)) return { shouldRun: false, shouldContinueRunning: false };
  const taints = node.spec?.taints ?? [];
  const tolerations = spec.tolerations ?? [];
  if (untolerated(taints, tolerations, ['NoSchedule', 'NoExecute'])) {
    return { shouldRun: false, shouldContinueRunning: !untolerated(taints, tolerations, ['NoExecute']) };
  }
  return { shouldRun: true, shouldContinueRunning: true };
}
