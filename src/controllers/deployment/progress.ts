/**
 * @module controllers/deployment/progress
 *
 * Writing a Deployment's status after a step (upstream's progress.go and syncDeploymentStatus):
 * the Progressing condition moves to ReplicaSetUpdated on progress, NewReplicaSetAvailable when
 * complete, ProgressDeadlineExceeded after progressDeadlineSeconds without progress; a
 * ReplicaFailure of a ReplicaSet is surfaced on the Deployment; and a Deployment still
 * progressing is synced again right after its deadline so the timeout is noticed even if nothing
 * else changes. Also the paused/resumed conditions.
 */
import { jsonEqual } from '../../api/object.js';
import { timeMs, type ReplicaSet } from '../common/types.js';
import {
  calculateStatus,
  deploymentComplete,
  deploymentProgressing,
  deploymentTimedOut,
  getCondition,
  hasProgressDeadline,
  newCondition,
  Reason,
  removeCondition,
  setCondition,
} from './conditions.js';
import type { DeploymentSync } from './sync-context.js';

export async function syncRolloutStatus(ctx: DeploymentSync, allRSs: readonly ReplicaSet[], newRS: ReplicaSet | undefined): Promise<void> {
  const d = ctx.d;
  const status = calculateStatus(allRSs, newRS, d);
  if (!hasProgressDeadline(d)) removeCondition(status, 'Progressing');
  const current = getCondition(d.status, 'Progressing');
  const complete = status.replicas === status.updatedReplicas && current?.reason === Reason.NewRSAvailable;
  if (hasProgressDeadline(d) && !complete) {
    if (deploymentComplete(d, status)) {
      const message = newRS ? `ReplicaSet "${newRS.metadata?.name}" has successfully progressed.` : 'Deployment has successfully progressed.';
      setCondition(status, newCondition('Progressing', 'True', Reason.NewRSAvailable, message));
    } else if (deploymentProgressing(d, status)) {
      const message = newRS ? `ReplicaSet "${newRS.metadata?.name}" is progressing.` : 'Deployment is progressing.';
      const condition = newCondition('Progressing', 'True', Reason.RSUpdated, message);
      // Progress refreshes lastUpdateTime (the deadline counts from it) but not lastTransitionTime.
      if (current?.status === 'True' && current.lastTransitionTime) condition.lastTransitionTime = current.lastTransitionTime;
      removeCondition(status, 'Progressing');
      setCondition(status, condition);
    } else if (deploymentTimedOut(d, status)) {
      const message = newRS ? `ReplicaSet "${newRS.metadata?.name}" has timed out progressing.` : `Deployment "${d.metadata?.name}" has timed out progressing.`;
      setCondition(status, newCondition('Progressing', 'False', Reason.TimedOut, message));
    }
  }
  const failure = replicaFailure(allRSs, newRS);
  if (failure) setCondition(status, { ...failure, type: 'ReplicaFailure' });
  else removeCondition(status, 'ReplicaFailure');

  if (jsonEqual(d.status ?? {}, status)) {
    requeueStuckDeployment(ctx);
    return;
  }
  await ctx.updateStatus(status);
}

/** Status only (scaling, paused, being deleted): upstream's syncDeploymentStatus. */
export async function syncDeploymentStatus(ctx: DeploymentSync, allRSs: readonly ReplicaSet[], newRS: ReplicaSet | undefined): Promise<void> {
  const status = calculateStatus(allRSs, newRS, ctx.d);
  if (jsonEqual(ctx.d.status ?? {}, status)) return;
  await ctx.updateStatus(status);
}

/** The new ReplicaSet's ReplicaFailure condition, else the first old one's. */
function replicaFailure(allRSs: readonly ReplicaSet[], newRS: ReplicaSet | undefined) {
  const ordered = newRS ? [newRS, ...allRSs.filter((rs) => rs !== newRS)] : allRSs;
  for (const rs of ordered) {
    const c = rs.status?.conditions?.find((x) => x.type === 'ReplicaFailure' && x.status === 'True');
    if (c) return { status: c.status, reason: c.reason ?? '', message: c.message ?? '', lastUpdateTime: c.lastTransitionTime ?? '', lastTransitionTime: c.lastTransitionTime ?? '' };
  }
  return undefined;
}

/** A rollout still progressing is looked at again just after its deadline. */
function requeueStuckDeployment(ctx: DeploymentSync): void {
  const d = ctx.d;
  const current = getCondition(d.status, 'Progressing');
  if (!hasProgressDeadline(d) || !current) return;
  if (deploymentComplete(d, d.status ?? {}) || current.reason === Reason.TimedOut) return;
  const from = timeMs(current.lastUpdateTime) ?? Date.now();
  const after = from + (d.spec?.progressDeadlineSeconds ?? 0) * 1000 - Date.now();
  ctx.deps.requeueAfter(after < 1000 ? 0 : after + 1000);
}

/** Progressing=Unknown DeploymentPaused / DeploymentResumed when spec.paused changes. */
export async function checkPausedConditions(ctx: DeploymentSync): Promise<void> {
  const d = ctx.d;
  if (!hasProgressDeadline(d)) return;
  const current = getCondition(d.status, 'Progressing');
  if (current?.reason === Reason.TimedOut) return;
  const pausedExists = current?.reason === Reason.Paused;
  const status = structuredClone(d.status ?? {});
  if (d.spec?.paused && !pausedExists) {
    setCondition(status, newCondition('Progressing', 'Unknown', Reason.Paused, 'Deployment is paused'));
  } else if (!d.spec?.paused && pausedExists) {
    setCondition(status, newCondition('Progressing', 'Unknown', Reason.Resumed, 'Deployment is resumed'));
  } else {
    return;
  }
  await ctx.updateStatus(status);
}
