/**
 * @module controllers/deployment/rolling
 *
 * The RollingUpdate strategy (upstream's rolling.go). Each sync makes one move and writes status:
 *   - scale the new ReplicaSet up as far as maxSurge allows (total ≤ replicas + maxSurge);
 *   - else scale old ReplicaSets down as far as maxUnavailable allows: first their unhealthy
 *     (unavailable) pods, then available ones while availability stays ≥ replicas − maxUnavailable.
 * New pods that never become available therefore stall the rollout with the old pods serving.
 */
import type { ReplicaSet } from '../common/types.js';
import { cleanupDeployment } from './scaling.js';
import { deploymentComplete } from './conditions.js';
import { syncRolloutStatus } from './progress.js';
import { newRSReplicas, type DeploymentSync } from './sync-context.js';
import { activeReplicaSets, availableSum, byCreation, maxUnavailable, replicasOf, specReplicaSum } from './util.js';

export async function rolloutRolling(ctx: DeploymentSync): Promise<void> {
  const [newRS, oldRSs] = await ctx.allReplicaSetsAndSyncRevision(true);
  const current = (): ReplicaSet[] => [...oldRSsNow(ctx, oldRSs), ...(newRS ? [latest(ctx, newRS)] : [])];
  if (newRS && (await reconcileNewReplicaSet(ctx, current(), latest(ctx, newRS)))) {
    return syncRolloutStatus(ctx, current(), latest(ctx, newRS));
  }
  if (newRS && (await reconcileOldReplicaSets(ctx, current(), activeReplicaSets(oldRSsNow(ctx, oldRSs)), latest(ctx, newRS)))) {
    return syncRolloutStatus(ctx, current(), latest(ctx, newRS));
  }
  if (deploymentComplete(ctx.d, ctx.d.status ?? {})) await cleanupDeployment(ctx, oldRSsNow(ctx, oldRSs));
  return syncRolloutStatus(ctx, current(), newRS ? latest(ctx, newRS) : undefined);
}

/** The ReplicaSet as last written in this sync. */
export function latest(ctx: DeploymentSync, rs: ReplicaSet): ReplicaSet {
  return ctx.rsList.find((r) => r.metadata?.uid === rs.metadata?.uid) ?? rs;
}

export function oldRSsNow(ctx: DeploymentSync, oldRSs: readonly ReplicaSet[]): ReplicaSet[] {
  return oldRSs.map((rs) => latest(ctx, rs));
}

async function reconcileNewReplicaSet(ctx: DeploymentSync, allRSs: readonly ReplicaSet[], newRS: ReplicaSet): Promise<boolean> {
  const replicas = replicasOf(ctx.d);
  if (replicasOf(newRS) === replicas) return false;
  if (replicasOf(newRS) > replicas) return (await ctx.scaleReplicaSetAndRecordEvent(newRS, replicas))[0];
  return (await ctx.scaleReplicaSetAndRecordEvent(newRS, newRSReplicas(ctx.d, allRSs, newRS)))[0];
}

async function reconcileOldReplicaSets(ctx: DeploymentSync, allRSs: readonly ReplicaSet[], oldRSs: ReplicaSet[], newRS: ReplicaSet): Promise<boolean> {
  if (specReplicaSum(oldRSs) === 0) return false;
  const minAvailable = replicasOf(ctx.d) - maxUnavailable(ctx.d);
  const newUnavailable = replicasOf(newRS) - (newRS.status?.availableReplicas ?? 0);
  const maxScaledDown = specReplicaSum(allRSs) - minAvailable - newUnavailable;
  if (maxScaledDown <= 0) return false;
  // Unavailable old pods first: removing them costs no availability.
  const [cleaned, afterCleanup] = await cleanupUnhealthyReplicas(ctx, oldRSs, maxScaledDown);
  const scaledDown = await scaleDownOldReplicaSets(ctx, [...afterCleanup, newRS], afterCleanup);
  return cleaned + scaledDown > 0;
}

async function cleanupUnhealthyReplicas(ctx: DeploymentSync, oldRSs: readonly ReplicaSet[], maxCleanup: number): Promise<[number, ReplicaSet[]]> {
  const sorted = [...oldRSs].sort(byCreation);
  let total = 0;
  const result: ReplicaSet[] = [];
  for (const rs of sorted) {
    let current = rs;
    const unhealthy = replicasOf(rs) - (rs.status?.availableReplicas ?? 0);
    if (total < maxCleanup && replicasOf(rs) !== 0 && unhealthy > 0) {
      const count = Math.min(maxCleanup - total, unhealthy);
      [, current] = await ctx.scaleReplicaSetAndRecordEvent(rs, replicasOf(rs) - count);
      total += count;
    }
    result.push(current);
  }
  return [total, result];
}

async function scaleDownOldReplicaSets(ctx: DeploymentSync, allRSs: readonly ReplicaSet[], oldRSs: readonly ReplicaSet[]): Promise<number> {
  const minAvailable = replicasOf(ctx.d) - maxUnavailable(ctx.d);
  const available = availableSum(allRSs);
  if (available <= minAvailable) return 0;
  const target = available - minAvailable;
  let total = 0;
  for (const rs of [...oldRSs].sort(byCreation)) {
    if (total >= target) break;
    if (replicasOf(rs) === 0) continue;
    const count = Math.min(replicasOf(rs), target - total);
    await ctx.scaleReplicaSetAndRecordEvent(rs, replicasOf(rs) - count);
    total += count;
  }
  return total;
}
