/**
 * @module dns/lookup
 *
 * From a parsed cluster name to what exists there, following the Kubernetes DNS schema and
 * CoreDNS's kubernetes plugin (its behaviour is the de-facto reading of the spec):
 *
 * - a ClusterIP service gives its ClusterIPs (one entry per matching port, for SRV);
 * - a headless service, and any `<endpoint>.<svc>` name, gives the ready endpoint addresses of the
 *   service's EndpointSlices, named `<hostname or dashed-ip>.<svc>.<ns>.svc.<zone>`, with the
 *   slice's ports (the endpoints' ports, not the service's);
 * - an ExternalName service gives a CNAME target;
 * - `_<port>._<proto>` narrows either to the named port (unnamed ports match no SRV name);
 * - an unknown namespace, service or endpoint, or a headless service without ready endpoints,
 *   does not exist (NXDOMAIN); `<ns>.svc.<zone>` of an existing namespace exists without data.
 *
 * `found` is kept apart from the entries on purpose: a dual-stack-less IPv4 service asked for
 * AAAA exists with no AAAA data, which is NODATA, not NXDOMAIN.
 */
import type { ClusterState, EndpointSlice, Service } from './cluster-state.js';
import { clusterIPs, isHeadless, sliceServiceKey } from './cluster-state.js';
import { canonicalIP, dashedIP, ipFromDashed, type ClusterName } from './names.js';

/** One thing a name resolves to (CoreDNS's msg.Service). */
export interface Entry {
  /** The name SRV records point at: the service's or the endpoint's own name (lower-case). */
  readonly owner: string;
  readonly ip?: string;
  /** The port for SRV; absent when the service or slice has none. */
  readonly port?: number;
  /** ExternalName target. */
  readonly cname?: string;
}

export type ZoneLookup =
  | { readonly found: false }
  | { readonly found: true; readonly entries: readonly Entry[]; readonly txt?: string };

export type PodMode = 'insecure' | 'disabled';

export interface LookupConfig {
  readonly zone: string;
  /** `insecure` (kubeadm's default Corefile): answer `<dashed-ip>.<ns>.pod.<zone>` for any address in an existing namespace. */
  readonly podMode: PodMode;
}

/** The schema version this server implements, served as `dns-version.<zone>` TXT. */
export const DNS_SCHEMA_VERSION = '1.1.0';

const NOT_FOUND: ZoneLookup = { found: false };
const EMPTY: ZoneLookup = { found: true, entries: [] };

export function lookupClusterName(name: ClusterName, state: ClusterState, config: LookupConfig): ZoneLookup {
  switch (name.kind) {
    case 'apex':
      return EMPTY;
    case 'dns-version':
      return { found: true, entries: [], txt: DNS_SCHEMA_VERSION };
    case 'invalid':
      return NOT_FOUND;
    case 'pod':
      return lookupPod(name, state, config);
    case 'service':
      if (!state.namespaceExists(name.namespace)) return NOT_FOUND;
      if (name.service === undefined) return EMPTY;
      return lookupService(name, state, config);
  }
}

function lookupPod(name: Extract<ClusterName, { kind: 'pod' }>, state: ClusterState, config: LookupConfig): ZoneLookup {
  if (config.podMode === 'disabled' || !state.namespaceExists(name.namespace)) return NOT_FOUND;
  if (name.pod === undefined) return EMPTY;
  const ip = ipFromDashed(name.pod);
  return ip ? { found: true, entries: [{ owner: `${name.pod}.${name.namespace}.pod.${config.zone}`, ip }] } : NOT_FOUND;
}

function lookupService(name: Extract<ClusterName, { kind: 'service' }>, state: ClusterState, config: LookupConfig): ZoneLookup {
  const svc = state.service(name.namespace, name.service!);
  if (!svc) return NOT_FOUND;
  const fqdn = `${name.service}.${name.namespace}.svc.${config.zone}`;

  if (svc.spec?.type === 'ExternalName') {
    // An ExternalName service has no endpoints (so no endpoint names) and no SRV records.
    if (name.endpoint !== undefined) return NOT_FOUND;
    const target = svc.spec.externalName?.toLowerCase().replace(/\.$/, '');
    if (!target || canonicalIP(target)) return NOT_FOUND;
    return { found: true, entries: name.port === undefined ? [{ owner: fqdn, cname: target }] : [] };
  }

  if (isHeadless(svc) || name.endpoint !== undefined) return lookupEndpoints(svc, name, state, fqdn);

  const entries: Entry[] = [];
  let found = false;
  for (const port of svc.spec?.ports ?? []) {
    if (!portMatches(name, port.name ?? '', port.protocol ?? 'TCP')) continue;
    found = true;
    for (const ip of clusterIPs(svc)) entries.push({ owner: fqdn, ip, port: port.port });
  }
  return found ? { found: true, entries } : NOT_FOUND;
}

function lookupEndpoints(svc: Service, name: Extract<ClusterName, { kind: 'service' }>, state: ClusterState, fqdn: string): ZoneLookup {
  const entries: Entry[] = [];
  for (const ep of readyEndpoints(svc, state.slicesOf(name.namespace, name.service!))) {
    if (name.endpoint !== undefined && name.endpoint !== ep.hostname) continue;
    const owner = `${ep.hostname}.${fqdn}`;
    if (ep.ports.length === 0) {
      // No ports: the address still has A records, but nothing for SRV.
      if (name.port === undefined) entries.push({ owner, ip: ep.ip });
      continue;
    }
    for (const port of ep.ports) {
      if (portMatches(name, port.name, port.protocol)) entries.push({ owner, ip: ep.ip, port: port.port });
    }
  }
  return entries.length > 0 ? { found: true, entries } : NOT_FOUND;
}

/** `_<port>._<proto>` absent matches every port; present, name and protocol compare case-insensitively. */
function portMatches(name: { readonly port?: string; readonly protocol?: string }, portName: string, protocol: string): boolean {
  return (name.port === undefined || name.port === portName.toLowerCase()) && (name.protocol === undefined || name.protocol === protocol.toLowerCase());
}

export interface ReadyEndpoint {
  readonly ip: string;
  /** The endpoint's hostname, else its dashed address (lower-case). */
  readonly hostname: string;
  readonly ports: readonly { readonly name: string; readonly protocol: string; readonly port: number }[];
}

/**
 * The serving addresses of a service's slices. Ready means conditions.ready is true or unset
 * (the EndpointSlice API says consumers treat unknown as ready), or the service publishes
 * not-ready addresses. The same address in two slices (during a hand-over) counts once.
 */
export function readyEndpoints(svc: Service, slices: readonly EndpointSlice[]): ReadyEndpoint[] {
  const publishNotReady = svc.spec?.publishNotReadyAddresses === true;
  const seen = new Set<string>();
  const out: ReadyEndpoint[] = [];
  for (const slice of sortedSlices(slices)) {
    if (slice.addressType !== 'IPv4' && slice.addressType !== 'IPv6') continue;
    const ports = (slice.ports ?? [])
      .filter((p) => typeof p.port === 'number')
      .map((p) => ({ name: p.name ?? '', protocol: p.protocol ?? 'TCP', port: p.port! }));
    for (const ep of slice.endpoints ?? []) {
      if (!publishNotReady && ep.conditions?.ready === false) continue;
      for (const address of ep.addresses ?? []) {
        const ip = canonicalIP(address);
        if (!ip) continue;
        const hostname = (ep.hostname ?? dashedIP(ip)).toLowerCase();
        const key = `${hostname}/${ip}/${ports.map((p) => `${p.name}:${p.protocol}:${p.port}`).join(',')}`;
        if (seen.has(key)) continue;
        seen.add(key);
        out.push({ ip, hostname, ports });
      }
    }
  }
  return out;
}

/** A stable order (by name), so answers do not shuffle with informer order. */
function sortedSlices(slices: readonly EndpointSlice[]): EndpointSlice[] {
  return [...slices].sort((a, b) => (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? ''));
}

/**
 * The names an address has (PTR targets): a service's name if it is that service's ClusterIP
 * (the first such service, by key, if several claim it); otherwise the endpoint names of every
 * ready endpoint with that address, as CoreDNS does.
 */
export function lookupReverse(ip: string, state: ClusterState, zone: string): string[] {
  const services = state.servicesWithClusterIP(ip).sort((a, b) => serviceKey(a).localeCompare(serviceKey(b)));
  const first = services[0];
  if (first) return [`${first.metadata!.name}.${first.metadata!.namespace}.svc.${zone}`];
  const names: string[] = [];
  for (const slice of state.slicesWithAddress(ip)) {
    const key = sliceServiceKey(slice);
    if (!key) continue;
    const [namespace, service] = key.split('/') as [string, string];
    const svc = state.service(namespace, service);
    if (!svc) continue;
    for (const ep of readyEndpoints(svc, [slice])) {
      const target = `${ep.hostname}.${service}.${namespace}.svc.${zone}`;
      if (ep.ip === ip && !names.includes(target)) names.push(target);
    }
  }
  return names;
}

function serviceKey(svc: Service): string {
  return `${svc.metadata?.namespace ?? ''}/${svc.metadata?.name ?? ''}`;
}
