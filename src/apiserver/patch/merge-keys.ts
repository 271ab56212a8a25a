/**
 * @module apiserver/patch/merge-keys
 *
 * tskube's table of strategic-merge-patch strategies: upstream keeps them as `patchStrategy` and
 * `patchMergeKey` struct tags on the Go types, so this is that information as a tree of struct
 * types (PodSpec, Container, ObjectMeta, ...) with one root per kind. A Pod template is the same
 * PodSpec wherever it sits (`spec` of a Pod, `spec.template.spec` of a Deployment), so nested
 * paths resolve by walking the tree rather than by listing every full path.
 *
 * Read from k8s.io/api and k8s.io/apimachinery at v0.32.4 (Kubernetes 1.32, the release kubectl
 * 1.32 talks to): core/v1, apps/v1, discovery/v1, policy/v1, coordination/v1, events/v1,
 * autoscaling/v1 types.go and meta/v1 types.go.
 *
 * A field needs an entry only if its behaviour differs from the default, or if it leads to one
 * that does. The default, for a field listed nowhere: objects (labels, resources, selector, ...)
 * merge key by key, and lists (tolerations, args, command, envFrom, taints, ...) are replaced
 * whole. This is exactly upstream's behaviour for an untagged field, which is why unknown fields
 * need no special case.
 */

/** How the server merges one field when the live object and the patch both hold a value for it. */
export interface FieldPatchMeta {
  /**
   * 'merge' (lists only): objects are merged by `mergeKey`, primitives are merged as a set.
   * 'replace' (objects only): the patch value replaces the live one instead of merging into it.
   * Absent: objects merge, lists are replaced.
   */
  readonly strategy?: 'merge' | 'replace';
  /**
   * Upstream's `retainKeys` strategy: clients (kubectl apply) send `$retainKeys` for this field,
   * so that switching one member of a union (emptyDir → configMap) clears the old one. The server
   * honours `$retainKeys` wherever it appears, as upstream's does; this records where it belongs.
   */
  readonly retainKeys?: boolean;
  /** The field that identifies an element of a merge list of objects. */
  readonly mergeKey?: string;
  /** The type of the value, or of each element of a list, when it has fields of its own to describe. */
  readonly type?: StructType;
}

export interface StructType {
  /** The upstream Go type name, for messages and tests. */
  readonly name: string;
  readonly fields: ReadonlyMap<string, FieldPatchMeta>;
}

/** The root of a kind's tree: the struct type of the whole object. */
export type PatchSchema = StructType;

/** The patch metadata of one field of a struct type; undefined for a field with default behaviour. */
export function fieldMeta(type: StructType | undefined, field: string): FieldPatchMeta | undefined {
  return type?.fields.get(field);
}

function struct(name: string, fields: Readonly<Record<string, FieldPatchMeta>>): StructType {
  return { name, fields: new Map(Object.entries(fields)) };
}

const nested = (type: StructType): FieldPatchMeta => ({ type });
const mergeBy = (mergeKey: string, type?: StructType): FieldPatchMeta =>
  type === undefined ? { strategy: 'merge', mergeKey } : { strategy: 'merge', mergeKey, type };
const mergeByRetainingKeys = (mergeKey: string): FieldPatchMeta => ({ strategy: 'merge', mergeKey, retainKeys: true });
/** A list of strings merged as a set (finalizers, podCIDRs). */
const primitiveSet: FieldPatchMeta = { strategy: 'merge' };
const retainKeys: FieldPatchMeta = { retainKeys: true };
const replace: FieldPatchMeta = { strategy: 'replace' };

// meta/v1
const objectMeta = struct('ObjectMeta', {
  ownerReferences: mergeBy('uid'),
  finalizers: primitiveSet,
});

// core/v1: EphemeralContainer inlines EphemeralContainerCommon, which repeats Container's tags.
const containerFields = {
  ports: mergeBy('containerPort'),
  env: mergeBy('name'),
  volumeMounts: mergeBy('mountPath'),
  volumeDevices: mergeBy('devicePath'),
};
const container = struct('Container', containerFields);
const ephemeralContainer = struct('EphemeralContainer', containerFields);

const podSpec = struct('PodSpec', {
  volumes: mergeByRetainingKeys('name'),
  initContainers: mergeBy('name', container),
  containers: mergeBy('name', container),
  ephemeralContainers: mergeBy('name', ephemeralContainer),
  imagePullSecrets: mergeBy('name'),
  hostAliases: mergeBy('ip'),
  topologySpreadConstraints: mergeBy('topologyKey'),
  schedulingGates: mergeBy('name'),
  resourceClaims: mergeByRetainingKeys('name'),
  // tolerations: `+listType=atomic` and no patchStrategy, so the default (replace) applies.
});

const podStatus = struct('PodStatus', {
  conditions: mergeBy('type'),
  podIPs: mergeBy('ip'),
  hostIPs: mergeBy('ip'),
  resourceClaimStatuses: mergeByRetainingKeys('name'),
  // containerStatuses is atomic, so the tags inside ContainerStatus never apply to a patch.
});

const podTemplateSpec = struct('PodTemplateSpec', { metadata: nested(objectMeta), spec: nested(podSpec) });

/** The status of every kind whose conditions are `patchStrategy:"merge" patchMergeKey:"type"`. */
const statusWithConditions = (name: string) => struct(name, { conditions: mergeBy('type') });

/** A kind's root: metadata is ObjectMeta everywhere. */
const kind = (name: string, fields: Readonly<Record<string, FieldPatchMeta>> = {}) =>
  struct(name, { metadata: nested(objectMeta), ...fields });

const workload = (name: string, extraSpec: Readonly<Record<string, FieldPatchMeta>> = {}) =>
  kind(name, {
    spec: nested(struct(`${name}Spec`, { template: nested(podTemplateSpec), ...extraSpec })),
    status: nested(statusWithConditions(`${name}Status`)),
  });

/** Keyed by `<apiVersion>, Kind=<kind>`, upstream's spelling of a GroupVersionKind. */
const KINDS: ReadonlyMap<string, PatchSchema> = new Map(
  (
    [
      ['v1', 'Pod', kind('Pod', { spec: nested(podSpec), status: nested(podStatus) })],
      [
        'v1',
        'Node',
        kind('Node', {
          spec: nested(struct('NodeSpec', { podCIDRs: primitiveSet })),
          status: nested(struct('NodeStatus', { conditions: mergeBy('type'), addresses: mergeBy('type') })),
        }),
      ],
      ['v1', 'Namespace', kind('Namespace', { status: nested(statusWithConditions('NamespaceStatus')) })],
      [
        'v1',
        'Service',
        kind('Service', {
          spec: nested(struct('ServiceSpec', { ports: mergeBy('port') })),
          status: nested(statusWithConditions('ServiceStatus')),
        }),
      ],
      // ServiceAccount.imagePullSecrets is atomic; only secrets merges.
      ['v1', 'ServiceAccount', kind('ServiceAccount', { secrets: mergeBy('name') })],
      ['v1', 'Endpoints', kind('Endpoints')],
      ['v1', 'ConfigMap', kind('ConfigMap')],
      ['v1', 'Secret', kind('Secret')],
      ['v1', 'Event', kind('Event')],
      ['apps/v1', 'Deployment', workload('Deployment', { strategy: retainKeys })],
      ['apps/v1', 'ReplicaSet', workload('ReplicaSet')],
      // DaemonSetSpec.updateStrategy has no patchStrategy tag, unlike DeploymentSpec.strategy.
      ['apps/v1', 'DaemonSet', workload('DaemonSet')],
      // EndpointSlice's endpoints and ports are atomic lists: nothing to describe below metadata.
      ['discovery.k8s.io/v1', 'EndpointSlice', kind('EndpointSlice')],
      ['coordination.k8s.io/v1', 'Lease', kind('Lease')],
      ['events.k8s.io/v1', 'Event', kind('Event')],
      [
        'policy/v1',
        'PodDisruptionBudget',
        kind('PodDisruptionBudget', {
          spec: nested(struct('PodDisruptionBudgetSpec', { selector: replace })),
          status: nested(statusWithConditions('PodDisruptionBudgetStatus')),
        }),
      ],
      // The scale subresource accepts patches too.
      ['autoscaling/v1', 'Scale', kind('Scale')],
    ] as const
  ).map(([apiVersion, kindName, schema]) => [gvk(apiVersion, kindName), schema]),
);

function gvk(apiVersion: string, kindName: string): string {
  return `${apiVersion}, Kind=${kindName}`;
}

/**
 * The patch schema of a built-in kind, or undefined for a kind tskube has no types for (custom
 * resources): the API server answers a strategic merge patch on those with 415, as upstream.
 */
export function schemaForKind(apiVersion: string, kindName: string): PatchSchema | undefined {
  return KINDS.get(gvk(apiVersion, kindName));
}
