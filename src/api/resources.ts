/**
 * @module api/resources
 *
 * The table of every resource tskube serves: group, version, kind, names, scope, verbs and
 * subresources. Discovery, routing, storage keys and the printers all read this one table, so a
 * resource is added in one place.
 */

export interface SubresourceInfo {
  readonly name: string;
  /** The kind the subresource accepts and returns (e.g. Scale in autoscaling/v1 for scale). */
  readonly group: string;
  readonly version: string;
  readonly kind: string;
  readonly verbs: readonly string[];
}

export interface ResourceInfo {
  readonly group: string;
  readonly version: string;
  readonly kind: string;
  readonly plural: string;
  readonly singular: string;
  readonly namespaced: boolean;
  readonly shortNames: readonly string[];
  readonly categories: readonly string[];
  readonly verbs: readonly string[];
  readonly subresources: readonly SubresourceInfo[];
}

export const ALL_VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'] as const;
const GET_PATCH_UPDATE = ['get', 'patch', 'update'] as const;

function resource(
  gv: string,
  kind: string,
  plural: string,
  options: {
    namespaced?: boolean;
    shortNames?: string[];
    categories?: string[];
    verbs?: readonly string[];
    subresources?: (gv: { group: string; version: string; kind: string }) => SubresourceInfo[];
  } = {},
): ResourceInfo {
  const [group, version] = gv.includes('/') ? (gv.split('/') as [string, string]) : ['', gv];
  return {
    group,
    version,
    kind,
    plural,
    singular: kind.toLowerCase(),
    namespaced: options.namespaced ?? true,
    shortNames: options.shortNames ?? [],
    categories: options.categories ?? [],
    verbs: options.verbs ?? ALL_VERBS,
    subresources: options.subresources?.({ group, version, kind }) ?? [],
  };
}

const status = (self: { group: string; version: string; kind: string }): SubresourceInfo => ({
  name: 'status',
  ...self,
  verbs: GET_PATCH_UPDATE,
});
const scale: SubresourceInfo = { name: 'scale', group: 'autoscaling', version: 'v1', kind: 'Scale', verbs: GET_PATCH_UPDATE };

export const RESOURCES: readonly ResourceInfo[] = [
  resource('v1', 'Namespace', 'namespaces', {
    namespaced: false,
    shortNames: ['ns'],
    verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'],
    subresources: (self) => [status(self), { name: 'finalize', ...self, verbs: ['update'] }],
  }),
  resource('v1', 'Node', 'nodes', { namespaced: false, shortNames: ['no'], subresources: (self) => [status(self)] }),
  resource('v1', 'Pod', 'pods', {
    shortNames: ['po'],
    categories: ['all'],
    subresources: (self) => [
      status(self),
      { name: 'attach', group: '', version: 'v1', kind: 'PodAttachOptions', verbs: ['create', 'get'] },
      { name: 'binding', group: '', version: 'v1', kind: 'Binding', verbs: ['create'] },
      { name: 'eviction', group: 'policy', version: 'v1', kind: 'Eviction', verbs: ['create'] },
      { name: 'exec', group: '', version: 'v1', kind: 'PodExecOptions', verbs: ['create', 'get'] },
      { name: 'log', group: '', version: 'v1', kind: 'Pod', verbs: ['get'] },
      { name: 'portforward', group: '', version: 'v1', kind: 'PodPortForwardOptions', verbs: ['create', 'get'] },
    ],
  }),
  resource('v1', 'Service', 'services', {
    shortNames: ['svc'],
    categories: ['all'],
    verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'],
    subresources: (self) => [status(self)],
  }),
  resource('v1', 'Endpoints', 'endpoints', { shortNames: ['ep'] }),
  resource('v1', 'ConfigMap', 'configmaps', { shortNames: ['cm'] }),
  resource('v1', 'Secret', 'secrets'),
  resource('v1', 'ServiceAccount', 'serviceaccounts', { shortNames: ['sa'] }),
  resource('v1', 'Event', 'events', { shortNames: ['ev'] }),
  resource('apps/v1', 'Deployment', 'deployments', {
    shortNames: ['deploy'],
    categories: ['all'],
    subresources: (self) => [scale, status(self)],
  }),
  resource('apps/v1', 'ReplicaSet', 'replicasets', {
    shortNames: ['rs'],
    categories: ['all'],
    subresources: (self) => [scale, status(self)],
  }),
  resource('apps/v1', 'DaemonSet', 'daemonsets', { shortNames: ['ds'], categories: ['all'], subresources: (self) => [status(self)] }),
  resource('discovery.k8s.io/v1', 'EndpointSlice', 'endpointslices'),
  resource('coordination.k8s.io/v1', 'Lease', 'leases'),
  resource('events.k8s.io/v1', 'Event', 'events', { shortNames: ['ev'] }),
  resource('policy/v1', 'PodDisruptionBudget', 'poddisruptionbudgets', {
    shortNames: ['pdb'],
    subresources: (self) => [status(self)],
  }),
];

export function groupVersion(r: { group: string; version: string }): string {
  return r.group === '' ? r.version : `${r.group}/${r.version}`;
}

/** The served resource for a URL's group, version and plural, if any. */
export function findResource(group: string, version: string, plural: string): ResourceInfo | undefined {
  return RESOURCES.find((r) => r.group === group && r.version === version && r.plural === plural);
}

/** The served resource for an object's apiVersion and kind, if any. */
export function findResourceByKind(apiVersion: string, kind: string): ResourceInfo | undefined {
  return RESOURCES.find((r) => groupVersion(r) === apiVersion && r.kind === kind);
}

/** Groups in discovery order (core first), each with its versions in preference order. */
export function servedGroups(): { group: string; versions: string[] }[] {
  const groups = new Map<string, string[]>();
  for (const r of RESOURCES) {
    const versions = groups.get(r.group) ?? [];
    if (!versions.includes(r.version)) versions.push(r.version);
    groups.set(r.group, versions);
  }
  return [...groups].map(([group, versions]) => ({ group, versions }));
}
