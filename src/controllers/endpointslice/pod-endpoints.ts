/**
 * @module controllers/endpointslice/pod-endpoints
 *
 * What both endpoint controllers (EndpointSlice and the legacy Endpoints) read from a pod, as
 * upstream's endpoint utilities: whether it belongs in a Service's endpoints at all, whether it
 * is ready, and which number each Service port resolves to in it (a named targetPort is looked up
 * in that pod's container ports, so pods of one Service can expose different numbers).
 */
import type { Pod, Service, ServicePort } from 'kubernetes-types/core/v1.js';
import type { EndpointPort } from 'kubernetes-types/discovery/v1.js';
import { labelSelectorFromSet } from '../../api/selectors/labels.js';

export function isPodReady(pod: Pod): boolean {
  return (pod.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
}

export const isTerminating = (pod: Pod): boolean => pod.metadata?.deletionTimestamp !== undefined;

/**
 * A pod is an endpoint once it is scheduled and has an IP, until it has finished for good
 * (Succeeded, or Failed — a pod that will not restart); a terminating pod only when asked
 * (EndpointSlices keep it, flagged terminating, so proxies can drain it).
 */
export function shouldPodBeInEndpoints(pod: Pod, includeTerminating: boolean): boolean {
  if (!pod.spec?.nodeName || !pod.status?.podIP) return false;
  const phase = pod.status.phase;
  if (phase === 'Succeeded' || phase === 'Failed') return false;
  if (isTerminating(pod) && !includeTerminating) return false;
  return true;
}

/** Whether the Service selects the pod (a Service without a selector selects nothing). */
export function serviceSelectsPod(service: Service, pod: Pod): boolean {
  const selector = service.spec?.selector;
  if (!selector || Object.keys(selector).length === 0) return false;
  if (pod.metadata?.namespace !== service.metadata?.namespace) return false;
  return labelSelectorFromSet(selector).matches(pod.metadata?.labels);
}

/** The number a Service port's targetPort means in this pod, or undefined when the pod lacks it. */
export function findPort(pod: Pod, port: ServicePort): number | undefined {
  const target = port.targetPort ?? port.port;
  if (typeof target === 'number') return target;
  const asNumber = /^\d+$/.test(target) ? Number(target) : undefined;
  if (asNumber !== undefined) return asNumber;
  const protocol = port.protocol ?? 'TCP';
  for (const container of pod.spec?.containers ?? []) {
    for (const cp of container.ports ?? []) if (cp.name === target && (cp.protocol ?? 'TCP') === protocol) return cp.containerPort;
  }
  return undefined;
}

/** The Service's ports as this pod serves them; ports the pod does not have are left out. */
export function endpointPortsFor(service: Service, pod: Pod): EndpointPort[] {
  const out: EndpointPort[] = [];
  for (const port of service.spec?.ports ?? []) {
    const number = findPort(pod, port);
    if (number === undefined) continue;
    out.push({ name: port.name ?? '', port: number, protocol: port.protocol ?? 'TCP', ...(port.appProtocol && { appProtocol: port.appProtocol }) });
  }
  return out;
}

/** A stable key of a port set, to group endpoints that share one. */
export function portSetKey(ports: readonly EndpointPort[]): string {
  return JSON.stringify([...ports].map((p) => [p.name ?? '', p.port ?? 0, p.protocol ?? 'TCP', p.appProtocol ?? '']).sort());
}

/** Whether the pod's hostname is published for this Service (pod.spec.subdomain names it). */
export function shouldSetHostname(pod: Pod, service: Service): boolean {
  return !!pod.spec?.hostname && pod.spec.subdomain === service.metadata?.name && pod.metadata?.namespace === service.metadata?.namespace;
}
