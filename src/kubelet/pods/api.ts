/**
 * @module kubelet/pods/api
 *
 * What the pod workers need from the API server, and nothing more: the node's pods (list/watch
 * by spec.nodeName), the ConfigMaps, Secrets and Services a pod's environment and volumes refer
 * to, the pod status subresource, the final DELETE, and where Events go. `clientPodApi` in
 * ../client-api.ts provides it over the client library.
 */
import type { ConfigMap, Pod, Secret, Service } from 'kubernetes-types/core/v1.js';
import type { KubeObject } from '../../api/object.js';
import type { EventSink, ListerWatcher } from '../../client/index.js';

export type PodObject = Pod & KubeObject;

export interface PodApi {
  /** The pods bound to one node (fieldSelector spec.nodeName=<node>), for the informer. */
  podsOnNode(nodeName: string): ListerWatcher<PodObject>;
  getPod(namespace: string, name: string, signal: AbortSignal): Promise<PodObject | undefined>;
  /** PUT pods/status, conditional on the pod's resourceVersion (409 Conflict if stale). */
  updatePodStatus(pod: PodObject, signal: AbortSignal): Promise<PodObject>;
  /** DELETE with gracePeriodSeconds=0 and a uid precondition: the kubelet's final word on a pod. */
  deletePodNow(namespace: string, name: string, uid: string, signal: AbortSignal): Promise<void>;
  getConfigMap(namespace: string, name: string, signal: AbortSignal): Promise<ConfigMap | undefined>;
  getSecret(namespace: string, name: string, signal: AbortSignal): Promise<Secret | undefined>;
  listServices(namespace: string, signal: AbortSignal): Promise<Service[]>;
  getService(namespace: string, name: string, signal: AbortSignal): Promise<Service | undefined>;
  /** Where the node agent's Events about pods and containers are written. */
  readonly events: EventSink;
}
