/**
 * @module controllers/endpointslice/reconciler
 *
 * The EndpointSlice controller's decision, as a pure function: from a Service, the pods it
 * selects, the nodes (for zones) and the slices that exist, which slices to create, update and
 * delete. Upstream's reconciler rules, kept:
 *
 * - endpoints are grouped by the ports they serve (a named targetPort can resolve differently per
 *   pod), one or more slices per port set, at most `maxEndpointsPerSlice` endpoints each;
 * - minimal churn: an endpoint stays in the slice that holds it (updated in place if its
 *   conditions changed), new endpoints fill existing slices before a new slice is made, a slice
 *   is written only when its content or metadata changes;
 * - a Service with no endpoints keeps one empty placeholder slice, so readers can tell "no
 *   endpoints" from "not reconciled yet".
 */
import type { Node, Pod, Service } from 'kubernetes-types/core/v1.js';
import type { Endpoint, EndpointPort, EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import { applyHints, hintModeOf, LABEL_TOPOLOGY_ZONE } from './hints.js';
import { endpointPortsFor, isPodReady, isTerminating, portSetKey, shouldPodBeInEndpoints, shouldSetHostname } from './pod-endpoints.js';

export const LABEL_SERVICE_NAME = 'kubernetes.io/service-name';
export const LABEL_MANAGED_BY = 'endpointslice.kubernetes.io/managed-by';
export const CONTROLLER_NAME = 'endpointslice-controller.k8s.io';
export const LABEL_HEADLESS = 'service.kubernetes.io/headless';
export const DEFAULT_MAX_ENDPOINTS_PER_SLICE = 100;

export interface ReconcileInput {
  readonly service: Service;
  /** Pods the Service selects (any state: the reconciler filters). */
  readonly pods: readonly Pod[];
  readonly nodes: ReadonlyMap<string, Node>;
  /** The slices this controller manages for the Service. */
  readonly existing: readonly EndpointSlice[];
  readonly maxEndpointsPerSlice: number;
}

export interface SlicePlan {
  readonly create: EndpointSlice[];
  readonly update: EndpointSlice[];
  readonly delete: EndpointSlice[];
}

const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);
const endpointKey = (ep: Endpoint): string => ep.targetRef?.uid ?? ep.addresses[0] ?? '';

/** The endpoint of one pod for one Service (upstream's podToEndpoint). */
export function podToEndpoint(pod: Pod, service: Service, node: Node | undefined): Endpoint {
  const publishNotReady = service.spec?.publishNotReadyAddresses === true;
  const serving = publishNotReady || isPodReady(pod);
  const terminating = isTerminating(pod);
  // Never "ready" while terminating, unless the Service publishes not-ready addresses.
  const ready = publishNotReady || (serving && !terminating);
  const zone = node?.metadata?.labels?.[LABEL_TOPOLOGY_ZONE];
  return {
    addresses: [pod.status!.podIP!],
    conditions: { ready, serving, terminating },
    ...(shouldSetHostname(pod, service) && { hostname: pod.spec!.hostname! }),
    targetRef: { kind: 'Pod', namespace: pod.metadata!.namespace!, name: pod.metadata!.name!, uid: pod.metadata!.uid! },
    nodeName: pod.spec!.nodeName!,
    ...(zone && { zone }),
  };
}

/** The labels every slice of the Service carries: the Service's own, plus the controller's. */
export function sliceLabels(service: Service): Record<string, string> {
  const labels: Record<string, string> = { ...service.metadata?.labels };
  delete labels[LABEL_HEADLESS];
  labels[LABEL_SERVICE_NAME] = service.metadata!.name!;
  labels[LABEL_MANAGED_BY] = CONTROLLER_NAME;
  if (service.spec?.clusterIP === 'None') labels[LABEL_HEADLESS] = '';
  return labels;
}

function ownerReference(service: Service) {
  return { apiVersion: 'v1', kind: 'Service', name: service.metadata!.name!, uid: service.metadata!.uid!, controller: true, blockOwnerDeletion: true };
}

function newSlice(service: Service, ports: EndpointPort[], endpoints: Endpoint[]): EndpointSlice {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: {
      generateName: `${service.metadata!.name!}-`,
      namespace: service.metadata!.namespace!,
      labels: sliceLabels(service),
      ownerReferences: [ownerReference(service)],
    },
    addressType: 'IPv4',
    endpoints,
    ports,
  };
}

/** The slice with the Service's metadata, or undefined when it already has it. */
function withMetadata(slice: EndpointSlice, service: Service): EndpointSlice {
  const labels = sliceLabels(service);
  const owners = [ownerReference(service)];
  if (same(slice.metadata?.labels, labels) && same(slice.metadata?.ownerReferences, owners)) return slice;
  return { ...slice, metadata: { ...slice.metadata, labels, ownerReferences: owners } };
}

export function reconcileSlices(input: ReconcileInput): SlicePlan {
  const { service, maxEndpointsPerSlice: max } = input;
  const plan: SlicePlan = { create: [], update: [], delete: [] };

  // Desired endpoints, grouped by the port set they serve.
  const groups = new Map<string, { ports: EndpointPort[]; endpoints: Map<string, Endpoint> }>();
  const all: Endpoint[] = [];
  const pods = [...input.pods].sort((a, b) => (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? ''));
  for (const pod of pods) {
    if (!shouldPodBeInEndpoints(pod, true)) continue;
    const ports = endpointPortsFor(service, pod);
    const key = portSetKey(ports);
    const group = groups.get(key) ?? { ports, endpoints: new Map<string, Endpoint>() };
    groups.set(key, group);
    const ep = podToEndpoint(pod, service, input.nodes.get(pod.spec!.nodeName!));
    if (group.endpoints.has(endpointKey(ep))) continue;
    group.endpoints.set(endpointKey(ep), ep);
    all.push(ep);
  }
  applyHints(all, hintModeOf(service.metadata?.annotations, service.spec?.trafficDistribution), [...input.nodes.values()]);

  const existingByKey = new Map<string, EndpointSlice[]>();
  for (const slice of input.existing) {
    const key = portSetKey(slice.ports ?? []);
    existingByKey.set(key, [...(existingByKey.get(key) ?? []), slice]);
  }

  if (all.length === 0) return placeholder(input, plan);

  for (const [key, group] of groups) {
    const remaining = new Map(group.endpoints);
    const kept: { slice: EndpointSlice; endpoints: Endpoint[]; changed: boolean }[] = [];
    for (const slice of existingByKey.get(key) ?? []) {
      const endpoints: Endpoint[] = [];
      for (const ep of slice.endpoints ?? []) {
        const desired = remaining.get(endpointKey(ep));
        if (desired === undefined) continue;
        remaining.delete(endpointKey(ep));
        endpoints.push(desired);
      }
      kept.push({ slice, endpoints, changed: !same(endpoints, slice.endpoints ?? []) });
    }
    // New endpoints go to slices being written anyway first, then to any slice with room.
    const order = [...kept.filter((k) => k.changed), ...kept.filter((k) => !k.changed)];
    for (const k of order) {
      for (const [epKey, ep] of remaining) {
        if (k.endpoints.length >= max) break;
        k.endpoints.push(ep);
        remaining.delete(epKey);
        k.changed = true;
      }
    }
    for (const k of kept) {
      if (k.endpoints.length === 0) plan.delete.push(k.slice);
      else {
        const updated = withMetadata(k.slice, service);
        if (k.changed || updated !== k.slice) plan.update.push({ ...updated, endpoints: k.endpoints, ports: group.ports });
      }
    }
    const rest = [...remaining.values()];
    for (let i = 0; i < rest.length; i += max) plan.create.push(newSlice(service, group.ports, rest.slice(i, i + max)));
    existingByKey.delete(key);
  }
  // Slices of port sets nobody serves any more.
  for (const slices of existingByKey.values()) plan.delete.push(...slices);
  return plan;
}

function placeholder(input: ReconcileInput, plan: SlicePlan): SlicePlan {
  const keep = input.existing.find((s) => (s.endpoints ?? []).length === 0 && (s.ports ?? []).length === 0) ?? input.existing[0];
  for (const slice of input.existing) if (slice !== keep) plan.delete.push(slice);
  if (!keep) {
    plan.create.push(newSlice(input.service, [], []));
    return plan;
  }
  const updated = withMetadata(keep, input.service);
  if (updated !== keep || (keep.endpoints ?? []).length > 0 || (keep.ports ?? []).length > 0) plan.update.push({ ...updated, endpoints: [], ports: [] });
  return plan;
}
