/**
 * @module controllers/endpointslice/informers
 *
 * What both endpoint controllers share about their watches (Services, pods and nodes, from the
 * controller-manager's InformerFactory): the object types, the mapping from a pod change to
 * the Services that select the pod (before or after the change), and the handlers that queue
 * Service keys from both.
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

/**
 * Queues the key of every Service that is added, updated or deleted, and of every Service that
 * selects a pod (before or after the change) whose endpoints may have changed: what both endpoint
 * controllers sync on.
 */
export function enqueueServicesOnChange(services: SharedInformer<ServiceObject>, pods: SharedInformer<PodObject>, enqueue: (serviceKey: string) => void): void {
  const enqueueService = (svc: ServiceObject) => enqueue(metaNamespaceKey(svc));
  services.addEventHandler({ onAdd: enqueueService, onUpdate: (_old, svc) => enqueueService(svc), onDelete: (svc) => enqueueService(unwrap(svc)) });
  const enqueueAll = (keys: readonly string[]) => keys.forEach(enqueue);
  pods.addEventHandler({
    onAdd: (pod) => enqueueAll(servicesSelecting(services, pod)),
    onUpdate: (old, pod) => {
      if (podEndpointStateChanged(old, pod)) enqueueAll(servicesSelecting(services, old, pod));
    },
    onDelete: (pod) => enqueueAll(servicesSelecting(services, unwrap(pod))),
  });
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
