/**
 * @module apiserver/printers/services
 *
 * Printers for the service-discovery resources: services (TYPE, CLUSTER-IP, EXTERNAL-IP,
 * PORT(S)), endpoints (the first three `ip:port` pairs) and endpointslices (first three ports and
 * addresses). The "first three, then + N more..." truncation is upstream's, so long lists look
 * the same here as on a real cluster.
 */
import type { Endpoints, Service } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import { ageColumn, column, nameColumn, wideColumn } from './columns.js';
import { formatLabels, isSet, listWithMore, nonEmpty } from './format.js';
import { translateTimestampSince } from './human-duration.js';
import type { PrintContext, TableCell, TablePrinter } from './types.js';

// Stored objects are normally defaulted; these are the defaults the API applies when they are not.
const DEFAULT_SERVICE_TYPE = 'ClusterIP';
const DEFAULT_PROTOCOL = 'TCP';

function serviceType(service: Service): string {
  const type = service.spec?.type;
  return nonEmpty(type) ? type : DEFAULT_SERVICE_TYPE;
}

/** Load-balancer ingress points: each IP, or the hostname when there is no IP; sorted, unique. */
function loadBalancerAddresses(service: Service): string[] {
  const found = new Set<string>();
  for (const ingress of service.status?.loadBalancer?.ingress ?? []) {
    if (nonEmpty(ingress.ip)) found.add(ingress.ip);
    else if (nonEmpty(ingress.hostname)) found.add(ingress.hostname);
  }
  return [...found].sort();
}

/**
 * The EXTERNAL-IP cell. The server always renders as for `-o wide`, so load-balancer addresses
 * are never clipped to 16 characters here.
 */
export function serviceExternalIP(service: Service): string {
  const externalIPs = service.spec?.externalIPs ?? [];
  switch (serviceType(service)) {
    case 'ClusterIP':
    case 'NodePort':
      return externalIPs.length > 0 ? externalIPs.join(',') : '<none>';
    case 'LoadBalancer': {
      const addresses = [...loadBalancerAddresses(service), ...externalIPs];
      return addresses.length > 0 ? addresses.join(',') : '<pending>';
    }
    case 'ExternalName':
      return service.spec?.externalName ?? '';
    default:
      return '<unknown>';
  }
}

/** The PORT(S) cell: `80/TCP`, or `80:30080/TCP` with a node port, comma-joined; "<none>" if none. */
export function servicePorts(service: Service): string {
  const ports = (service.spec?.ports ?? []).map((p) => {
    const protocol = nonEmpty(p.protocol) ? p.protocol : DEFAULT_PROTOCOL;
    return isSet(p.nodePort) && p.nodePort > 0
      ? `${p.port}:${p.nodePort}/${protocol}`
      : `${p.port}/${protocol}`;
  });
  return ports.length > 0 ? ports.join(',') : '<none>';
}

function clusterIP(service: Service): string {
  // Stored services carry both fields once the API has normalised them; older writers set only clusterIP.
  const first = service.spec?.clusterIPs?.[0] ?? service.spec?.clusterIP ?? '';
  return first === '' ? '<none>' : first;
}

export const servicePrinter: TablePrinter<Service> = {
  columns: [
    nameColumn(),
    column('Type', 'string', 'How the service is exposed: ClusterIP, NodePort, LoadBalancer or ExternalName.'),
    column('Cluster-IP', 'string', 'The IP address of the service, usually assigned randomly.'),
    column(
      'External-IP',
      'string',
      'IP addresses (or load-balancer hostnames) through which the service is reachable from outside.',
    ),
    column('Port(s)', 'string', 'The ports exposed by this service.'),
    ageColumn,
    wideColumn(
      'Selector',
      'string',
      'Route service traffic to pods with label keys and values matching this selector.',
    ),
  ],
  cells(service: Service, ctx: PrintContext): TableCell[] {
    return [
      service.metadata?.name ?? '',
      serviceType(service),
      clusterIP(service),
      serviceExternalIP(service),
      servicePorts(service),
      translateTimestampSince(service.metadata?.creationTimestamp, ctx.now),
      formatLabels(service.spec?.selector),
    ];
  },
};

/** Go's net.JoinHostPort: IPv6 literals are bracketed. */
function joinHostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/**
 * The ENDPOINTS cell of an Endpoints object: `ip:port` for every port and address (bare IPs for
 * subsets without ports), the first three shown. "<none>" when there are no subsets at all, but
 * "" when subsets exist without addresses, as upstream prints it.
 */
export function formatEndpoints(endpoints: Endpoints): string {
  const subsets = endpoints.subsets ?? [];
  if (subsets.length === 0) return '<none>';
  const all: string[] = [];
  for (const subset of subsets) {
    const addresses = subset.addresses ?? [];
    const ports = subset.ports ?? [];
    if (ports.length === 0) {
      for (const address of addresses) all.push(address.ip);
      continue;
    }
    for (const port of ports) {
      for (const address of addresses) all.push(joinHostPort(address.ip, port.port));
    }
  }
  const shown = all.slice(0, 3).join(',');
  return all.length > 3 ? `${shown} + ${all.length - 3} more...` : shown;
}

export const endpointsPrinter: TablePrinter<Endpoints> = {
  columns: [
    nameColumn(),
    column('Endpoints', 'string', 'The set of all endpoints is the union of all subsets.'),
    ageColumn,
  ],
  cells(endpoints: Endpoints, ctx: PrintContext): TableCell[] {
    return [
      endpoints.metadata?.name ?? '',
      formatEndpoints(endpoints),
      translateTimestampSince(endpoints.metadata?.creationTimestamp, ctx.now),
    ];
  },
};

function slicePorts(slice: EndpointSlice): string {
  // A port may be unnamed, unnumbered ("all ports"), or both; upstream prints "*" for the last.
  const ports = (slice.ports ?? []).map((p) => (isSet(p.port) ? String(p.port) : (p.name ?? '*')));
  return listWithMore(ports);
}

function sliceAddresses(slice: EndpointSlice): string {
  return listWithMore((slice.endpoints ?? []).flatMap((e) => e.addresses ?? []));
}

export const endpointSlicePrinter: TablePrinter<EndpointSlice> = {
  columns: [
    nameColumn(),
    column('AddressType', 'string', 'The type of address carried by this EndpointSlice: IPv4, IPv6 or FQDN.'),
    column('Ports', 'string', 'The network ports exposed by each endpoint in this slice.'),
    column('Endpoints', 'string', 'The unique endpoints in this slice.'),
    ageColumn,
  ],
  cells(slice: EndpointSlice, ctx: PrintContext): TableCell[] {
    return [
      slice.metadata?.name ?? '',
      slice.addressType ?? '',
      slicePorts(slice),
      sliceAddresses(slice),
      translateTimestampSince(slice.metadata?.creationTimestamp, ctx.now),
    ];
  },
};
