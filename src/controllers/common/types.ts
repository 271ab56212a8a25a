/**
 * @module controllers/common/types
 *
 * The object types the workload controllers read and write: kubernetes-types' shapes with the
 * generic metadata view every tskube cache and client uses.
 */
import type { DaemonSet as DaemonSetType, Deployment as DeploymentType, ReplicaSet as ReplicaSetType } from 'kubernetes-types/apps/v1.js';
import type { Node as NodeType, Pod as PodType } from 'kubernetes-types/core/v1.js';
import type { KubeObject } from '../../api/object.js';

export type Pod = PodType & KubeObject;
export type Node = NodeType & KubeObject;
export type ReplicaSet = ReplicaSetType & KubeObject;
export type Deployment = DeploymentType & KubeObject;
export type DaemonSet = DaemonSetType & KubeObject;

/** The label that ties a ReplicaSet and its pods to one Deployment template. */
export const POD_TEMPLATE_HASH_LABEL = 'pod-template-hash';
/** The label that ties a DaemonSet's pods to one template (upstream's ControllerRevision hash). */
export const CONTROLLER_REVISION_HASH_LABEL = 'controller-revision-hash';

export { metaTime } from '../../api/time.js';

/** Milliseconds since the epoch of a metav1.Time, or undefined. */
export function timeMs(t: string | undefined): number | undefined {
  if (!t) return undefined;
  const ms = Date.parse(t);
  return Number.isNaN(ms) ? undefined : ms;
}
