/**
 * @module cloud/ingress-status
 *
 * The Service's `status.loadBalancer.ingress`: where clients reach the balancer, written through
 * the services/status subresource as the cloud provider's service controller does once its load
 * balancer exists, and cleared when it goes away. `kubectl get svc` shows it as EXTERNAL-IP
 * (`<pending>` while there is none).
 *
 * The ingress names the balancer's own address: `ip` when it listens on an IP, `hostname` for a
 * name, and in `ports` the port it listens on. Upstream's `ports` carries the Service ports,
 * because a cloud balancer listens on each of them; this one listens on one `--listen` port,
 * which may differ, and that is where a client must connect.
 */
import type { LoadBalancerIngress } from 'kubernetes-types/core/v1.js';
import { isIP } from 'node:net';
import { jsonEqual } from '../api/object.js';
import type { ResourceClient } from '../client/index.js';
import type { Service } from './types.js';

export class IngressAddressError extends Error {
  override readonly name = 'IngressAddressError';
  readonly code = 'CLOUD_BAD_INGRESS_ADDRESS';
}

/** The ingress for a balancer listening on `host:port` (TCP). */
export function ingressFor(host: string, port: number): LoadBalancerIngress {
  if (host === '0.0.0.0' || host === '::') {
    throw new IngressAddressError(`${host} listens on every address, so it names none for clients; give the address clients use, e.g. --listen 127.0.0.1:${port}.`);
  }
  const where = isIP(host) ? { ip: host } : { hostname: host };
  return { ...where, ports: [{ port, protocol: 'TCP' }] };
}

/** True when the Service already shows exactly `ingress` (nothing to write). */
export function showsIngress(service: Service, ingress: readonly LoadBalancerIngress[]): boolean {
  return jsonEqual(service.status?.loadBalancer?.ingress ?? [], ingress);
}

/**
 * Sets `status.loadBalancer.ingress` (an empty list clears it) with a JSON merge patch on the
 * status subresource: the rest of the status is left alone, and no resourceVersion is needed, so
 * it cannot conflict with other writers.
 */
export async function patchIngress(services: ResourceClient<Service>, service: Service, ingress: readonly LoadBalancerIngress[], signal: AbortSignal): Promise<Service> {
  const patch = { status: { loadBalancer: { ingress: ingress.length > 0 ? ingress : null } } };
  return services.patch(service.metadata!.name!, 'merge', patch, { namespace: service.metadata!.namespace!, subresource: 'status', signal });
}
