/**
 * @module controllers/endpointslice/informers
 *
 * What both endpoint controllers share about their watches (Services, pods and nodes, from the
 * controller-manager's InformerFactory): the object types, and the mapping from a pod change to
 * the Services that select the pod (before or after the change).
 */
import type { Node, Pod, Service } from 'kubernetes-types/core/v1.js';
import type { KubeObject } from '../../api/object.js';
import { DeletedFinalStateUnknown, metaNamespaceKey, NAMESPACE_INDEX, type SharedInformer } from '../../client/index.js';
import { serviceSelectsPod } from './pod-endpoints.js';

export type ServiceObject = Service & KubeObject;
export type PodObject = Pod & KubeObject;
export type NodeObject = Node & KubeObject;

export const unwrap = <T>(obj: T | DeletedFinalStateUnknown<T>): T => (obj instanceof DeletedFinalStateUnknown ? obj.obj : obj);

/** The keys of the Services (in the pod's namespace) that select any of the given pods. */
export function servicesSelecting(services: SharedInformer<ServiceObject>, ...pods: PodObject[]): string[] {
  const namespace = pods[0]?.metadata?.namespace ?? '';
  const keys = new Set<string>();
  for (const svc of services.indexer.byIndex(NAMESPACE_INDEX, namespace)) {
    if (pods.some((pod) => serviceSelectsPod(svc, pod))) keys.add(metaNamespaceKey(svc));
  }
  return [...keys];
}

/** Whether a pod change can change any endpoint: labels, IP, readiness, node, phase, deletion, ports. */
export function podEndpointStateChanged(old: PodObject, pod: PodObject): boolean {
  const view = (p: PodObject) =>
    JSON.stringify([
      p.metadata?.labels,
      p.metadata?.deletionTimestamp,
      p.spec?.nodeName,
      p.spec?.hostname,
      p.spec?.subdomain,
      p.spec?.containers?.map((c) => c.ports),
      p.status?.podIP,
      p.status?.phase,
      p.status?.conditions?.find((c) => c.type === 'Ready')?.status,
    ]);
  return view(old) !== view(pod);
}
