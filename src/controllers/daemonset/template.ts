/**
 * @module controllers/daemonset/template
 *
 * A DaemonSet's pods and their template version. ControllerRevision is not served by tskube, so
 * the template's hash goes straight into the pods' `controller-revision-hash` label (with
 * `pod-template-generation`, as upstream also sets): DaemonSet history and `kubectl rollout undo
 * daemonset` are not supported.
 */
import { computeHash } from '../common/hash.js';
import { newControllerRef } from '../common/controller-ref.js';
import { podFromTemplate } from '../common/pod-control.js';
import { CONTROLLER_REVISION_HASH_LABEL, type DaemonSet, type Pod } from '../common/types.js';
import { addDaemonPodTolerations, pinToNode } from './placement.js';

export const DAEMONSET_KIND = { apiVersion: 'apps/v1', kind: 'DaemonSet' } as const;
export const TEMPLATE_GENERATION_LABEL = 'pod-template-generation';

export function templateHash(ds: DaemonSet): string {
  return computeHash(ds.spec?.template, ds.status?.collisionCount);
}

/** Whether the pod runs the current template (upstream's IsPodUpdated). */
export function isPodUpdated(pod: Pod, hash: string, generation: number | undefined): boolean {
  const labels = pod.metadata?.labels ?? {};
  const generationMatches = generation !== undefined && labels[TEMPLATE_GENERATION_LABEL] === String(generation);
  return labels[CONTROLLER_REVISION_HASH_LABEL] === hash || generationMatches;
}

/** The daemon pod for one node: the template, labelled with its version, tolerations, pinned to the node. */
export function daemonPodFor(ds: DaemonSet, nodeName: string, hash: string): Pod {
  const pod = podFromTemplate(ds.spec?.template, ds, newControllerRef(ds, DAEMONSET_KIND));
  pod.metadata!.labels = {
    ...pod.metadata!.labels,
    [CONTROLLER_REVISION_HASH_LABEL]: hash,
    ...(ds.metadata?.generation !== undefined && { [TEMPLATE_GENERATION_LABEL]: String(ds.metadata.generation) }),
  };
  const spec = pod.spec!;
  addDaemonPodTolerations(spec);
  spec.affinity = pinToNode(spec.affinity, nodeName);
  return pod;
}
