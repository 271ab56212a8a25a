/**
 * @module registry/service/kubernetes-service
 *
 * The `default/kubernetes` Service through which pods reach the API server, as upstream's
 * controlplane creates it at start: the first address of the service range, port 443 (name
 * `https`), no selector; its Endpoints and EndpointSlice (both named `kubernetes`) point at the
 * API server's own address and port, as upstream's endpoint reconciler keeps them.
 *
 * Difference from upstream: upstream's lease reconciler lists every live API server and drops
 * dead ones. Here each API server, when it starts, adds its address if the port matches and
 * otherwise takes the endpoints over (several API servers on one host listen on different ports,
 * which one Endpoints port cannot express); nothing removes a stopped server's address yet.
 */
import type { Endpoints, Service } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import { ApiError } from '../../api/errors.js';
import type { KubeObject } from '../../api/object.js';
import type { Logger } from '../../log.js';
import type { Registry } from '../registry.js';

export const KUBERNETES_SERVICE_NAME = 'kubernetes';
const NAMESPACE = 'default';
const SERVICE_PORT = 443;

export interface ApiServerEndpoint {
  readonly ip: string;
  readonly port: number;
}

export async function ensureKubernetesService(registry: Registry, self: ApiServerEndpoint, log: Logger): Promise<void> {
  await ensureService(registry, self, log);
  await upsert(registry, '', 'v1', 'endpoints', (current) => endpointsFor(current as Endpoints | undefined, self));
  await upsert(registry, 'discovery.k8s.io', 'v1', 'endpointslices', (current) => sliceFor(current as EndpointSlice | undefined, self));
}

async function ensureService(registry: Registry, self: ApiServerEndpoint, log: Logger): Promise<void> {
  const store = registry.store('', 'v1', 'services')!;
  const service = (clusterIP?: string): Service => ({
    metadata: { name: KUBERNETES_SERVICE_NAME, namespace: NAMESPACE, labels: { component: 'apiserver', provider: 'kubernetes' } },
    spec: {
      type: 'ClusterIP',
      ...(clusterIP && { clusterIP }),
      ports: [{ name: 'https', port: SERVICE_PORT, protocol: 'TCP', targetPort: self.port }],
      sessionAffinity: 'None',
    },
  });
  try {
    await store.get(NAMESPACE, KUBERNETES_SERVICE_NAME);
    return;
  } catch (err) {
    if (!(err instanceof ApiError && err.code === 404)) throw err;
  }
  try {
    await store.create(NAMESPACE, service(registry.serviceAllocation.apiServerServiceIP) as KubeObject);
  } catch (err) {
    if (err instanceof ApiError && err.reason === 'AlreadyExists') return;
    if (!(err instanceof ApiError && err.code === 422)) throw err;
    // Someone holds the first address (the Service was deleted and the address reused): serve anyway.
    log.error({ err: err.message }, 'the kubernetes Service cannot have the first service IP; using another');
    await store.create(NAMESPACE, service() as KubeObject).catch((again: unknown) => {
      if (!(again instanceof ApiError && again.reason === 'AlreadyExists')) throw again;
    });
  }
}

/** Creates or updates `default/kubernetes` of a resource from its current state. */
async function upsert(registry: Registry, group: string, version: string, plural: string, desired: (current: KubeObject | undefined) => KubeObject): Promise<void> {
  const store = registry.store(group, version, plural)!;
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      await store.guaranteedUpdate(NAMESPACE, KUBERNETES_SERVICE_NAME, (current) => ({ ...desired(current), metadata: current.metadata }) as typeof current);
      return;
    } catch (err) {
      if (!(err instanceof ApiError && err.code === 404)) throw err;
    }
    try {
      await store.create(NAMESPACE, desired(undefined));
      return;
    } catch (err) {
      if (!(err instanceof ApiError && err.reason === 'AlreadyExists')) throw err;
    }
  }
}

function endpointsFor(current: Endpoints | undefined, self: ApiServerEndpoint): KubeObject {
  const subset = current?.subsets?.[0];
  const samePort = subset?.ports?.length === 1 && subset.ports[0]!.port === self.port;
  const others = samePort ? (subset.addresses ?? []).map((a) => a.ip).filter((ip) => ip !== self.ip) : [];
  const ips = [...others, self.ip].sort();
  return {
    apiVersion: 'v1',
    kind: 'Endpoints',
    metadata: { name: KUBERNETES_SERVICE_NAME, namespace: NAMESPACE, labels: { 'endpointslice.kubernetes.io/skip-mirror': 'true' } },
    subsets: [{ addresses: ips.map((ip) => ({ ip })), ports: [{ name: 'https', port: self.port, protocol: 'TCP' }] }],
  } as KubeObject;
}

function sliceFor(current: EndpointSlice | undefined, self: ApiServerEndpoint): KubeObject {
  const samePort = current?.ports?.length === 1 && current.ports[0]!.port === self.port;
  const others = samePort ? (current.endpoints ?? []).flatMap((e) => e.addresses).filter((ip) => ip !== self.ip) : [];
  const ips = [...others, self.ip].sort();
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name: KUBERNETES_SERVICE_NAME, namespace: NAMESPACE, labels: { 'kubernetes.io/service-name': KUBERNETES_SERVICE_NAME } },
    addressType: 'IPv4',
    endpoints: ips.map((ip) => ({ addresses: [ip], conditions: { ready: true } })),
    ports: [{ name: 'https', port: self.port, protocol: 'TCP' }],
  } as KubeObject;
}
