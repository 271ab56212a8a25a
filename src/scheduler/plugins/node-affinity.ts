/**
 * @module scheduler/plugins/node-affinity
 *
 * NodeAffinity: Filter requires `spec.nodeSelector` and the required node affinity (any of the
 * nodeSelectorTerms; within a term every matchExpression — In, NotIn, Exists, DoesNotExist, Gt,
 * Lt — and every matchField, i.e. metadata.name) (`node(s) didn't match Pod's node affinity/selector`,
 * UnschedulableAndUnresolvable). Score sums the weights of the preferred terms a node matches,
 * scaled so the best node gets 100 (weight 2).
 */
import type { Node, NodeSelectorRequirement, NodeSelectorTerm, Pod } from 'kubernetes-types/core/v1.js';
import { defaultNormalizeScore, SUCCESS, unresolvable, type FilterPlugin, type ScorePlugin } from '../framework.js';

export const ERR_REASON_NODE_AFFINITY = "node(s) didn't match Pod's node affinity/selector";

function requirementMatches(r: NodeSelectorRequirement, value: string | undefined): boolean {
  const values = r.values ?? [];
  switch (r.operator) {
    case 'In':
      return value !== undefined && values.includes(value);
    case 'NotIn':
      return value === undefined || !values.includes(value);
    case 'Exists':
      return value !== undefined;
    case 'DoesNotExist':
      return value === undefined;
    case 'Gt':
    case 'Lt': {
      if (value === undefined || values.length !== 1 || !/^-?\d+$/.test(value) || !/^-?\d+$/.test(values[0] ?? '')) return false;
      const have = BigInt(value);
      const want = BigInt(values[0] ?? '0');
      return r.operator === 'Gt' ? have > want : have < want;
    }
    default:
      return false;
  }
}

/** One term: all expressions on labels and all fields (metadata.name only, In/NotIn) must match; an empty term matches nothing. */
export function nodeSelectorTermMatches(term: NodeSelectorTerm, node: Node): boolean {
  const exprs = term.matchExpressions ?? [];
  const fields = term.matchFields ?? [];
  if (exprs.length === 0 && fields.length === 0) return false;
  const labels = node.metadata?.labels ?? {};
  if (!exprs.every((r) => requirementMatches(r, labels[r.key]))) return false;
  return fields.every((r) => r.key === 'metadata.name' && (r.operator === 'In' || r.operator === 'NotIn') && requirementMatches(r, node.metadata?.name ?? ''));
}

/** Whether the node satisfies the pod's nodeSelector and required node affinity. */
export function podMatchesNodeSelectorAndAffinity(pod: Pod, node: Node): boolean {
  const labels = node.metadata?.labels ?? {};
  for (const [k, v] of Object.entries(pod.spec?.nodeSelector ?? {})) if (labels[k] !== v) return false;
  const required = pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
  if (required === undefined) return true;
  return required.nodeSelectorTerms.some((t) => nodeSelectorTermMatches(t, node));
}

export const nodeAffinityFilter: FilterPlugin = {
  name: 'NodeAffinity',
  filter(_state, pod, nodeInfo) {
    return podMatchesNodeSelectorAndAffinity(pod, nodeInfo.node) ? SUCCESS : unresolvable(ERR_REASON_NODE_AFFINITY);
  },
};

export const nodeAffinityScore: ScorePlugin = {
  name: 'NodeAffinity',
  weight: 2,
  score(_state, pod, nodeInfo) {
    let sum = 0;
    for (const pref of pod.spec?.affinity?.nodeAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? []) {
      if (pref.weight !== 0 && nodeSelectorTermMatches(pref.preference, nodeInfo.node)) sum += pref.weight;
    }
    return sum;
  },
  normalize(_state, _pod, scores) {
    defaultNormalizeScore(scores, false);
  },
};
