/**
 * @module api/validation/service
 *
 * Validation of a Service's spec, with upstream's messages (`pkg/apis/core/validation`
 * ValidateService / ValidateServiceUpdate), plus `spec.topologyKeys`, the Kubernetes 1.17 alpha
 * field tskube still serves (seed 001), checked with 1.17's rules and wording: label keys or
 * `"*"`, `"*"` only last, no duplicates, at most 16, and never with `externalTrafficPolicy: Local`.
 *
 * Allocation problems (an address outside the range or taken) are not found here: the registry
 * reports them when it reserves the values, as upstream's allocators do.
 */
import { isIPv4, isIPv6 } from 'node:net';
import type { Service, ServicePort, ServiceSpec } from 'kubernetes-types/core/v1.js';
import { fieldErrors, fieldPath, GoLiteral, goStringSlice, type FieldError } from './field-errors.js';
import { isDNS1123Label, isDNS1123Subdomain, isQualifiedName } from './names.js';
import { validateLabels } from './object-meta.js';

/** Served by tskube although upstream dropped it in 1.22: the seed's topology-aware routing. */
export type ServiceSpecWithTopology = ServiceSpec & { topologyKeys?: string[] };
export type ServiceWithTopology = Service & { spec?: ServiceSpecWithTopology };

export const MAX_SERVICE_TOPOLOGY_KEYS = 16;
/** The topology key that matches any endpoint. */
export const TOPOLOGY_KEY_ANY = '*';
export const CLUSTER_IP_NONE = 'None';
/** Upstream's maximum for sessionAffinityConfig.clientIP.timeoutSeconds (one day). */
export const MAX_CLIENT_IP_SERVICE_AFFINITY_SECONDS = 86400;

const SERVICE_TYPES = ['ClusterIP', 'ExternalName', 'LoadBalancer', 'NodePort'];
const PROTOCOLS = ['SCTP', 'TCP', 'UDP'];
const AFFINITIES = ['ClientIP', 'None'];
const TRAFFIC_POLICIES = ['Cluster', 'Local'];
const IP_FAMILY_POLICIES = ['PreferDualStack', 'RequireDualStack', 'SingleStack'];
const TRAFFIC_DISTRIBUTIONS = ['PreferClose'];

const PORT_RANGE_MESSAGE = 'must be between 1 and 65535, inclusive';

export function isValidPortNum(port: unknown): boolean {
  return typeof port === 'number' && Number.isInteger(port) && port >= 1 && port <= 65535;
}

/** An IANA service name, as a named port must be (upstream's IsValidPortName). */
export function isValidPortName(name: string): string[] {
  const errs: string[] = [];
  if (name.length > 15) errs.push('must be no more than 15 characters');
  if (!/^[-a-z0-9]+$/.test(name)) errs.push('must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)');
  if (!/[a-z]/.test(name)) errs.push('must contain at least one letter (a-z)');
  if (name.includes('--')) errs.push('must not contain consecutive hyphens');
  if (name.startsWith('-') || name.endsWith('-')) errs.push('must not begin or end with a hyphen');
  return errs;
}

function isIP(value: string): boolean {
  return isIPv4(value) || isIPv6(value);
}

const typeOf = (spec: ServiceSpec): string => spec.type ?? 'ClusterIP';

/** Validation of a Service on create (and, with ValidateServiceUpdate's extra rules, on update). */
export function validateServiceSpec(service: ServiceWithTopology): FieldError[] {
  const spec = service.spec ?? {};
  const specPath = 'spec';
  const errs: FieldError[] = [];
  const type = typeOf(spec);
  const ports = spec.ports ?? [];

  if (!SERVICE_TYPES.includes(type)) errs.push(fieldErrors.notSupported('spec.type', type, SERVICE_TYPES));

  if (type === 'ExternalName') {
    if (spec.clusterIP) errs.push(fieldErrors.forbidden('spec.clusterIP', 'may not be set for ExternalName services'));
    if ((spec.clusterIPs ?? []).length > 0) errs.push(fieldErrors.forbidden('spec.clusterIPs', 'may not be set for ExternalName services'));
    if ((spec.ipFamilies ?? []).length > 0) errs.push(fieldErrors.forbidden('spec.ipFamilies', 'may not be set for ExternalName services'));
    if (spec.ipFamilyPolicy) errs.push(fieldErrors.forbidden('spec.ipFamilyPolicy', 'may not be set for ExternalName services'));
    const name = (spec.externalName ?? '').replace(/\.$/, '');
    if (!spec.externalName) errs.push(fieldErrors.required('spec.externalName', ''));
    else for (const msg of isDNS1123Subdomain(name)) errs.push(fieldErrors.invalid('spec.externalName', spec.externalName, msg));
  } else if (ports.length === 0) {
    errs.push(fieldErrors.required('spec.ports', ''));
  }

  errs.push(...validateClusterIPs(spec, type));

  const names = new Set<string>();
  const keys = new Set<string>();
  ports.forEach((port, i) => {
    const path = fieldPath.index('spec.ports', i);
    errs.push(...validateServicePort(port, ports.length > 1, path, names));
    const key = `${port.port}/${port.protocol ?? 'TCP'}`;
    if (keys.has(key)) errs.push(fieldErrors.duplicate(path, goServicePortKey(port)));
    keys.add(key);
    if (type === 'ClusterIP' && port.nodePort) errs.push(fieldErrors.forbidden(fieldPath.child(path, 'nodePort'), "may not be used when `type` is 'ClusterIP'"));
    if (port.nodePort !== undefined && port.nodePort !== 0 && !isValidPortNum(port.nodePort)) {
      errs.push(fieldErrors.invalid(fieldPath.child(path, 'nodePort'), port.nodePort, PORT_RANGE_MESSAGE));
    }
  });

  if (spec.selector) errs.push(...validateLabels(spec.selector, 'spec.selector'));

  const affinity = spec.sessionAffinity ?? 'None';
  if (!AFFINITIES.includes(affinity)) errs.push(fieldErrors.notSupported('spec.sessionAffinity', affinity, AFFINITIES));
  const timeout = spec.sessionAffinityConfig?.clientIP?.timeoutSeconds;
  if (affinity === 'ClientIP' && timeout !== undefined && (timeout <= 0 || timeout > MAX_CLIENT_IP_SERVICE_AFFINITY_SECONDS)) {
    errs.push(
      fieldErrors.invalid('spec.sessionAffinityConfig.clientIP.timeoutSeconds', timeout, `must be greater than 0 and less than ${MAX_CLIENT_IP_SERVICE_AFFINITY_SECONDS}`),
    );
  }

  const external = type === 'NodePort' || type === 'LoadBalancer';
  if (spec.externalTrafficPolicy !== undefined && spec.externalTrafficPolicy !== '') {
    if (!external) errs.push(fieldErrors.invalid('spec.externalTrafficPolicy', spec.externalTrafficPolicy, 'may only be set for externally-accessible services'));
    else if (!TRAFFIC_POLICIES.includes(spec.externalTrafficPolicy)) errs.push(fieldErrors.notSupported('spec.externalTrafficPolicy', spec.externalTrafficPolicy, TRAFFIC_POLICIES));
  } else if (external) {
    errs.push(fieldErrors.required('spec.externalTrafficPolicy', ''));
  }
  if (spec.healthCheckNodePort) {
    if (type !== 'LoadBalancer' || spec.externalTrafficPolicy !== 'Local') {
      errs.push(fieldErrors.invalid('spec.healthCheckNodePort', spec.healthCheckNodePort, "may only be set when `type` is 'LoadBalancer' and `externalTrafficPolicy` is 'Local'"));
    } else if (!isValidPortNum(spec.healthCheckNodePort)) {
      errs.push(fieldErrors.invalid('spec.healthCheckNodePort', spec.healthCheckNodePort, PORT_RANGE_MESSAGE));
    }
  }
  if (type !== 'ExternalName' && spec.internalTrafficPolicy !== undefined && !TRAFFIC_POLICIES.includes(spec.internalTrafficPolicy)) {
    errs.push(fieldErrors.notSupported('spec.internalTrafficPolicy', spec.internalTrafficPolicy, TRAFFIC_POLICIES));
  }
  if (spec.ipFamilyPolicy !== undefined && !IP_FAMILY_POLICIES.includes(spec.ipFamilyPolicy)) {
    errs.push(fieldErrors.notSupported('spec.ipFamilyPolicy', spec.ipFamilyPolicy, IP_FAMILY_POLICIES));
  }
  (spec.ipFamilies ?? []).forEach((family, i) => {
    const path = fieldPath.index('spec.ipFamilies', i);
    if (family === 'IPv6') errs.push(fieldErrors.invalid(path, family, 'not configured on this cluster'));
    else if (family !== 'IPv4') errs.push(fieldErrors.notSupported(path, family, ['IPv4', 'IPv6']));
  });
  if (spec.trafficDistribution !== undefined && !TRAFFIC_DISTRIBUTIONS.includes(spec.trafficDistribution)) {
    errs.push(fieldErrors.notSupported('spec.trafficDistribution', spec.trafficDistribution, TRAFFIC_DISTRIBUTIONS));
  }
  errs.push(...validateTopologyKeys(spec, specPath));
  return errs;
}

/**
 * `spec.topologyKeys` as Kubernetes 1.17 checked it. A key that is not a qualified name is
 * reported with the whole list as the bad value, as 1.17 did.
 */
export function validateTopologyKeys(spec: ServiceSpecWithTopology, specPath = 'spec'): FieldError[] {
  const keys = spec.topologyKeys ?? [];
  if (keys.length === 0) return [];
  const errs: FieldError[] = [];
  const path = fieldPath.child(specPath, 'topologyKeys');
  if (spec.externalTrafficPolicy === 'Local') errs.push(fieldErrors.forbidden(path, 'may not be specified when `externalTrafficPolicy=Local`'));
  if (keys.length > MAX_SERVICE_TOPOLOGY_KEYS) errs.push(fieldErrors.tooMany(path, keys.length, MAX_SERVICE_TOPOLOGY_KEYS));
  const seen = new Set<string>();
  keys.forEach((key, i) => {
    const keyPath = fieldPath.index(path, i);
    if (seen.has(key)) errs.push(fieldErrors.duplicate(keyPath, key));
    seen.add(key);
    if (key === TOPOLOGY_KEY_ANY) {
      if (i !== keys.length - 1) errs.push(fieldErrors.invalid(keyPath, key, '"*" must be the last value specified'));
      return;
    }
    for (const msg of isQualifiedName(key)) errs.push(fieldErrors.invalid(keyPath, goStringSlice(keys), msg));
  });
  return errs;
}

function validateClusterIPs(spec: ServiceSpec, type: string): FieldError[] {
  if (type === 'ExternalName') return [];
  const errs: FieldError[] = [];
  const ips = spec.clusterIPs ?? [];
  if (spec.clusterIP && ips.length > 0 && ips[0] !== spec.clusterIP) {
    errs.push(fieldErrors.invalid('spec.clusterIPs', goStringSlice(ips), 'first value must match `clusterIP`'));
  }
  if (ips.length > 2) errs.push(fieldErrors.invalid('spec.clusterIPs', goStringSlice(ips), 'may only hold up to 2 values'));
  ips.forEach((ip, i) => {
    const path = fieldPath.index('spec.clusterIPs', i);
    if (ip === CLUSTER_IP_NONE) {
      if (i > 0 || ips.length > 1) errs.push(fieldErrors.invalid(path, ip, "'None' must be the first and only value"));
      if (type === 'NodePort' || type === 'LoadBalancer') errs.push(fieldErrors.invalid(path, ip, `may not be set to 'None' for ${type} services`));
      return;
    }
    if (!isIP(ip)) errs.push(fieldErrors.invalid(path, ip, 'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)'));
  });
  if (spec.clusterIP && ips.length === 0 && spec.clusterIP !== CLUSTER_IP_NONE && !isIP(spec.clusterIP)) {
    errs.push(fieldErrors.invalid('spec.clusterIP', spec.clusterIP, 'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)'));
  }
  return errs;
}

function validateServicePort(port: ServicePort, requireName: boolean, path: string, names: Set<string>): FieldError[] {
  const errs: FieldError[] = [];
  const namePath = fieldPath.child(path, 'name');
  if (requireName && !port.name) errs.push(fieldErrors.required(namePath, ''));
  if (port.name) {
    for (const msg of isDNS1123Label(port.name)) errs.push(fieldErrors.invalid(namePath, port.name, msg));
    if (names.has(port.name)) errs.push(fieldErrors.duplicate(namePath, port.name));
    names.add(port.name);
  }
  if (!isValidPortNum(port.port)) errs.push(fieldErrors.invalid(fieldPath.child(path, 'port'), port.port, PORT_RANGE_MESSAGE));
  const protocol = port.protocol ?? '';
  if (protocol === '') errs.push(fieldErrors.required(fieldPath.child(path, 'protocol'), ''));
  else if (!PROTOCOLS.includes(protocol)) errs.push(fieldErrors.notSupported(fieldPath.child(path, 'protocol'), protocol, PROTOCOLS));
  const target = port.targetPort;
  const targetPath = fieldPath.child(path, 'targetPort');
  if (typeof target === 'number' && !isValidPortNum(target)) errs.push(fieldErrors.invalid(targetPath, target, PORT_RANGE_MESSAGE));
  if (typeof target === 'string') for (const msg of isValidPortName(target)) errs.push(fieldErrors.invalid(targetPath, target, msg));
  return errs;
}

/** The key upstream reports a repeated port/protocol pair with (%#v of core.ServicePort). */
function goServicePortKey(port: ServicePort): GoLiteral {
  return new GoLiteral(`core.ServicePort{Name:"", Protocol:"${port.protocol ?? 'TCP'}", AppProtocol:(*string)(nil), Port:${port.port}, TargetPort:intstr.IntOrString{Type:0, IntVal:0, StrVal:""}, NodePort:0}`);
}

/** ValidateServiceUpdate's extra rules: allocated cluster IPs never change (except to or from ExternalName). */
export function validateServiceUpdate(service: ServiceWithTopology, old: ServiceWithTopology): FieldError[] {
  const errs: FieldError[] = [];
  const oldType = typeOf(old.spec ?? {});
  const type = typeOf(service.spec ?? {});
  if (oldType === 'ExternalName' || type === 'ExternalName') return errs;
  const oldIPs = old.spec?.clusterIPs ?? [];
  const ips = service.spec?.clusterIPs ?? [];
  const shared = Math.min(oldIPs.length, ips.length);
  for (let i = 0; i < shared; i++) {
    if (ips[i] !== oldIPs[i]) errs.push(fieldErrors.invalid(fieldPath.index('spec.clusterIPs', i), goStringSlice(ips), 'may not change once set'));
  }
  if (oldIPs.length > 0 && ips.length === 0) {
    errs.push(fieldErrors.invalid(fieldPath.index('spec.clusterIPs', 0), goStringSlice(ips), 'may not change once set'));
  }
  return errs;
}
