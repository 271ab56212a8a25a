/**
 * @module controllers/common/pod-state
 *
 * Pod predicates every workload controller shares (upstream's podutil and controller_utils):
 * active (counts toward replicas), ready (Ready condition True), available (ready for at least
 * minReadySeconds).
 */
import type { Pod } from './types.js';
import { timeMs } from './types.js';

/** Not finished and not being deleted: the pods that count toward a controller's replicas. */
export function isPodActive(pod: Pod): boolean {
  const phase = pod.status?.phase;
  return phase !== 'Succeeded' && phase !== 'Failed' && !pod.metadata?.deletionTimestamp;
}

export function isPodTerminal(pod: Pod): boolean {
  const phase = pod.status?.phase;
  return phase === 'Succeeded' || phase === 'Failed';
}

export function podReadyCondition(pod: Pod) {
  return pod.status?.conditions?.find((c) => c.type === 'Ready');
}

export function isPodReady(pod: Pod): boolean {
  return podReadyCondition(pod)?.status === 'True';
}

/**
 * Ready for at least `minReadySeconds` (as upstream, measured from the Ready condition's
 * lastTransitionTime; minReadySeconds 0 means ready is available).
 */
export function isPodAvailable(pod: Pod, minReadySeconds: number, nowMs = Date.now()): boolean {
  const c = podReadyCondition(pod);
  if (c?.status !== 'True') return false;
  if (minReadySeconds <= 0) return true;
  const since = timeMs(c.lastTransitionTime);
  return since !== undefined && since + minReadySeconds * 1000 <= nowMs;
}
