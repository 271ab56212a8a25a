/**
 * @module apiserver/discovery
 *
 * API discovery, generated from the resource table: the legacy documents (/api, /apis,
 * /apis/<group>, /api/v1, /apis/<group>/<version>) and the aggregated v2 documents kubectl 1.32
 * asks for first. kubectl picks the format from the response Content-Type, so aggregated answers
 * carry `application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList`.
 */
import { RESOURCES, groupVersion, servedGroups, type ResourceInfo } from '../api/resources.js';

export const AGGREGATED_CONTENT_TYPE = 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList';

/** Whether the client accepts aggregated discovery v2 (kubectl and client-go 1.30+ do). */
export function wantsAggregated(accept: string | undefined): boolean {
  return (accept ?? '').split(',').some((part) => {
    const params = part.split(';').map((p) => p.trim());
    return params.includes('g=apidiscovery.k8s.io') && params.includes('v=v2') && params.includes('as=APIGroupDiscoveryList');
  });
}

function resourcesOf(group: string, version: string): ResourceInfo[] {
  return RESOURCES.filter((r) => r.group === group && r.version === version);
}

export function apiVersions(serverAddress: string) {
  return {
    kind: 'APIVersions',
    versions: ['v1'],
    serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }],
  };
}

function groupDocument(group: string, versions: string[]) {
  const gvs = versions.map((version) => ({ groupVersion: `${group}/${version}`, version }));
  return { name: group, versions: gvs, preferredVersion: gvs[0]! };
}

export function apiGroupList() {
  return {
    kind: 'APIGroupList',
    apiVersion: 'v1',
    groups: servedGroups()
      .filter((g) => g.group !== '')
      .map((g) => groupDocument(g.group, g.versions)),
  };
}

export function apiGroup(group: string) {
  const served = servedGroups().find((g) => g.group === group && group !== '');
  return served && { kind: 'APIGroup', apiVersion: 'v1', ...groupDocument(group, served.versions) };
}

/** /api/v1 or /apis/<group>/<version>: each resource, then its subresources (client-node relies on that order). */
export function apiResourceList(group: string, version: string) {
  const resources = resourcesOf(group, version);
  if (resources.length === 0) return undefined;
  return {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion: groupVersion({ group, version }),
    resources: resources.flatMap((r) => [
      {
        name: r.plural,
        singularName: r.singular,
        namespaced: r.namespaced,
        kind: r.kind,
        verbs: r.verbs,
        ...(r.shortNames.length > 0 && { shortNames: r.shortNames }),
        ...(r.categories.length > 0 && { categories: r.categories }),
      },
      ...r.subresources.map((s) => ({
        name: `${r.plural}/${s.name}`,
        singularName: '',
        namespaced: r.namespaced,
        ...(s.group !== r.group || s.version !== r.version ? { group: s.group, version: s.version } : {}),
        kind: s.kind,
        verbs: s.verbs,
      })),
    ]),
  };
}

/** Aggregated discovery: `/api` lists only the core group, `/apis` every other group. */
export function aggregatedDiscovery(core: boolean) {
  const groups = servedGroups().filter((g) => (g.group === '') === core);
  return {
    kind: 'APIGroupDiscoveryList',
    apiVersion: 'apidiscovery.k8s.io/v2',
    metadata: {},
    items: groups.map((g) => ({
      metadata: { name: g.group },
      versions: g.versions.map((version) => ({
        version,
        freshness: 'Current',
        resources: resourcesOf(g.group, version).map((r) => ({
          resource: r.plural,
          singularResource: r.singular,
          scope: r.namespaced ? 'Namespaced' : 'Cluster',
          responseKind: { group: r.group, version: r.version, kind: r.kind },
          verbs: r.verbs,
          ...(r.shortNames.length > 0 && { shortNames: r.shortNames }),
          ...(r.categories.length > 0 && { categories: r.categories }),
          ...(r.subresources.length > 0 && {
            subresources: r.subresources.map((s) => ({
              subresource: s.name,
              responseKind: { group: s.group, version: s.version, kind: s.kind },
              verbs: s.verbs,
            })),
          }),
        })),
      })),
    })),
  };
}
