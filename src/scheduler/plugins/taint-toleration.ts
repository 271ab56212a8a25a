/**
 * @module scheduler/plugins/taint-toleration
 *
 * TaintToleration: Filter rejects a node with a NoSchedule or NoExecute taint the pod does not
 * tolerate (`node(s) had untolerated taint {key: value}`, as 1.32 prints it); Score prefers nodes
 * with fewer untolerated PreferNoSchedule taints (weight 3). A not-ready node is kept off this way
 * too: the node lifecycle controller taints it `node.kubernetes.io/not-ready:NoSchedule`.
 */
import type { Taint } from 'kubernetes-types/core/v1.js';
import { tolerates } from '../../api/tolerations.js';
import { defaultNormalizeScore, SUCCESS, unresolvable, type FilterPlugin, type ScorePlugin } from '../framework.js';

export { tolerates };

export const untoleratedTaintReason = (taint: Taint): string => `node(s) had untolerated taint {${taint.key}: ${taint.value ?? ''}}`;

export const taintTolerationFilter: FilterPlugin = {
  name: 'TaintToleration',
  filter(_state, pod, nodeInfo) {
    const tolerations = pod.spec?.tolerations ?? [];
    for (const taint of nodeInfo.node.spec?.taints ?? []) {
      if (taint.effect !== 'NoSchedule' && taint.effect !== 'NoExecute') continue;
      if (!tolerations.some((t) => tolerates(t, taint))) return unresolvable(untoleratedTaintReason(taint));
    }
    return SUCCESS;
  },
};

export const taintTolerationScore: ScorePlugin = {
  name: 'TaintToleration',
  weight: 3,
  score(_state, pod, nodeInfo) {
    // Only tolerations that could apply to PreferNoSchedule count, as upstream's getAllTolerationPreferNoSchedule.
    const tolerations = (pod.spec?.tolerations ?? []).filter((t) => !t.effect || t.effect === 'PreferNoSchedule');
    return (nodeInfo.node.spec?.taints ?? []).filter((taint) => taint.effect === 'PreferNoSchedule' && !tolerations.some((t) => tolerates(t, taint)))
      .length;
  },
  normalize(_state, _pod, scores) {
    defaultNormalizeScore(scores, true);
  },
};
