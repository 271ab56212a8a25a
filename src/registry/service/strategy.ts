/**
 * @module registry/service/strategy
 *
 * The per-kind rules of Services (upstream's SetDefaults_Service and the service registry's
 * PrepareForCreate/PrepareForUpdate): defaults, IP family fields, keeping allocated values that
 * an update leaves out, dropping the fields a type change makes meaningless, and validation.
 * Reserving the values themselves is `allocation.ts`'s job.
 */
import type { Service, ServicePort } from 'kubernetes-types/core/v1.js';
import type { StoredObject } from '../../api/object.js';
import { nameIsDNS1035Label } from '../../api/validation/names.js';
import { CLUSTER_IP_NONE, validateServiceSpec, validateServiceUpdate, type ServiceWithTopology } from '../../api/validation/service.js';
import type { StrategyOptions } from '../strategy.js';

/** Upstream's default for sessionAffinityConfig.clientIP.timeoutSeconds: three hours. */
export const DEFAULT_CLIENT_IP_SERVICE_AFFINITY_SECONDS = 10800;

const asService = (obj: StoredObject): ServiceWithTopology => obj as ServiceWithTopology;
const typeOf = (svc: Service): string => svc.spec?.type ?? 'ClusterIP';

/** Every type but ExternalName has cluster IPs (None for headless). */
export const needsClusterIP = (svc: Service): boolean => typeOf(svc) !== 'ExternalName';
export const isHeadless = (svc: Service): boolean => svc.spec?.clusterIP === CLUSTER_IP_NONE;
export const needsNodePorts = (svc: Service): boolean =>
  typeOf(svc) === 'NodePort' || (typeOf(svc) === 'LoadBalancer' && svc.spec?.allocateLoadBalancerNodePorts !== false);
export const needsHealthCheckNodePort = (svc: Service): boolean => typeOf(svc) === 'LoadBalancer' && svc.spec?.externalTrafficPolicy === 'Local';

/** SetDefaults_Service: what a Service gets when the client leaves it out. */
export function defaultService(obj: StoredObject): void {
  const svc = asService(obj);
  const spec = (svc.spec ??= {});
  spec.type ??= 'ClusterIP';
  spec.sessionAffinity ??= 'None';
  if (spec.sessionAffinity === 'ClientIP') {
    const clientIP = ((spec.sessionAffinityConfig ??= {}).clientIP ??= {});
    clientIP.timeoutSeconds ??= DEFAULT_CLIENT_IP_SERVICE_AFFINITY_SECONDS;
  }
  for (const port of spec.ports ?? []) defaultPort(port);
  const external = spec.type === 'NodePort' || spec.type === 'LoadBalancer';
  if (external && !spec.externalTrafficPolicy) spec.externalTrafficPolicy = 'Cluster';
  if (spec.type === 'LoadBalancer') spec.allocateLoadBalancerNodePorts ??= true;
  if (spec.type !== 'ExternalName') spec.internalTrafficPolicy ??= 'Cluster';
  // clusterIP and clusterIPs[0] are one value written twice; a client may set either.
  if (spec.clusterIP && (spec.clusterIPs ?? []).length === 0) spec.clusterIPs = [spec.clusterIP];
  if (!spec.clusterIP && spec.clusterIPs?.[0]) spec.clusterIP = spec.clusterIPs[0];
}

function defaultPort(port: ServicePort): void {
  port.protocol ??= 'TCP';
  if (port.targetPort === undefined || port.targetPort === 0 || port.targetPort === '') port.targetPort = port.port;
}

/**
 * The IP family fields: tskube serves IPv4 single-stack, so every Service with cluster IPs
 * (headless included) is `SingleStack` / `[IPv4]`, as upstream sets them on a single-stack cluster.
 */
function defaultIPFamilies(svc: Service): void {
  const spec = svc.spec!;
  if (!needsClusterIP(svc)) return;
  spec.ipFamilyPolicy ??= 'SingleStack';
  if ((spec.ipFamilies ?? []).length === 0) spec.ipFamilies = ['IPv4'];
}

/**
 * An update keeps what was allocated when the client leaves it out (a `kubectl replace` of a
 * manifest without clusterIP or nodePort), and drops what the new type no longer uses when the
 * client did not change it (upstream's patchAllocatedValues and dropTypeDependentFields).
 */
export function prepareServiceUpdate(obj: StoredObject, oldObj: StoredObject): void {
  const svc = asService(obj);
  const old = asService(oldObj);
  const spec = svc.spec!;
  const oldSpec = old.spec ?? {};
  if (needsClusterIP(old) && needsClusterIP(svc)) {
    if (!spec.clusterIP && oldSpec.clusterIP) spec.clusterIP = oldSpec.clusterIP;
    if ((spec.clusterIPs ?? []).length === 0 && spec.clusterIP === oldSpec.clusterIP && oldSpec.clusterIPs) spec.clusterIPs = [...oldSpec.clusterIPs];
  }
  if (needsNodePorts(old) && needsNodePorts(svc)) {
    const used = new Set((spec.ports ?? []).map((p) => p.nodePort).filter((p) => p));
    const byName = new Map((oldSpec.ports ?? []).map((p) => [p.name ?? '', p.nodePort]));
    for (const port of spec.ports ?? []) {
      const previous = byName.get(port.name ?? '');
      if (!port.nodePort && previous && !used.has(previous)) port.nodePort = previous;
    }
  }
  if (needsHealthCheckNodePort(old) && needsHealthCheckNodePort(svc) && !spec.healthCheckNodePort && oldSpec.healthCheckNodePort) {
    spec.healthCheckNodePort = oldSpec.healthCheckNodePort;
  }
  dropTypeDependentFields(svc, old);
  defaultIPFamilies(svc);
}

function dropTypeDependentFields(svc: Service, old: Service): void {
  const spec = svc.spec!;
  const oldSpec = old.spec ?? {};
  const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
  if (needsClusterIP(old) && !needsClusterIP(svc)) {
    if (same(spec.clusterIP, oldSpec.clusterIP)) delete spec.clusterIP;
    if (same(spec.clusterIPs, oldSpec.clusterIPs)) delete spec.clusterIPs;
    if (same(spec.ipFamilies, oldSpec.ipFamilies)) delete spec.ipFamilies;
    if (same(spec.ipFamilyPolicy, oldSpec.ipFamilyPolicy)) delete spec.ipFamilyPolicy;
    delete spec.internalTrafficPolicy;
  }
  if (needsNodePorts(old) && !needsNodePorts(svc)) {
    const oldPorts = new Set((oldSpec.ports ?? []).map((p) => p.nodePort));
    for (const port of spec.ports ?? []) if (port.nodePort && oldPorts.has(port.nodePort)) delete port.nodePort;
  }
  if (needsHealthCheckNodePort(old) && !needsHealthCheckNodePort(svc) && spec.healthCheckNodePort === oldSpec.healthCheckNodePort) {
    delete spec.healthCheckNodePort;
  }
  const external = (s: Service) => typeOf(s) === 'NodePort' || typeOf(s) === 'LoadBalancer';
  if (external(old) && !external(svc) && spec.externalTrafficPolicy === oldSpec.externalTrafficPolicy) delete spec.externalTrafficPolicy;
  if (typeOf(old) === 'LoadBalancer' && typeOf(svc) !== 'LoadBalancer') {
    if (spec.allocateLoadBalancerNodePorts === oldSpec.allocateLoadBalancerNodePorts) delete spec.allocateLoadBalancerNodePorts;
    if (spec.loadBalancerClass === oldSpec.loadBalancerClass) delete spec.loadBalancerClass;
  }
}

export const SERVICE_RULES: StrategyOptions = {
  nameValidator: nameIsDNS1035Label,
  defaults: defaultService,
  prepareForCreate: (obj) => {
    // Status belongs to controllers (load balancers); a client cannot set it on create.
    delete obj.status;
    obj.status = { loadBalancer: {} };
    defaultIPFamilies(asService(obj));
  },
  prepareForUpdate: prepareServiceUpdate,
  validateSpec: (obj) => validateServiceSpec(asService(obj)),
  validateSpecUpdate: (obj, old) => validateServiceUpdate(asService(obj), asService(old)),
  extraFields: (obj) => ({ 'spec.clusterIP': asService(obj).spec?.clusterIP ?? '', 'spec.type': asService(obj).spec?.type ?? '' }),
};
