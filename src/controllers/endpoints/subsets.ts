/**
 * @module controllers/endpoints/subsets
 *
 * The legacy v1 Endpoints of a Service, computed from its pods (upstream's endpoints
 * controller): one address per pod (ready ones in `addresses`, the rest in
 * `notReadyAddresses`), grouped into subsets by the ports they serve, sorted so the object is
 * the same for the same pods; at most 1000 addresses, marked with
 * `endpoints.kubernetes.io/over-capacity: truncated` when cut.
 */
import type { EndpointAddress, EndpointPort, EndpointSubset, Pod, Service } from 'kubernetes-types/core/v1.js';
import { endpointPortsFor, isPodReady, portSetKey, shouldPodBeInEndpoints, shouldSetHostname } from '../endpointslice/pod-endpoints.js';

export const MAX_ENDPOINT_ADDRESSES = 1000;
export const ANNOTATION_OVER_CAPACITY = 'endpoints.kubernetes.io/over-capacity';

export interface DesiredEndpoints {
  readonly subsets: EndpointSubset[];
  readonly truncated: boolean;
}

export function endpointsFor(service: Service, pods: readonly Pod[]): DesiredEndpoints {
  const publishNotReady = service.spec?.publishNotReadyAddresses === true;
  const groups = new Map<string, { ports: EndpointPort[]; ready: EndpointAddress[]; notReady: EndpointAddress[] }>();
  for (const pod of pods) {
    // Terminating pods are only published when not-ready addresses are.
    if (!shouldPodBeInEndpoints(pod, publishNotReady)) continue;
    const ports = endpointPortsFor(service, pod).map((p) => ({ name: p.name || undefined, port: p.port!, protocol: p.protocol, appProtocol: p.appProtocol }));
    // Upstream leaves a pod out of the Endpoints when the Service has ports and it serves none.
    if (ports.length === 0 && (service.spec?.ports ?? []).length > 0) continue;
    const address: EndpointAddress = {
      ip: pod.status!.podIP!,
      ...(shouldSetHostname(pod, service) && { hostname: pod.spec!.hostname! }),
      nodeName: pod.spec!.nodeName!,
      targetRef: { kind: 'Pod', namespace: pod.metadata!.namespace!, name: pod.metadata!.name!, uid: pod.metadata!.uid! },
    };
    const clean = ports.map((p) => JSON.parse(JSON.stringify(p)) as EndpointPort);
    const key = portSetKey(clean.map((p) => ({ ...p, name: p.name ?? '' })));
    const group = groups.get(key) ?? { ports: clean, ready: [], notReady: [] };
    groups.set(key, group);
    (publishNotReady || isPodReady(pod) ? group.ready : group.notReady).push(address);
  }
  const byIP = (a: EndpointAddress, b: EndpointAddress) => a.ip.localeCompare(b.ip) || (a.targetRef?.uid ?? '').localeCompare(b.targetRef?.uid ?? '');
  const subsets: EndpointSubset[] = [...groups.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([, g]) => ({
      ...(g.ready.length > 0 && { addresses: g.ready.sort(byIP) }),
      ...(g.notReady.length > 0 && { notReadyAddresses: g.notReady.sort(byIP) }),
      ...(g.ports.length > 0 && { ports: [...g.ports].sort((a, b) => (a.name ?? '').localeCompare(b.name ?? '') || a.port - b.port) }),
    }));
  return truncate(subsets);
}

/**
 * Keeps at most MAX_ENDPOINT_ADDRESSES addresses, ready ones first. Simplification: upstream
 * shares the cut among subsets in proportion to their size; tskube keeps subsets in order.
 */
function truncate(subsets: EndpointSubset[]): DesiredEndpoints {
  const total = subsets.reduce((n, s) => n + (s.addresses?.length ?? 0) + (s.notReadyAddresses?.length ?? 0), 0);
  if (total <= MAX_ENDPOINT_ADDRESSES) return { subsets, truncated: false };
  let room = MAX_ENDPOINT_ADDRESSES;
  const ready = subsets.map((s) => {
    const kept = (s.addresses ?? []).slice(0, room);
    room -= kept.length;
    return kept;
  });
  const out: EndpointSubset[] = [];
  subsets.forEach((s, i) => {
    const notReady = (s.notReadyAddresses ?? []).slice(0, room);
    room -= notReady.length;
    const addresses = ready[i]!;
    if (addresses.length === 0 && notReady.length === 0) return;
    out.push({ ...(addresses.length > 0 && { addresses }), ...(notReady.length > 0 && { notReadyAddresses: notReady }), ...(s.ports && { ports: s.ports }) });
  });
  return { subsets: out, truncated: true };
}
