/**
 * @module controllers/daemonset/rolling-update
 *
 * The DaemonSet RollingUpdate strategy without surge (upstream's rollingUpdate, maxSurge 0):
 * old pods are deleted node by node, at most maxUnavailable (of desiredNumberScheduled, rounded
 * up; 1 if it comes out 0) unavailable at a time; an old pod that is not available anyway may
 * go at once. The manage step then creates the new pod on each emptied node.
 */
import { scaledValue } from '../common/int-or-percent.js';
import { isPodAvailable } from '../common/pod-state.js';
import type { DaemonSet, Pod } from '../common/types.js';
import { isPodUpdated } from './template.js';

/** [new pod, old pod] on one node, or undefined when it has more than one of either. */
function updatedAndOld(pods: readonly Pod[], hash: string, generation: number | undefined): [Pod | undefined, Pod | undefined] | undefined {
  let updated: Pod | undefined;
  let old: Pod | undefined;
  for (const pod of pods) {
    if (pod.metadata?.deletionTimestamp) continue;
    if (isPodUpdated(pod, hash, generation)) {
      if (updated) return undefined;
      updated = pod;
    } else {
      if (old) return undefined;
      old = pod;
    }
  }
  return [updated, old];
}

/** The old pods to delete now. */
export function rollingUpdateVictims(ds: DaemonSet, nodeToPods: ReadonlyMap<string, readonly Pod[]>, desired: number, hash: string, nowMs = Date.now()): Pod[] {
  const minReady = ds.spec?.minReadySeconds ?? 0;
  const ru = ds.spec?.updateStrategy?.rollingUpdate;
  let maxUnavailable = scaledValue(ru?.maxUnavailable ?? 1, desired, true);
  if (maxUnavailable === 0 && scaledValue(ru?.maxSurge ?? 0, desired, true) === 0) maxUnavailable = 1;
  const generation = ds.metadata?.generation;
  let unavailable = 0;
  const allowed: Pod[] = [];
  const candidates: Pod[] = [];
  for (const pods of nodeToPods.values()) {
    const found = updatedAndOld(pods, hash, generation);
    if (!found) {
      unavailable++;
      continue;
    }
    const [updated, old] = found;
    if ((!updated && !old) || (updated && old)) {
      // The manage step creates or deletes there: count it as unavailable meanwhile.
      unavailable++;
    } else if (updated) {
      if (!isPodAvailable(updated, minReady, nowMs)) unavailable++;
    } else if (old) {
      if (!isPodAvailable(old, minReady, nowMs)) {
        allowed.push(old);
        unavailable++;
      } else if (unavailable < maxUnavailable) {
        candidates.push(old);
      }
    }
  }
  const remaining = Math.min(Math.max(0, maxUnavailable - unavailable), candidates.length);
  return [...allowed, ...candidates.slice(0, remaining)];
}
