/**
 * @module controllers/common/pod-control
 *
 * Creating and deleting a controller's pods (upstream's RealPodControl): a pod is made from the
 * owner's template with `generateName: <owner>-`, the template's labels, annotations and
 * finalizers, and the owner's controllerRef; every success and failure is an Event on the owner
 * in upstream's words ("Created pod: web-x7k2p", "Error creating: ...", "Deleted pod: ...").
 */
import type { PodTemplateSpec } from 'kubernetes-types/core/v1.js';
import type { OwnerReference } from 'kubernetes-types/meta/v1.js';
import { deepCopy, type KubeObject } from '../../api/object.js';
import { isConflict, isNotFound, type EventRecorder, type RestClient } from '../../client/index.js';
import type { Pod } from './types.js';

/** Thrown when a template would make a pod no controller could own (no labels). */
export class InvalidPodTemplateError extends Error {
  override readonly name = 'InvalidPodTemplateError';
}

/** The pod a template makes for `owner` (before the API server's defaults). */
export function podFromTemplate(template: PodTemplateSpec | undefined, owner: KubeObject, controllerRef: OwnerReference): Pod {
  const t = deepCopy(template ?? {});
  const labels = { ...(t.metadata?.labels ?? {}) };
  if (Object.keys(labels).length === 0) throw new InvalidPodTemplateError('unable to create pods, no labels');
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      generateName: `${owner.metadata?.name ?? ''}-`,
      namespace: owner.metadata?.namespace ?? 'default',
      labels,
      ...(t.metadata?.annotations && { annotations: { ...t.metadata.annotations } }),
      ...(t.metadata?.finalizers && { finalizers: [...t.metadata.finalizers] }),
      ownerReferences: [controllerRef],
    },
    spec: t.spec ?? { containers: [] },
  };
}

export class PodControl {
  constructor(
    private readonly client: RestClient,
    private readonly recorder: EventRecorder,
  ) {}

  private get pods() {
    return this.client.resource<Pod>('', 'v1', 'pods');
  }

  /** Creates the pod and records SuccessfulCreate / FailedCreate on the owner. */
  async createPod(pod: Pod, owner: KubeObject, signal?: AbortSignal): Promise<Pod> {
    try {
      const created = await this.pods.create(pod, { namespace: pod.metadata!.namespace!, ...(signal && { signal }) });
      void this.recorder.event(owner, 'Normal', 'SuccessfulCreate', `Created pod: ${created.metadata?.name}`, { signal });
      return created;
    } catch (err) {
      void this.recorder.event(owner, 'Warning', 'FailedCreate', `Error creating: ${err instanceof Error ? err.message : String(err)}`, { signal });
      throw err;
    }
  }

  /**
   * Deletes the pod (only this very pod: uid precondition) and records SuccessfulDelete /
   * FailedDelete; a pod already gone counts as deleted and returns false.
   */
  async deletePod(pod: Pod, owner: KubeObject, signal?: AbortSignal): Promise<boolean> {
    const name = pod.metadata!.name!;
    try {
      await this.pods.delete(name, {
        namespace: pod.metadata!.namespace!,
        ...(pod.metadata?.uid && { preconditions: { uid: pod.metadata.uid } }),
        ...(signal && { signal }),
      });
      void this.recorder.event(owner, 'Normal', 'SuccessfulDelete', `Deleted pod: ${name}`, { signal });
      return true;
    } catch (err) {
      // Gone, or replaced by a new pod of the same name (uid precondition failed): not ours to delete.
      if (isNotFound(err) || isConflict(err)) return false;
      void this.recorder.event(owner, 'Warning', 'FailedDelete', `Error deleting: ${err instanceof Error ? err.message : String(err)}`, { signal });
      throw err;
    }
  }
}
