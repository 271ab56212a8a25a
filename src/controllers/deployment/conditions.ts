/**
 * @module controllers/deployment/conditions
 *
 * The Deployment's status and conditions, in upstream's words:
 *   Available:   True MinimumReplicasAvailable "Deployment has minimum availability." /
 *                False MinimumReplicasUnavailable "Deployment does not have minimum availability."
 *   Progressing: NewReplicaSetCreated, FoundNewReplicaSet, ReplicaSetUpdated (progress made),
 *                NewReplicaSetAvailable (complete), ProgressDeadlineExceeded (no progress for
 *                progressDeadlineSeconds), DeploymentPaused / DeploymentResumed, ReplicaSetCreateError.
 * A condition set again with the same status and reason is left as it is; with the same status,
 * it keeps its lastTransitionTime.
 */
import type { DeploymentCondition, DeploymentStatus } from 'kubernetes-types/apps/v1.js';
import { metaTime, timeMs, type Deployment, type ReplicaSet } from '../common/types.js';
import { availableSum, maxUnavailable, readySum, replicasOf, specReplicaSum, statusReplicaSum } from './util.js';

export const Reason = {
  NewRSCreated: 'NewReplicaSetCreated',
  FoundNewRS: 'FoundNewReplicaSet',
  RSUpdated: 'ReplicaSetUpdated',
  NewRSAvailable: 'NewReplicaSetAvailable',
  TimedOut: 'ProgressDeadlineExceeded',
  Paused: 'DeploymentPaused',
  Resumed: 'DeploymentResumed',
  FailedRSCreate: 'ReplicaSetCreateError',
  MinimumReplicasAvailable: 'MinimumReplicasAvailable',
  MinimumReplicasUnavailable: 'MinimumReplicasUnavailable',
} as const;

type ConditionType = 'Available' | 'Progressing' | 'ReplicaFailure';

export function newCondition(type: ConditionType, status: 'True' | 'False' | 'Unknown', reason: string, message: string): DeploymentCondition {
  const now = metaTime();
  return { type, status, lastUpdateTime: now, lastTransitionTime: now, reason, message };
}

export function getCondition(status: DeploymentStatus | undefined, type: ConditionType): DeploymentCondition | undefined {
  return status?.conditions?.find((c) => c.type === type);
}

/** Upstream's SetDeploymentCondition (mutates `status`). */
export function setCondition(status: DeploymentStatus, condition: DeploymentCondition): void {
  const current = getCondition(status, condition.type as ConditionType);
  if (current && current.status === condition.status && current.reason === condition.reason) return;
  const next = { ...condition };
  if (current && current.status === condition.status) next.lastTransitionTime = current.lastTransitionTime;
  status.conditions = [...(status.conditions ?? []).filter((c) => c.type !== condition.type), next];
}

export function removeCondition(status: DeploymentStatus, type: ConditionType): void {
  status.conditions = (status.conditions ?? []).filter((c) => c.type !== type);
  if (status.conditions.length === 0) delete status.conditions;
}

/** progressDeadlineSeconds set and not "forever" (MaxInt32). */
export function hasProgressDeadline(d: Deployment): boolean {
  const s = d.spec?.progressDeadlineSeconds;
  return s !== undefined && s !== 2147483647;
}

/** The status the ReplicaSets add up to (upstream's calculateStatus). */
export function calculateStatus(allRSs: readonly ReplicaSet[], newRS: ReplicaSet | undefined, d: Deployment): DeploymentStatus {
  const available = availableSum(allRSs);
  const total = specReplicaSum(allRSs);
  const status: DeploymentStatus = {
    ...(d.metadata?.generation !== undefined && { observedGeneration: d.metadata.generation }),
    replicas: statusReplicaSum(allRSs),
    updatedReplicas: statusReplicaSum([newRS]),
    readyReplicas: readySum(allRSs),
    availableReplicas: available,
    unavailableReplicas: Math.max(0, total - available),
    ...(d.status?.collisionCount !== undefined && { collisionCount: d.status.collisionCount }),
    ...(d.status?.conditions && { conditions: d.status.conditions.map((c) => ({ ...c })) }),
  };
  if (available >= replicasOf(d) - maxUnavailable(d)) {
    setCondition(status, newCondition('Available', 'True', Reason.MinimumReplicasAvailable, 'Deployment has minimum availability.'));
  } else {
    setCondition(status, newCondition('Available', 'False', Reason.MinimumReplicasUnavailable, 'Deployment does not have minimum availability.'));
  }
  return status;
}

/** Every replica updated and available, and the status is of the current generation. */
export function deploymentComplete(d: Deployment, status: DeploymentStatus): boolean {
  const replicas = replicasOf(d);
  return (
    (status.updatedReplicas ?? 0) === replicas &&
    (status.replicas ?? 0) === replicas &&
    (status.availableReplicas ?? 0) === replicas &&
    (status.observedGeneration ?? 0) >= (d.metadata?.generation ?? 0)
  );
}

/** The new status shows progress over the deployment's current one. */
export function deploymentProgressing(d: Deployment, status: DeploymentStatus): boolean {
  const old = d.status ?? {};
  const oldOld = (old.replicas ?? 0) - (old.updatedReplicas ?? 0);
  const newOld = (status.replicas ?? 0) - (status.updatedReplicas ?? 0);
  return (
    (status.updatedReplicas ?? 0) > (old.updatedReplicas ?? 0) ||
    newOld < oldOld ||
    (status.readyReplicas ?? 0) > (old.readyReplicas ?? 0) ||
    (status.availableReplicas ?? 0) > (old.availableReplicas ?? 0)
  );
}

/** No progress for progressDeadlineSeconds since the Progressing condition last changed. */
export function deploymentTimedOut(d: Deployment, status: DeploymentStatus, nowMs = Date.now()): boolean {
  if (!hasProgressDeadline(d)) return false;
  const c = getCondition(status, 'Progressing');
  if (!c) return false;
  if (c.reason === Reason.NewRSAvailable) return false;
  if (c.reason === Reason.TimedOut) return true;
  const from = timeMs(c.lastUpdateTime);
  return from !== undefined && from + (d.spec?.progressDeadlineSeconds ?? 0) * 1000 < nowMs;
}
