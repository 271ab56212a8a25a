import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { RESOURCES, groupVersion } from '../../api/resources.js';
import { fieldMeta, schemaForKind, type FieldPatchMeta, type PatchSchema } from './merge-keys.js';

/** The patch metadata at a dotted path, walking struct types (list fields step into their element type). */
function metaAt(schema: PatchSchema | undefined, path: string): FieldPatchMeta | undefined {
  let type = schema;
  let meta: FieldPatchMeta | undefined;
  for (const field of path.split('.')) {
    meta = fieldMeta(type, field);
    type = meta?.type;
  }
  return meta;
}

/** A row as the compat checklist writes it: strategy (with retainKeys) and merge key. */
function row(meta: FieldPatchMeta | undefined): string {
  if (meta === undefined) return 'default';
  const strategies = [meta.strategy, meta.retainKeys ? 'retainKeys' : undefined].filter((s) => s !== undefined);
  const strategy = strategies.length > 0 ? strategies.join(',') : 'default';
  return meta.mergeKey === undefined ? strategy : `${strategy} by ${meta.mergeKey}`;
}

describe('schemaForKind: the table of patch strategies', () => {
  const pod = schemaForKind('v1', 'Pod');
  const podSpecRows: [string, string][] = [
    ['spec.containers', 'merge by name'],
    ['spec.initContainers', 'merge by name'],
    ['spec.ephemeralContainers', 'merge by name'],
    ['spec.volumes', 'merge,retainKeys by name'],
    ['spec.imagePullSecrets', 'merge by name'],
    ['spec.hostAliases', 'merge by ip'],
    ['spec.topologySpreadConstraints', 'merge by topologyKey'],
    ['spec.schedulingGates', 'merge by name'],
    ['spec.resourceClaims', 'merge,retainKeys by name'],
    ['spec.tolerations', 'default'],
    ['spec.containers.ports', 'merge by containerPort'],
    ['spec.containers.env', 'merge by name'],
    ['spec.containers.volumeMounts', 'merge by mountPath'],
    ['spec.containers.volumeDevices', 'merge by devicePath'],
    ['spec.containers.args', 'default'],
    ['spec.containers.command', 'default'],
    ['spec.containers.envFrom', 'default'],
    ['spec.initContainers.env', 'merge by name'],
    ['spec.ephemeralContainers.volumeMounts', 'merge by mountPath'],
    ['metadata.ownerReferences', 'merge by uid'],
    ['metadata.finalizers', 'merge'],
    ['metadata.managedFields', 'default'],
    ['status.conditions', 'merge by type'],
    ['status.podIPs', 'merge by ip'],
    ['status.hostIPs', 'merge by ip'],
    ['status.containerStatuses', 'default'],
  ];
  for (const [path, expected] of podSpecRows) {
    it(`Pod ${path}: ${expected}`, () => assert.equal(row(metaAt(pod, path)), expected));
  }

  for (const kind of ['Deployment', 'ReplicaSet', 'DaemonSet']) {
    it(`${kind}: the pod template resolves to the same PodSpec and ObjectMeta`, () => {
      const schema = schemaForKind('apps/v1', kind);
      assert.equal(row(metaAt(schema, 'spec.template.spec.containers')), 'merge by name');
      assert.equal(row(metaAt(schema, 'spec.template.spec.containers.env')), 'merge by name');
      assert.equal(row(metaAt(schema, 'spec.template.spec.volumes')), 'merge,retainKeys by name');
      assert.equal(row(metaAt(schema, 'spec.template.metadata.finalizers')), 'merge');
      assert.equal(row(metaAt(schema, 'status.conditions')), 'merge by type');
    });
  }

  const otherRows: [string, string, string, string][] = [
    ['apps/v1', 'Deployment', 'spec.strategy', 'retainKeys'],
    ['apps/v1', 'DaemonSet', 'spec.updateStrategy', 'default'],
    ['v1', 'Service', 'spec.ports', 'merge by port'],
    ['v1', 'Service', 'status.conditions', 'merge by type'],
    ['v1', 'ServiceAccount', 'secrets', 'merge by name'],
    ['v1', 'ServiceAccount', 'imagePullSecrets', 'default'],
    ['v1', 'Node', 'spec.podCIDRs', 'merge'],
    ['v1', 'Node', 'spec.taints', 'default'],
    ['v1', 'Node', 'status.conditions', 'merge by type'],
    ['v1', 'Node', 'status.addresses', 'merge by type'],
    ['v1', 'Namespace', 'status.conditions', 'merge by type'],
    ['v1', 'Namespace', 'spec.finalizers', 'default'],
    ['policy/v1', 'PodDisruptionBudget', 'spec.selector', 'replace'],
    ['policy/v1', 'PodDisruptionBudget', 'status.conditions', 'merge by type'],
    ['discovery.k8s.io/v1', 'EndpointSlice', 'endpoints', 'default'],
    ['discovery.k8s.io/v1', 'EndpointSlice', 'ports', 'default'],
    ['discovery.k8s.io/v1', 'EndpointSlice', 'metadata.ownerReferences', 'merge by uid'],
    ['v1', 'ConfigMap', 'metadata.finalizers', 'merge'],
  ];
  for (const [apiVersion, kind, path, expected] of otherRows) {
    it(`${kind} ${path}: ${expected}`, () => assert.equal(row(metaAt(schemaForKind(apiVersion, kind), path)), expected));
  }

  it('has a schema for every kind tskube serves, so SMP works on all of them', () => {
    const missing = RESOURCES.filter((r) => schemaForKind(groupVersion(r), r.kind) === undefined).map(
      (r) => `${groupVersion(r)} ${r.kind}`,
    );
    assert.deepEqual(missing, []);
  });

  it('has a schema for the Scale subresource', () => {
    assert.ok(schemaForKind('autoscaling/v1', 'Scale'));
  });

  it('has none for unknown kinds, versions or groups (custom resources get 415)', () => {
    assert.equal(schemaForKind('example.com/v1', 'Widget'), undefined);
    assert.equal(schemaForKind('apps/v1beta1', 'Deployment'), undefined);
    assert.equal(schemaForKind('v1', 'Deployment'), undefined);
    assert.equal(schemaForKind('apps/v1', 'deployment'), undefined);
  });

  it('does not treat Object.prototype names as fields', () => {
    const pod = schemaForKind('v1', 'Pod');
    assert.equal(fieldMeta(pod, 'constructor'), undefined);
    assert.equal(fieldMeta(pod, '__proto__'), undefined);
    assert.equal(fieldMeta(undefined, 'spec'), undefined);
  });
});
