/**
 * @module controllers/nodelifecycle/taint-eviction
 *
 * When a pod on a NoExecute-tainted node must go, as upstream's taint eviction controller: at
 * once if it does not tolerate every NoExecute taint; after the shortest tolerationSeconds of
 * the tolerations that match, counted from when the taint was added; never if they all tolerate
 * forever. The DefaultTolerationSeconds admission gives every pod 300 s for the not-ready and
 * unreachable taints.
 */
import type { Taint, Toleration } from 'kubernetes-types/core/v1.js';
import { tolerates } from '../../api/tolerations.js';

export { tolerates };

/**
 * Epoch milliseconds at which the pod must be evicted; `undefined` when never (no NoExecute
 * taint, or every one tolerated forever); `0` when at once.
 */
export function evictionTime(taints: readonly Taint[] | undefined, tolerations: readonly Toleration[] | undefined): number | undefined {
  let deadline: number | undefined;
  for (const taint of taints ?? []) {
    if (taint.effect !== 'NoExecute') continue;
    const matching = (tolerations ?? []).filter((t) => tolerates(t, taint));
    if (matching.length === 0) return 0;
    // Tolerations without tolerationSeconds tolerate forever; the shortest bounded one decides.
    const seconds = matching.map((t) => t.tolerationSeconds).filter((s): s is number => typeof s === 'number');
    if (seconds.length === 0) continue;
    const shortest = Math.max(0, Math.min(...seconds));
    const added = taint.timeAdded ? Date.parse(taint.timeAdded) : Date.now();
    const at = added + shortest * 1000;
    deadline = deadline === undefined ? at : Math.min(deadline, at);
  }
  return deadline;
}
