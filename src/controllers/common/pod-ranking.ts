/**
 * @module controllers/common/pod-ranking
 *
 * Which pods go first when a ReplicaSet scales down (upstream's ActivePodsWithRanks): the pods
 * that cost least to lose. In order, a pod sorts earlier when it is
 *   1. not assigned to a node, 2. Pending rather than Unknown rather than Running,
 *   3. not ready, 4. on a node with more of the related pods (rank: spreads what remains),
 *   5. ready for less time, 6. restarted more, 7. created more recently.
 */
import type { Pod } from './types.js';
import { timeMs } from './types.js';
import { isPodReady, podReadyCondition } from './pod-state.js';

const PHASE_ORDER: Readonly<Record<string, number>> = { Pending: 0, Unknown: 1, Running: 2 };

function restarts(pod: Pod): number {
  return (pod.status?.containerStatuses ?? []).reduce((m, s) => Math.max(m, s.restartCount ?? 0), 0);
}

/**
 * Ranks each pod by how many of `related` (active pods of the same owner and its siblings) share
 * its node, as upstream's getPodsRankedByRelatedPodsOnSameNode.
 */
export function rankByRelatedOnSameNode(pods: readonly Pod[], related: readonly Pod[]): Map<Pod, number> {
  const perNode = new Map<string, number>();
  for (const p of related) {
    const node = p.spec?.nodeName;
    if (node) perNode.set(node, (perNode.get(node) ?? 0) + 1);
  }
  return new Map(pods.map((p) => [p, p.spec?.nodeName ? (perNode.get(p.spec.nodeName) ?? 0) : 0]));
}

/** Negative when `a` should be deleted before `b`. */
export function comparePodsForDeletion(a: Pod, b: Pod, rank: ReadonlyMap<Pod, number>): number {
  const assignedA = a.spec?.nodeName ? 1 : 0;
  const assignedB = b.spec?.nodeName ? 1 : 0;
  if (assignedA !== assignedB) return assignedA - assignedB;
  const phaseA = PHASE_ORDER[a.status?.phase ?? 'Pending'] ?? 0;
  const phaseB = PHASE_ORDER[b.status?.phase ?? 'Pending'] ?? 0;
  if (phaseA !== phaseB) return phaseA - phaseB;
  const readyA = isPodReady(a) ? 1 : 0;
  const readyB = isPodReady(b) ? 1 : 0;
  if (readyA !== readyB) return readyA - readyB;
  const rankA = rank.get(a) ?? 0;
  const rankB = rank.get(b) ?? 0;
  if (rankA !== rankB) return rankB - rankA;
  if (readyA === 1) {
    // Ready for less time goes first.
    const sinceA = timeMs(podReadyCondition(a)?.lastTransitionTime) ?? 0;
    const sinceB = timeMs(podReadyCondition(b)?.lastTransitionTime) ?? 0;
    if (sinceA !== sinceB) return sinceB - sinceA;
  }
  const restartsA = restarts(a);
  const restartsB = restarts(b);
  if (restartsA !== restartsB) return restartsB - restartsA;
  const createdA = timeMs(a.metadata?.creationTimestamp) ?? 0;
  const createdB = timeMs(b.metadata?.creationTimestamp) ?? 0;
  return createdB - createdA;
}

/** The `count` pods to delete first. */
export function podsToDelete(pods: readonly Pod[], related: readonly Pod[], count: number): Pod[] {
  if (count >= pods.length) return [...pods];
  const rank = rankByRelatedOnSameNode(pods, related);
  return [...pods].sort((a, b) => comparePodsForDeletion(a, b, rank)).slice(0, count);
}
