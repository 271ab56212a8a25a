/**
 * @module scheduler/plugins/node-affinity
 *
 * NodeAffinity: Filter requires `spec.nodeSelector` and the required node affinity (any of the
 * nodeSelectorTerms; within a term every matchExpression — In, NotIn, Exists, DoesNotExist, Gt,
 * Lt — and every matchField, i.e. metadata.name) (`node(s) didn't match Pod's node affinity/selector`,
 * UnschedulableAndUnresolvable). Score sums the weights of the preferred terms a node matches,
 * scaled so the best node gets 100 (weight 2). The matching itself is ../../api/selectors/node-selector.ts.
 */
import { nodeSelectorTermMatches, requiredNodeAffinityMatches } from '../../api/selectors/node-selector.js';
import { defaultNormalizeScore, SUCCESS, unresolvable, type FilterPlugin, type ScorePlugin } from '../framework.js';

export const ERR_REASON_NODE_AFFINITY = "node(s) didn't match Pod's node affinity/selector";

export const nodeAffinityFilter: FilterPlugin = {
  name: 'NodeAffinity',
  filter(_state, pod, nodeInfo) {
    return requiredNodeAffinityMatches(pod.spec, nodeInfo.node) ? SUCCESS : unresolvable(ERR_REASON_NODE_AFFINITY);
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
