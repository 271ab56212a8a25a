/**
 * @module dns/cluster-state
 *
 * What the DNS server knows about the cluster: Namespaces, Services and EndpointSlices, each in an
 * Indexer (the informers' caches, or plain Indexers in unit tests), with the indexes that
 * answering needs without scanning: services by ClusterIP, slices by their service
 * (`<ns>/<kubernetes.io/service-name>`) and by endpoint address (for PTR).
 */
import type { Namespace as NamespaceType, Service as ServiceType } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice as EndpointSliceType } from 'kubernetes-types/discovery/v1.js';
import type { KubeObject } from '../api/object.js';
import { Indexer, NAMESPACE_INDEX, metaNamespaceIndexFunc, type Indexers } from '../client/index.js';
import { canonicalIP } from './names.js';

export type Namespace = NamespaceType & KubeObject;
export type Service = ServiceType & KubeObject;
export type EndpointSlice = EndpointSliceType & KubeObject;

/** The label that ties an EndpointSlice to its Service (discovery.k8s.io/v1). */
export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';

export const CLUSTER_IP_INDEX = 'clusterIP';
export const SLICE_SERVICE_INDEX = 'service';
export const SLICE_ADDRESS_INDEX = 'address';

/** Every ClusterIP of a service, canonical; none for headless ("None") and ExternalName services. */
export function clusterIPs(svc: Service): string[] {
  const spec = svc.spec;
  if (!spec || spec.type === 'ExternalName') return [];
  const raw = spec.clusterIPs && spec.clusterIPs.length > 0 ? spec.clusterIPs : spec.clusterIP ? [spec.clusterIP] : [];
  const ips: string[] = [];
  for (const ip of raw) {
    const c = canonicalIP(ip);
    if (c && !ips.includes(c)) ips.push(c);
  }
  return ips;
}

/** Headless: clusterIP "None" (kube-proxy leaves it alone; DNS answers with the endpoints). */
export function isHeadless(svc: Service): boolean {
  return svc.spec?.type !== 'ExternalName' && (svc.spec?.clusterIP === 'None' || svc.spec?.clusterIPs?.[0] === 'None');
}

/** `<ns>/<service>` of a slice, or undefined if it belongs to no service. */
export function sliceServiceKey(slice: EndpointSlice): string | undefined {
  const service = slice.metadata?.labels?.[SERVICE_NAME_LABEL];
  return service ? `${slice.metadata?.namespace ?? ''}/${service}` : undefined;
}

/** Addresses of an IP slice, canonical; FQDN slices carry no address DNS can serve. */
export function sliceAddresses(slice: EndpointSlice): string[] {
  if (slice.addressType !== 'IPv4' && slice.addressType !== 'IPv6') return [];
  const out: string[] = [];
  for (const ep of slice.endpoints ?? []) {
    for (const a of ep.addresses ?? []) {
      const c = canonicalIP(a);
      if (c) out.push(c);
    }
  }
  return out;
}

export const SERVICE_INDEXERS: Indexers<Service> = {
  [NAMESPACE_INDEX]: metaNamespaceIndexFunc,
  [CLUSTER_IP_INDEX]: clusterIPs,
};

export const SLICE_INDEXERS: Indexers<EndpointSlice> = {
  [NAMESPACE_INDEX]: metaNamespaceIndexFunc,
  [SLICE_SERVICE_INDEX]: (s) => {
    const key = sliceServiceKey(s);
    return key ? [key] : [];
  },
  [SLICE_ADDRESS_INDEX]: sliceAddresses,
};

export interface ClusterStateSources {
  readonly namespaces: Indexer<Namespace>;
  readonly services: Indexer<Service>;
  readonly slices: Indexer<EndpointSlice>;
}

/** Read-only lookups over the three caches. Names passed in are already lower-case. */
export class ClusterState {
  /**
   * The SOA serial: seconds since the epoch of the last change seen (as CoreDNS, which uses the
   * time of its last informer event), so secondaries and caches can tell the zone moved.
   */
  serial = Math.floor(Date.now() / 1000) >>> 0;

  constructor(readonly sources: ClusterStateSources) {}

  /** Called by the informers' handlers on every change. */
  touch(): void {
    this.serial = Math.max(this.serial + 1, Math.floor(Date.now() / 1000)) >>> 0;
  }

  namespaceExists(name: string): boolean {
    return this.sources.namespaces.getByKey(name) !== undefined;
  }

  service(namespace: string, name: string): Service | undefined {
    return this.sources.services.getByKey(`${namespace}/${name}`);
  }

  slicesOf(namespace: string, service: string): EndpointSlice[] {
    return this.sources.slices.byIndex(SLICE_SERVICE_INDEX, `${namespace}/${service}`);
  }

  servicesWithClusterIP(ip: string): Service[] {
    return this.sources.services.byIndex(CLUSTER_IP_INDEX, ip);
  }

  slicesWithAddress(ip: string): EndpointSlice[] {
    return this.sources.slices.byIndex(SLICE_ADDRESS_INDEX, ip);
  }

  /** Empty caches with the server's indexes (unit tests fill them by hand). */
  static empty(): ClusterState {
    return new ClusterState({
      namespaces: new Indexer<Namespace>(),
      services: new Indexer<Service>(SERVICE_INDEXERS),
      slices: new Indexer<EndpointSlice>(SLICE_INDEXERS),
    });
  }
}
