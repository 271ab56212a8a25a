/**
 * @module controllers/replicaset/status
 *
 * A ReplicaSet's status from its pods (upstream's calculateStatus): replicas (active pods),
 * fullyLabeledReplicas (pods carrying every template label), readyReplicas, availableReplicas
 * (ready for minReadySeconds), observedGeneration, and the ReplicaFailure condition, set while
 * creating or deleting pods fails and removed once it works again.
 */
import type { ReplicaSetCondition, ReplicaSetStatus } from 'kubernetes-types/apps/v1.js';
import { isPodAvailable, isPodReady } from '../common/pod-state.js';
import { metaTime, type Pod, type ReplicaSet } from '../common/types.js';

export interface ManageFailure {
  /** FailedCreate or FailedDelete, as upstream's reasons. */
  readonly reason: 'FailedCreate' | 'FailedDelete';
  readonly message: string;
}

export function calculateStatus(rs: ReplicaSet, pods: readonly Pod[], failure: ManageFailure | undefined, nowMs = Date.now()): ReplicaSetStatus {
  const templateLabels = Object.entries(rs.spec?.template?.metadata?.labels ?? {});
  const minReadySeconds = rs.spec?.minReadySeconds ?? 0;
  let fullyLabeled = 0;
  let ready = 0;
  let available = 0;
  for (const pod of pods) {
    const labels = pod.metadata?.labels ?? {};
    if (templateLabels.every(([k, v]) => labels[k] === v)) fullyLabeled++;
    if (isPodReady(pod)) {
      ready++;
      if (isPodAvailable(pod, minReadySeconds, nowMs)) available++;
    }
  }
  let conditions: ReplicaSetCondition[] = [...(rs.status?.conditions ?? [])];
  const existing = conditions.find((c) => c.type === 'ReplicaFailure');
  if (failure && !existing) {
    conditions.push({ type: 'ReplicaFailure', status: 'True', reason: failure.reason, message: failure.message, lastTransitionTime: metaTime() });
  } else if (!failure && existing) {
    conditions = conditions.filter((c) => c.type !== 'ReplicaFailure');
  }
  return {
    replicas: pods.length,
    fullyLabeledReplicas: fullyLabeled,
    readyReplicas: ready,
    availableReplicas: available,
    ...(rs.metadata?.generation !== undefined && { observedGeneration: rs.metadata.generation }),
    ...(conditions.length > 0 && { conditions }),
  };
}
