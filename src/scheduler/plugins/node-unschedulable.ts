/**
 * @module scheduler/plugins/node-unschedulable
 *
 * NodeUnschedulable: a cordoned node (`spec.unschedulable`) takes only pods that tolerate the
 * `node.kubernetes.io/unschedulable:NoSchedule` taint, as upstream.
 */
import type { FilterPlugin } from '../framework.js';
import { SUCCESS, unresolvable } from '../framework.js';
import { tolerates } from './taint-toleration.js';

export const ERR_REASON_UNSCHEDULABLE = 'node(s) were unschedulable';
export const TAINT_NODE_UNSCHEDULABLE = 'node.kubernetes.io/unschedulable';

export const nodeUnschedulable: FilterPlugin = {
  name: 'NodeUnschedulable',
  filter(_state, pod, nodeInfo) {
    if (!nodeInfo.node.spec?.unschedulable) return SUCCESS;
    const taint = { key: TAINT_NODE_UNSCHEDULABLE, effect: 'NoSchedule' };
    if ((pod.spec?.tolerations ?? []).some((t) => tolerates(t, taint))) return SUCCESS;
    return unresolvable(ERR_REASON_UNSCHEDULABLE);
  },
};
