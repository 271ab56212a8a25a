/**
 * @module kubelet/pods/service-env
 *
 * The environment variables upstream's kubelet gives every container for Services (service
 * links): `<NAME>_SERVICE_HOST`, `<NAME>_SERVICE_PORT`, `<NAME>_SERVICE_PORT_<PORTNAME>`, and
 * the Docker-link family `<NAME>_PORT`, `<NAME>_PORT_<port>_<PROTO>[_PROTO|_PORT|_ADDR]`, for the
 * Services of the pod's namespace (with enableServiceLinks, the default) and always for the
 * `kubernetes` Service of the default namespace. Headless Services and those without a cluster
 * IP give none.
 */
import type { Service } from 'kubernetes-types/core/v1.js';

/** The address a pod should use for a Service (host mode: a per-node proxy address). */
export type ServiceHostFn = (service: Service) => string | undefined;

export const clusterIPServiceHost: ServiceHostFn = (service) => {
  const ip = service.spec?.clusterIP;
  return ip && ip !== 'None' ? ip : undefined;
};

export function serviceEnv(services: readonly Service[], hostOf: ServiceHostFn): Record<string, string> {
  const env: Record<string, string> = {};
  // Sorted by name, as upstream lists them, so the result does not depend on list order.
  const sorted = [...services].sort((a, b) => (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? ''));
  for (const service of sorted) {
    const ip = service.spec?.clusterIP;
    if (!ip || ip === 'None') continue;
    const host = hostOf(service);
    if (host === undefined) continue;
    const name = envName(service.metadata?.name ?? '');
    const ports = service.spec?.ports ?? [];
    const first = ports[0];
    if (!first) continue;
    env[`${name}_SERVICE_HOST`] = host;
    env[`${name}_SERVICE_PORT`] = String(first.port);
    for (const p of ports) if (p.name) env[`${name}_SERVICE_PORT_${envName(p.name)}`] = String(p.port);
    env[`${name}_PORT`] = `${(first.protocol ?? 'TCP').toLowerCase()}://${host}:${first.port}`;
    for (const p of ports) {
      const protocol = p.protocol ?? 'TCP';
      const prefix = `${name}_PORT_${p.port}_${protocol.toUpperCase()}`;
      env[prefix] = `${protocol.toLowerCase()}://${host}:${p.port}`;
      env[`${prefix}_PROTO`] = protocol.toLowerCase();
      env[`${prefix}_PORT`] = String(p.port);
      env[`${prefix}_ADDR`] = host;
    }
  }
  return env;
}

function envName(name: string): string {
  return name.toUpperCase().replace(/-/g, '_');
}
