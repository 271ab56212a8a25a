/**
 * @module scheduler/profile
 *
 * The default-scheduler profile: upstream 1.32's default plugins in their order (the first
 * failing Filter decides a node's reason) and their default Score weights.
 */
import type { Profile } from './framework.js';
import { interPodAffinityFilter, interPodAffinityScore } from './plugins/inter-pod-affinity.js';
import { nodeAffinityFilter, nodeAffinityScore } from './plugins/node-affinity.js';
import { nodePorts } from './plugins/node-ports.js';
import { nodeResourcesBalancedAllocation, nodeResourcesFit, nodeResourcesLeastAllocated } from './plugins/node-resources-fit.js';
import { nodeUnschedulable } from './plugins/node-unschedulable.js';
import { podTopologySpreadFilter, podTopologySpreadScore } from './plugins/pod-topology-spread.js';
import { taintTolerationFilter, taintTolerationScore } from './plugins/taint-toleration.js';

export const DEFAULT_SCHEDULER_NAME = 'default-scheduler';

export const defaultProfile: Profile = {
  filters: [nodeUnschedulable, taintTolerationFilter, nodeAffinityFilter, nodePorts, nodeResourcesFit, podTopologySpreadFilter, interPodAffinityFilter],
  scores: [
    taintTolerationScore, // 3
    nodeAffinityScore, // 2
    nodeResourcesLeastAllocated, // 1
    podTopologySpreadScore, // 2
    interPodAffinityScore, // 2
    nodeResourcesBalancedAllocation, // 1
  ],
};
