/**
 * @module controllers/deployment/recreate
 *
 * The Recreate strategy (upstream's recreate.go): scale every old ReplicaSet to zero, wait until
 * none of their pods is left running (terminating pods count: they may still serve), and only
 * then create or scale up the new ReplicaSet.
 */
import type { ReplicaSet } from '../common/types.js';
import { cleanupDeployment } from './scaling.js';
import { deploymentComplete } from './conditions.js';
import { syncRolloutStatus } from './progress.js';
import { latest, oldRSsNow } from './rolling.js';
import type { DeploymentSync } from './sync-context.js';
import { activeReplicaSets, replicasOf, statusReplicaSum } from './util.js';

export async function rolloutRecreate(ctx: DeploymentSync): Promise<void> {
  let [newRS, oldRSs] = await ctx.allReplicaSetsAndSyncRevision(false);
  const all = (): ReplicaSet[] => [...oldRSsNow(ctx, oldRSs), ...(newRS ? [latest(ctx, newRS)] : [])];
  let scaledDown = false;
  for (const rs of activeReplicaSets(oldRSs)) {
    if ((await ctx.scaleReplicaSetAndRecordEvent(rs, 0))[0]) scaledDown = true;
  }
  if (scaledDown) return syncRolloutStatus(ctx, all(), newRS && latest(ctx, newRS));
  if (oldPodsRunning(ctx, newRS, oldRSsNow(ctx, oldRSs))) return syncRolloutStatus(ctx, all(), newRS && latest(ctx, newRS));
  if (!newRS) [newRS, oldRSs] = await ctx.allReplicaSetsAndSyncRevision(true);
  if (newRS) await ctx.scaleReplicaSetAndRecordEvent(latest(ctx, newRS), replicasOf(ctx.d));
  if (deploymentComplete(ctx.d, ctx.d.status ?? {})) await cleanupDeployment(ctx, oldRSsNow(ctx, oldRSs));
  return syncRolloutStatus(ctx, all(), newRS && latest(ctx, newRS));
}

function oldPodsRunning(ctx: DeploymentSync, newRS: ReplicaSet | undefined, oldRSs: readonly ReplicaSet[]): boolean {
  if (statusReplicaSum(oldRSs) > 0) return true;
  for (const [uid, pods] of ctx.podMap) {
    if (newRS && newRS.metadata?.uid === uid) continue;
    if (pods.some((p) => p.status?.phase !== 'Failed' && p.status?.phase !== 'Succeeded')) return true;
  }
  return false;
}
