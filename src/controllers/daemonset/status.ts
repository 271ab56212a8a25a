/**
 * @module controllers/daemonset/status
 *
 * A DaemonSet's status (upstream's updateDaemonSetStatus): per node that should run it,
 * desiredNumberScheduled, and if it has a daemon pod (the oldest counts) currentNumberScheduled,
 * numberReady, numberAvailable, updatedNumberScheduled; a daemon pod on a node that should not
 * run one is misscheduled.
 */
import type { DaemonSetStatus } from 'kubernetes-types/apps/v1.js';
import { isPodAvailable, isPodReady } from '../common/pod-state.js';
import { timeMs, type DaemonSet, type Node, type Pod } from '../common/types.js';
import { nodeShouldRunDaemonPod } from './placement.js';
import { isPodUpdated } from './template.js';

export function calculateStatus(ds: DaemonSet, nodes: readonly Node[], nodeToPods: ReadonlyMap<string, readonly Pod[]>, hash: string, nowMs = Date.now()): DaemonSetStatus {
  let desired = 0;
  let current = 0;
  let misscheduled = 0;
  let ready = 0;
  let available = 0;
  let updated = 0;
  const minReady = ds.spec?.minReadySeconds ?? 0;
  for (const node of nodes) {
    const pods = (nodeToPods.get(node.metadata?.name ?? '') ?? []).filter((p) => !p.metadata?.deletionTimestamp);
    const scheduled = pods.length > 0;
    if (!nodeShouldRunDaemonPod(node, ds).shouldRun) {
      if (scheduled) misscheduled++;
      continue;
    }
    desired++;
    if (!scheduled) continue;
    current++;
    const oldest = [...pods].sort((a, b) => (timeMs(a.metadata?.creationTimestamp) ?? 0) - (timeMs(b.metadata?.creationTimestamp) ?? 0))[0]!;
    if (isPodReady(oldest)) {
      ready++;
      if (isPodAvailable(oldest, minReady, nowMs)) available++;
    }
    if (isPodUpdated(oldest, hash, ds.metadata?.generation)) updated++;
  }
  return {
    currentNumberScheduled: current,
    numberMisscheduled: misscheduled,
    desiredNumberScheduled: desired,
    numberReady: ready,
    ...(ds.metadata?.generation !== undefined && { observedGeneration: ds.metadata.generation }),
    updatedNumberScheduled: updated,
    numberAvailable: available,
    numberUnavailable: desired - available,
    ...(ds.status?.collisionCount !== undefined && { collisionCount: ds.status.collisionCount }),
    ...(ds.status?.conditions && { conditions: ds.status.conditions }),
  };
}
