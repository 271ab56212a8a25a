/**
 * @module registry/keys
 *
 * Where objects live in the key-value store:
 *   /registry/<group or "core">/<plural>/<namespace>/<name>   namespaced
 *   /registry/<group or "core">/<plural>/<name>               cluster-scoped
 * One prefix per resource, so one storage watch serves a resource's whole watch cache.
 */
import type { ResourceInfo } from '../api/resources.js';

export function resourcePrefix(r: Pick<ResourceInfo, 'group' | 'plural'>): string {
  return `/registry/${r.group || 'core'}/${r.plural}/`;
}

/** The prefix of one namespace's objects (or the whole resource when namespace is undefined). */
export function namespacePrefix(r: Pick<ResourceInfo, 'group' | 'plural' | 'namespaced'>, namespace: string | undefined): string {
  return r.namespaced && namespace ? `${resourcePrefix(r)}${namespace}/` : resourcePrefix(r);
}

export function objectKey(r: Pick<ResourceInfo, 'group' | 'plural' | 'namespaced'>, namespace: string | undefined, name: string): string {
  return r.namespaced ? `${resourcePrefix(r)}${namespace ?? ''}/${name}` : `${resourcePrefix(r)}${name}`;
}
