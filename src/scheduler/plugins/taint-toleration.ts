/**
 * @module scheduler/plugins/taint-toleration
 *
 * TaintToleration: Filter rejects a node with a NoSchedule or NoExecute taint the pod does not
 * tolerate (`node(s) had untolerated taint {key: value}`, as 1.32 prints it); Score prefers nodes
 * with fewer untolerated PreferNoSchedule taints (weight 3). A not-ready node is kept off this way
 * too: the node lifecycle controller taints it `node.kubernetes.io/not-ready:NoSchedule`.
 */
import type { Pod, Taint, Toleration } from 'kubernetes-types/core/v1.js';
import { tolerates } from '../../api/tolerations.js';
import { defaultNormalizeScore, perCycle, SUCCESS, unresolvable, type FilterPlugin, type ScorePlugin } from '../framework.js';

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

/** Only tolerations that could apply to PreferNoSchedule count, as upstream's getAllTolerationPreferNoSchedule. */
const preferNoScheduleTolerations = (pod: Pod): Toleration[] => (pod.spec?.tolerations ?? []).filter((t) => !t.effect || t.effect === 'PreferNoSchedule');

export const taintTolerationScore: ScorePlugin = {
  name: 'TaintToleration',
  weight: 3,
  score(state, pod, nodeInfo) {
    const taints = nodeInfo.node.spec?.taints;
    if (taints === undefined || taints.length === 0) return 0;
    const tolerations = perCycle(state, 'TaintToleration/preferNoSchedule', pod, preferNoScheduleTolerations);
    return taints.filter((taint) => taint.effect === 'PreferNoSchedule' && !tolerations.some((t) => tolerates(t, taint)))
      .length;
  },
  normalize(_state, _pod, scores) {
    defaultNormalizeScore(scores, true);
  },
};
