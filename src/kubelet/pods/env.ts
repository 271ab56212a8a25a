/**
 * @module kubelet/pods/env
 *
 * A container's environment as upstream's kubelet builds it: envFrom sources first (ConfigMaps
 * and Secrets, with prefix), then env entries in order — literal values with `$(VAR)` expansion
 * over what is defined so far plus the service variables, and valueFrom (fieldRef,
 * resourceFieldRef, configMapKeyRef, secretKeyRef) — and last the service-link variables for
 * every name not already set. A missing ConfigMap/Secret or key that is not optional is a
 * ContainerConfigError, which the worker reports as waiting reason CreateContainerConfigError
 * with upstream's message.
 */
import type { ConfigMap, Container, Secret } from 'kubernetes-types/core/v1.js';
import type { PodObject } from './api.js';
import { fieldRefValue, resourceFieldRefValue, type PodRuntimeFacts } from './downward-api.js';
import { expand } from './expansion.js';

/** Cached reads of what a pod refers to; undefined when it does not exist. */
export interface ReferencedObjects {
  configMap(namespace: string, name: string): Promise<ConfigMap | undefined>;
  secret(namespace: string, name: string): Promise<Secret | undefined>;
}

export class ContainerConfigError extends Error {
  override readonly name = 'ContainerConfigError';
  readonly reason = 'CreateContainerConfigError';
}

/** Upstream's env var name rule for envFrom keys (C_IDENTIFIER-ish, relaxed as in 1.30+). */
const ENV_NAME = /^[-._a-zA-Z][-._a-zA-Z0-9]*$/;

export async function containerEnv(
  pod: PodObject,
  container: Container,
  facts: PodRuntimeFacts,
  serviceVars: Readonly<Record<string, string>>,
  refs: ReferencedObjects,
): Promise<Record<string, string>> {
  const namespace = pod.metadata?.namespace ?? 'default';
  const env: Record<string, string> = {};

  for (const source of container.envFrom ?? []) {
    const prefix = source.prefix ?? '';
    if (source.configMapRef) {
      const name = source.configMapRef.name ?? '';
      const cm = await refs.configMap(namespace, name);
      if (!cm) {
        if (source.configMapRef.optional) continue;
        throw new ContainerConfigError(`configmap "${name}" not found`);
      }
      for (const [k, v] of Object.entries(cm.data ?? {})) if (ENV_NAME.test(prefix + k)) env[prefix + k] = v;
    } else if (source.secretRef) {
      const name = source.secretRef.name ?? '';
      const secret = await refs.secret(namespace, name);
      if (!secret) {
        if (source.secretRef.optional) continue;
        throw new ContainerConfigError(`secret "${name}" not found`);
      }
      for (const [k, v] of Object.entries(secretData(secret))) if (ENV_NAME.test(prefix + k)) env[prefix + k] = v.toString('utf8');
    }
  }

  const lookup = (name: string) => env[name] ?? serviceVars[name];
  for (const entry of container.env ?? []) {
    const from = entry.valueFrom;
    if (!from) {
      env[entry.name] = expand(entry.value ?? '', lookup);
      continue;
    }
    if (from.fieldRef) {
      env[entry.name] = fieldRefValue(pod, from.fieldRef, facts);
    } else if (from.resourceFieldRef) {
      env[entry.name] = resourceFieldRefValue(pod.spec?.containers ?? [], { ...from.resourceFieldRef, containerName: from.resourceFieldRef.containerName ?? container.name }, facts);
    } else if (from.configMapKeyRef) {
      const { name = '', key, optional } = from.configMapKeyRef;
      const cm = await refs.configMap(namespace, name);
      if (!cm) {
        if (optional) continue;
        throw new ContainerConfigError(`configmap "${name}" not found`);
      }
      const value = cm.data?.[key] ?? (cm.binaryData?.[key] !== undefined ? Buffer.from(cm.binaryData[key], 'base64').toString('utf8') : undefined);
      if (value === undefined) {
        if (optional) continue;
        throw new ContainerConfigError(`couldn't find key ${key} in ConfigMap ${namespace}/${name}`);
      }
      env[entry.name] = value;
    } else if (from.secretKeyRef) {
      const { name = '', key, optional } = from.secretKeyRef;
      const secret = await refs.secret(namespace, name);
      if (!secret) {
        if (optional) continue;
        throw new ContainerConfigError(`secret "${name}" not found`);
      }
      const value = secretData(secret)[key];
      if (value === undefined) {
        if (optional) continue;
        throw new ContainerConfigError(`couldn't find key ${key} in Secret ${namespace}/${name}`);
      }
      env[entry.name] = value.toString('utf8');
    }
  }

  for (const [k, v] of Object.entries(serviceVars)) if (!(k in env)) env[k] = v;
  return env;
}

/** A Secret's data decoded (stringData is folded in by the API server; honoured here too). */
export function secretData(secret: Secret): Record<string, Buffer> {
  const out: Record<string, Buffer> = {};
  for (const [k, v] of Object.entries(secret.data ?? {})) out[k] = Buffer.from(v, 'base64');
  for (const [k, v] of Object.entries(secret.stringData ?? {})) out[k] = Buffer.from(v, 'utf8');
  return out;
}

/** command and args with `$(VAR)` expanded over the container's final environment, as upstream. */
export function expandCommand(words: readonly string[] | undefined, env: Readonly<Record<string, string>>): string[] {
  return (words ?? []).map((w) => expand(w, (name) => env[name]));
}
