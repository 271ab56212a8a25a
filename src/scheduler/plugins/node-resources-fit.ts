/**
 * @module scheduler/plugins/node-resources-fit
 *
 * NodeResourcesFit: Filter checks the pod count and the cpu/memory requests against the node's
 * allocatable minus what its pods request (`Too many pods`, `Insufficient cpu`, `Insufficient
 * memory`, every failing one reported); a request larger than the whole node is
 * UnschedulableAndUnresolvable, so preemption says it is not helpful, as 1.32. Score is the
 * default LeastAllocated strategy (cpu and memory, weight 1 each; plugin weight 1).
 */
import { MAX_NODE_SCORE, perCycle, SUCCESS, type CycleState, type FilterPlugin, type Pod, type ScorePlugin } from '../framework.js';
import { podRequests, type Resources } from '../resources.js';

const nonZeroRequests = (pod: Pod): Resources => podRequests(pod, true);
const requestsOf = (state: CycleState, pod: Pod): Resources => perCycle(state, 'NodeResourcesFit/requests', pod, podRequests);
const nonZeroRequestsOf = (state: CycleState, pod: Pod): Resources => perCycle(state, 'NodeResourcesFit/nonZeroRequests', pod, nonZeroRequests);

export const REASON_TOO_MANY_PODS = 'Too many pods';
export const insufficient = (resource: string): string => `Insufficient ${resource}`;

export const nodeResourcesFit: FilterPlugin = {
  name: 'NodeResourcesFit',
  filter(state, pod, nodeInfo) {
    const reasons: string[] = [];
    let unresolvableHere = false;
    const alloc = nodeInfo.allocatable;
    if (nodeInfo.pods.length + 1 > alloc.pods) reasons.push(REASON_TOO_MANY_PODS);
    const req = requestsOf(state, pod);
    if (req.milliCPU > 0 && req.milliCPU > alloc.milliCPU - nodeInfo.requested.milliCPU) {
      reasons.push(insufficient('cpu'));
      if (req.milliCPU > alloc.milliCPU) unresolvableHere = true;
    }
    if (req.memory > 0 && req.memory > alloc.memory - nodeInfo.requested.memory) {
      reasons.push(insufficient('memory'));
      if (req.memory > alloc.memory) unresolvableHere = true;
    }
    if (reasons.length === 0) return SUCCESS;
    return { code: unresolvableHere ? 'UnschedulableAndUnresolvable' : 'Unschedulable', reasons };
  },
};

/** ((allocatable - requested) * 100 / allocatable), 0 when over-committed, as upstream. */
function leastRequested(requested: number, capacity: number): number {
  if (capacity === 0 || requested > capacity) return 0;
  return Math.trunc(((capacity - requested) * MAX_NODE_SCORE) / capacity);
}

export const nodeResourcesLeastAllocated: ScorePlugin = {
  name: 'NodeResourcesFit',
  weight: 1,
  score(state, pod, nodeInfo) {
    const req = nonZeroRequestsOf(state, pod);
    const cpu = leastRequested(nodeInfo.nonZeroRequested.milliCPU + req.milliCPU, nodeInfo.allocatable.milliCPU);
    const mem = leastRequested(nodeInfo.nonZeroRequested.memory + req.memory, nodeInfo.allocatable.memory);
    return Math.trunc((cpu + mem) / 2);
  },
};

const fraction = (requested: number, capacity: number): number => (capacity === 0 ? 1 : Math.min(1, requested / capacity));

/**
 * NodeResourcesBalancedAllocation: prefers nodes whose cpu and memory fractions stay close;
 * score = (1 - standard deviation of the fractions) * 100, weight 1, over actual requests.
 */
export const nodeResourcesBalancedAllocation: ScorePlugin = {
  name: 'NodeResourcesBalancedAllocation',
  weight: 1,
  score(state, pod, nodeInfo) {
    const req = requestsOf(state, pod);
    const cpu = fraction(nodeInfo.requested.milliCPU + req.milliCPU, nodeInfo.allocatable.milliCPU);
    const mem = fraction(nodeInfo.requested.memory + req.memory, nodeInfo.allocatable.memory);
    const std = Math.abs(cpu - mem) / 2;
    return Math.trunc((1 - std) * MAX_NODE_SCORE);
  },
};
