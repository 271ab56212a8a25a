/**
 * @module controllers/deployment/scaling
 *
 * Scaling a Deployment that is not rolling out (upstream's sync/scale): when spec.replicas
 * changes mid-rollout, the difference is shared among the active ReplicaSets in proportion to
 * their size (proportional scaling), using each one's max-replicas annotation as the size it was
 * scaled for; the rounding leftover goes to the largest one. Also the revision-history cleanup.
 */
import { isConflict, isNotFound } from '../../client/index.js';
import type { Deployment, ReplicaSet } from '../common/types.js';
import type { DeploymentSync } from './sync-context.js';
import {
  activeReplicaSets,
  byCreation,
  byRevision,
  bySizeNewer,
  bySizeOlder,
  desiredReplicasAnnotation,
  isRollingUpdate,
  maxReplicasAnnotation,
  maxSurge,
  replicasOf,
  specReplicaSum,
} from './util.js';

/** Whether some active ReplicaSet was sized for another spec.replicas (upstream's isScalingEvent). */
export async function isScalingEvent(ctx: DeploymentSync): Promise<boolean> {
  const [newRS, oldRSs] = await ctx.allReplicaSetsAndSyncRevision(false);
  const desired = replicasOf(ctx.d);
  return activeReplicaSets([newRS, ...oldRSs]).some((rs) => {
    const annotated = desiredReplicasAnnotation(rs);
    return annotated !== undefined && annotated !== desired;
  });
}

/** The only active ReplicaSet (or the newest when none is active), if there is at most one. */
function findActiveOrLatest(newRS: ReplicaSet | undefined, oldRSs: readonly ReplicaSet[]): ReplicaSet | undefined {
  if (!newRS && oldRSs.length === 0) return undefined;
  const newestFirst = [...oldRSs].sort(byCreation).reverse();
  const active = activeReplicaSets([...newestFirst, newRS]);
  if (active.length === 0) return newRS ?? newestFirst[0];
  if (active.length === 1) return active[0];
  return undefined;
}

/** The new ReplicaSet is fully scaled and available: the old ones can go to zero. */
function isSaturated(d: Deployment, rs: ReplicaSet | undefined): boolean {
  if (!rs) return false;
  const replicas = replicasOf(d);
  return desiredReplicasAnnotation(rs) === replicas && (rs.status?.availableReplicas ?? 0) === replicas && replicasOf(rs) === replicas;
}

function replicaSetFraction(rs: ReplicaSet, d: Deployment): number {
  if (replicasOf(d) === 0) return -replicasOf(rs);
  const deploymentReplicas = replicasOf(d) + maxSurge(d);
  const annotated = maxReplicasAnnotation(rs) ?? d.status?.replicas ?? 0;
  if (annotated === 0) return 0;
  return Math.round((replicasOf(rs) * deploymentReplicas) / annotated) - replicasOf(rs);
}

function proportion(rs: ReplicaSet, d: Deployment, toAdd: number, added: number): number {
  if (replicasOf(rs) === 0 || toAdd === 0 || toAdd === added) return 0;
  const fraction = replicaSetFraction(rs, d);
  const allowed = toAdd - added;
  return toAdd > 0 ? Math.min(fraction, allowed) : Math.max(fraction, allowed);
}

/** Upstream's scale(): brings the ReplicaSets to the deployment's size. */
export async function scale(ctx: DeploymentSync, newRS: ReplicaSet | undefined, oldRSs: readonly ReplicaSet[]): Promise<void> {
  const d = ctx.d;
  const only = findActiveOrLatest(newRS, oldRSs);
  if (only) {
    if (replicasOf(only) !== replicasOf(d)) await ctx.scaleReplicaSetAndRecordEvent(only, replicasOf(d));
    return;
  }
  if (isSaturated(d, newRS)) {
    for (const old of activeReplicaSets(oldRSs)) await ctx.scaleReplicaSetAndRecordEvent(old, 0);
    return;
  }
  if (!isRollingUpdate(d)) return;
  const all = activeReplicaSets([...oldRSs, newRS]);
  const allowedSize = replicasOf(d) > 0 ? replicasOf(d) + maxSurge(d) : 0;
  const toAdd = allowedSize - specReplicaSum(all);
  if (toAdd > 0) all.sort(bySizeNewer);
  else if (toAdd < 0) all.sort(bySizeOlder);
  let added = 0;
  const sizes = new Map<ReplicaSet, number>();
  for (const rs of all) {
    if (toAdd === 0) {
      sizes.set(rs, replicasOf(rs));
      continue;
    }
    const p = proportion(rs, d, toAdd, added);
    sizes.set(rs, replicasOf(rs) + p);
    added += p;
  }
  for (const [i, rs] of all.entries()) {
    let size = sizes.get(rs)!;
    if (i === 0 && toAdd !== 0) size = Math.max(0, size + toAdd - added);
    await ctx.scaleReplicaSet(rs, size, toAdd > 0 ? 'up' : 'down');
  }
}

/** Deletes the oldest fully scaled-down ReplicaSets beyond revisionHistoryLimit. */
export async function cleanupDeployment(ctx: DeploymentSync, oldRSs: readonly ReplicaSet[]): Promise<void> {
  const limit = ctx.d.spec?.revisionHistoryLimit;
  if (limit === undefined) return;
  const cleanable = oldRSs.filter((rs) => !rs.metadata?.deletionTimestamp);
  const diff = cleanable.length - limit;
  if (diff <= 0) return;
  const victims = [...cleanable].sort(byRevision).slice(0, diff);
  const resource = ctx.deps.client.resource<ReplicaSet>('apps', 'v1', 'replicasets');
  for (const rs of victims) {
    // Only ReplicaSets with no pods left, whose controller has seen their latest spec.
    if ((rs.status?.replicas ?? 0) !== 0 || replicasOf(rs) !== 0 || (rs.metadata?.generation ?? 0) > (rs.status?.observedGeneration ?? 0)) continue;
    try {
      await resource.delete(rs.metadata!.name!, { namespace: rs.metadata!.namespace!, ...(rs.metadata?.uid && { preconditions: { uid: rs.metadata.uid } }), signal: ctx.deps.signal });
    } catch (err) {
      if (!isNotFound(err) && !isConflict(err)) throw err;
    }
  }
}
