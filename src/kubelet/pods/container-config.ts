/**
 * @module kubelet/pods/container-config
 *
 * What a container needs resolved from the API before it can start: its environment (env,
 * envFrom, the downward API, Service variables) and its volumes' files. ConfigMaps and Secrets
 * are read once per start and shared by env and volumes, so one start sees one version of each.
 */
import type { Container, Service } from 'kubernetes-types/core/v1.js';
import type { VolumeMount } from '../runtime/interface.js';
import type { PodApi, PodObject } from './api.js';
import type { PodRuntimeFacts } from './downward-api.js';
import { containerEnv, type ReferencedObjects } from './env.js';
import { serviceEnv, type ServiceHostFn } from './service-env.js';
import { containerMounts, resolveVolumes } from './volumes.js';

export interface ResolvedContainerConfig {
  readonly env: Record<string, string>;
  readonly mounts: readonly VolumeMount[];
}

/**
 * Resolves `spec`'s environment and mounts; rejects with ContainerConfigError / DownwardAPIError
 * (a missing key: CreateContainerConfigError) or VolumeSetupError (a volume not ready yet).
 */
export async function resolveContainerConfig(
  pod: PodObject,
  spec: Container,
  facts: PodRuntimeFacts,
  deps: { readonly api: PodApi; readonly serviceHost: ServiceHostFn },
  signal: AbortSignal,
): Promise<ResolvedContainerConfig> {
  const refs = referencedObjects(deps.api, signal);
  const env = await containerEnv(pod, spec, facts, await serviceVariables(pod, deps, signal), refs);
  const mounts = containerMounts(spec, await resolveVolumes(pod, facts, refs));
  return { env, mounts };
}

/**
 * The Service variables a container gets: with enableServiceLinks (the default) every Service of
 * its namespace, and always the `kubernetes` Service of default, as upstream's kubelet does.
 */
async function serviceVariables(pod: PodObject, deps: { readonly api: PodApi; readonly serviceHost: ServiceHostFn }, signal: AbortSignal): Promise<Record<string, string>> {
  const namespace = pod.metadata?.namespace ?? 'default';
  const links = pod.spec?.enableServiceLinks !== false;
  const services: Service[] = links ? await deps.api.listServices(namespace, signal) : [];
  if (!services.some((s) => s.metadata?.name === 'kubernetes') && (namespace !== 'default' || !links)) {
    const master = await deps.api.getService('default', 'kubernetes', signal);
    if (master) services.push(master);
  }
  return serviceEnv(links ? services : services.filter((s) => s.metadata?.name === 'kubernetes' && s.metadata.namespace === 'default'), deps.serviceHost);
}

/** ConfigMaps and Secrets, each read at most once per container start. */
function referencedObjects(api: PodApi, signal: AbortSignal): ReferencedObjects {
  const configMaps = new Map<string, ReturnType<PodApi['getConfigMap']>>();
  const secrets = new Map<string, ReturnType<PodApi['getSecret']>>();
  return {
    configMap: (ns, name) => {
      const key = `${ns}/${name}`;
      if (!configMaps.has(key)) configMaps.set(key, api.getConfigMap(ns, name, signal));
      return configMaps.get(key)!;
    },
    secret: (ns, name) => {
      const key = `${ns}/${name}`;
      if (!secrets.has(key)) secrets.set(key, api.getSecret(ns, name, signal));
      return secrets.get(key)!;
    },
  };
}
