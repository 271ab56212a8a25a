/**
 * @module apiserver/openapi/patch-strategies
 *
 * How lists and maps of the served API groups merge, as upstream declares it in its Go types
 * (`patchStrategy`/`patchMergeKey` struct tags and `+listType`, `+listMapKey`, `+mapType`,
 * `+structType` markers). `kubernetes-types` carries the field docs but none of this, so the
 * generator folds this table into the schemas it writes. kubectl reads the result: client-side
 * apply computes its strategic merge patch from `x-kubernetes-patch-*`, and server-side apply
 * keys list items by `x-kubernetes-list-map-keys`. A field missing here is treated as atomic
 * (replaced whole), which is safe but loses upstream's merge behaviour.
 *
 * Covers core/v1, apps/v1, discovery/v1, policy/v1, autoscaling/v1 and meta/v1 as of
 * Kubernetes 1.30 (the `kubernetes-types` version installed); the generator fails on an entry
 * naming a type or field it does not know, so the table cannot silently rot.
 */

export interface FieldMergeMeta {
  readonly patchStrategy?: 'merge' | 'retainKeys' | 'merge,retainKeys' | 'replace';
  readonly patchMergeKey?: string;
  readonly listType?: 'atomic' | 'set' | 'map';
  readonly listMapKeys?: readonly string[];
  readonly mapType?: 'atomic' | 'granular';
}

const atomic: FieldMergeMeta = { listType: 'atomic' };
const atomicMap: FieldMergeMeta = { mapType: 'atomic' };
/** A list merged by `mergeKey` in strategic merge patch and keyed by `mapKeys` in server-side apply. */
const merged = (mergeKey: string, ...mapKeys: string[]): FieldMergeMeta => ({
  patchStrategy: 'merge',
  patchMergeKey: mergeKey,
  listType: 'map',
  listMapKeys: mapKeys.length > 0 ? mapKeys : [mergeKey],
});
const mergedRetainingKeys = (mergeKey: string): FieldMergeMeta => ({ ...merged(mergeKey), patchStrategy: 'merge,retainKeys' });
/** Conditions are merged by type everywhere. */
const conditions = merged('type');
/** A list of primitives merged as a set (finalizers, podCIDRs). */
const mergedSet: FieldMergeMeta = { patchStrategy: 'merge', listType: 'set' };

const CORE = 'io.k8s.api.core.v1.';
const APPS = 'io.k8s.api.apps.v1.';
const DISCOVERY = 'io.k8s.api.discovery.v1.';
const POLICY = 'io.k8s.api.policy.v1.';
const AUTOSCALING = 'io.k8s.api.autoscaling.v1.';
const META = 'io.k8s.apimachinery.pkg.apis.meta.v1.';

/** Container and EphemeralContainer share their list fields (upstream inlines one into the other). */
const containerLists: Record<string, FieldMergeMeta> = {
  command: atomic,
  args: atomic,
  ports: merged('containerPort', 'containerPort', 'protocol'),
  envFrom: atomic,
  env: merged('name'),
  resizePolicy: atomic,
  volumeMounts: merged('mountPath'),
  volumeDevices: merged('devicePath'),
};

/** Field merge metadata by component schema name, then JSON field name. */
export const FIELD_MERGE_META: Readonly<Record<string, Readonly<Record<string, FieldMergeMeta>>>> = {
  // core/v1: pods and their templates
  [CORE + 'PodSpec']: {
    volumes: mergedRetainingKeys('name'),
    initContainers: merged('name'),
    containers: merged('name'),
    ephemeralContainers: merged('name'),
    nodeSelector: atomicMap,
    imagePullSecrets: merged('name'),
    tolerations: atomic,
    hostAliases: merged('ip'),
    readinessGates: atomic,
    topologySpreadConstraints: merged('topologyKey', 'topologyKey', 'whenUnsatisfiable'),
    schedulingGates: merged('name'),
    resourceClaims: mergedRetainingKeys('name'),
  },
  [CORE + 'Container']: containerLists,
  [CORE + 'EphemeralContainer']: containerLists,
  [CORE + 'ContainerStatus']: { volumeMounts: merged('mountPath') },
  [CORE + 'PodStatus']: {
    conditions,
    hostIPs: { patchStrategy: 'merge', patchMergeKey: 'ip', listType: 'atomic' },
    podIPs: merged('ip'),
    initContainerStatuses: atomic,
    containerStatuses: atomic,
    ephemeralContainerStatuses: atomic,
    resourceClaimStatuses: mergedRetainingKeys('name'),
  },
  [CORE + 'ResourceRequirements']: { claims: { listType: 'map', listMapKeys: ['name'] } },
  [CORE + 'PodSecurityContext']: { supplementalGroups: atomic, sysctls: atomic },
  [CORE + 'PodDNSConfig']: { nameservers: atomic, searches: atomic, options: atomic },
  [CORE + 'HostAlias']: { hostnames: atomic },
  [CORE + 'TopologySpreadConstraint']: { matchLabelKeys: atomic },
  [CORE + 'Capabilities']: { add: atomic, drop: atomic },
  [CORE + 'ExecAction']: { command: atomic },
  [CORE + 'HTTPGetAction']: { httpHeaders: atomic },
  // core/v1: scheduling
  [CORE + 'NodeAffinity']: { preferredDuringSchedulingIgnoredDuringExecution: atomic },
  [CORE + 'PodAffinity']: { requiredDuringSchedulingIgnoredDuringExecution: atomic, preferredDuringSchedulingIgnoredDuringExecution: atomic },
  [CORE + 'PodAntiAffinity']: { requiredDuringSchedulingIgnoredDuringExecution: atomic, preferredDuringSchedulingIgnoredDuringExecution: atomic },
  [CORE + 'PodAffinityTerm']: { namespaces: atomic, matchLabelKeys: atomic, mismatchLabelKeys: atomic },
  [CORE + 'NodeSelector']: { nodeSelectorTerms: atomic },
  [CORE + 'NodeSelectorTerm']: { matchExpressions: atomic, matchFields: atomic },
  [CORE + 'NodeSelectorRequirement']: { values: atomic },
  [CORE + 'TopologySelectorTerm']: { matchLabelExpressions: atomic },
  [CORE + 'TopologySelectorLabelRequirement']: { values: atomic },
  // core/v1: volumes
  [CORE + 'SecretVolumeSource']: { items: atomic },
  [CORE + 'SecretProjection']: { items: atomic },
  [CORE + 'ConfigMapVolumeSource']: { items: atomic },
  [CORE + 'ConfigMapProjection']: { items: atomic },
  [CORE + 'DownwardAPIVolumeSource']: { items: atomic },
  [CORE + 'DownwardAPIProjection']: { items: atomic },
  [CORE + 'ProjectedVolumeSource']: { sources: atomic },
  [CORE + 'RBDVolumeSource']: { monitors: atomic },
  [CORE + 'RBDPersistentVolumeSource']: { monitors: atomic },
  [CORE + 'CephFSVolumeSource']: { monitors: atomic },
  [CORE + 'CephFSPersistentVolumeSource']: { monitors: atomic },
  [CORE + 'ISCSIVolumeSource']: { portals: atomic },
  [CORE + 'ISCSIPersistentVolumeSource']: { portals: atomic },
  [CORE + 'FCVolumeSource']: { targetWWNs: atomic, wwids: atomic },
  [CORE + 'PersistentVolumeSpec']: { accessModes: atomic, mountOptions: atomic },
  [CORE + 'PersistentVolumeClaimSpec']: { accessModes: atomic },
  [CORE + 'PersistentVolumeClaimStatus']: { accessModes: atomic, conditions, allocatedResourceStatuses: { mapType: 'granular' } },
  // core/v1: the other served kinds
  [CORE + 'ServiceSpec']: {
    ports: merged('port', 'port', 'protocol'),
    selector: atomicMap,
    clusterIPs: atomic,
    externalIPs: atomic,
    loadBalancerSourceRanges: atomic,
    ipFamilies: atomic,
  },
  [CORE + 'ServiceStatus']: { conditions },
  [CORE + 'LoadBalancerStatus']: { ingress: atomic },
  [CORE + 'LoadBalancerIngress']: { ports: atomic },
  [CORE + 'ServiceAccount']: { secrets: merged('name'), imagePullSecrets: atomic },
  [CORE + 'Endpoints']: { subsets: atomic },
  [CORE + 'EndpointSubset']: { addresses: atomic, notReadyAddresses: atomic, ports: atomic },
  [CORE + 'NodeSpec']: { podCIDRs: mergedSet, taints: atomic },
  [CORE + 'NodeStatus']: {
    conditions,
    addresses: merged('type'),
    images: atomic,
    volumesInUse: atomic,
    volumesAttached: atomic,
    runtimeHandlers: atomic,
  },
  [CORE + 'ContainerImage']: { names: atomic },
  [CORE + 'NamespaceSpec']: { finalizers: atomic },
  [CORE + 'NamespaceStatus']: { conditions },
  [CORE + 'ReplicationControllerSpec']: { selector: atomicMap },
  [CORE + 'ReplicationControllerStatus']: { conditions },
  [CORE + 'ComponentStatus']: { conditions },
  [CORE + 'LimitRangeSpec']: { limits: atomic },
  [CORE + 'ResourceQuotaSpec']: { scopes: atomic },
  [CORE + 'ScopeSelector']: { matchExpressions: atomic },
  [CORE + 'ScopedResourceSelectorRequirement']: { values: atomic },
  // apps/v1
  [APPS + 'DeploymentSpec']: { strategy: { patchStrategy: 'retainKeys' } },
  [APPS + 'DeploymentStatus']: { conditions },
  [APPS + 'ReplicaSetStatus']: { conditions },
  [APPS + 'DaemonSetStatus']: { conditions },
  [APPS + 'StatefulSetSpec']: { volumeClaimTemplates: atomic },
  [APPS + 'StatefulSetStatus']: { conditions },
  // discovery/v1
  [DISCOVERY + 'EndpointSlice']: { endpoints: atomic, ports: atomic },
  [DISCOVERY + 'Endpoint']: { addresses: { listType: 'set' } },
  [DISCOVERY + 'EndpointHints']: { forZones: atomic },
  // policy/v1
  [POLICY + 'PodDisruptionBudgetSpec']: { selector: { patchStrategy: 'replace' } },
  [POLICY + 'PodDisruptionBudgetStatus']: { conditions },
  // meta/v1
  [META + 'ObjectMeta']: { ownerReferences: merged('uid'), finalizers: mergedSet, managedFields: atomic },
  [META + 'LabelSelector']: { matchExpressions: atomic },
  [META + 'LabelSelectorRequirement']: { values: atomic },
  [META + 'DeleteOptions']: { dryRun: atomic },
  [META + 'StatusDetails']: { causes: atomic },
};

/**
 * Structs that server-side apply replaces whole (`+structType=atomic`), which upstream renders as
 * `x-kubernetes-map-type: atomic` on the component schema.
 */
export const ATOMIC_STRUCTS: readonly string[] = [
  CORE + 'ConfigMapKeySelector',
  CORE + 'EndpointAddress',
  CORE + 'EndpointPort',
  CORE + 'LocalObjectReference',
  CORE + 'NodeSelector',
  CORE + 'NodeSelectorTerm',
  CORE + 'ObjectFieldSelector',
  CORE + 'ObjectReference',
  CORE + 'ResourceFieldSelector',
  CORE + 'ScopeSelector',
  CORE + 'SecretKeySelector',
  CORE + 'SecretReference',
  CORE + 'TopologySelectorTerm',
  CORE + 'TypedLocalObjectReference',
  DISCOVERY + 'EndpointPort',
  AUTOSCALING + 'CrossVersionObjectReference',
  META + 'LabelSelector',
  META + 'OwnerReference',
];
