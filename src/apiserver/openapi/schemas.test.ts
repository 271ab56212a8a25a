import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { groupVersion, RESOURCES } from '../../api/resources.js';
import { REF_PREFIX, type Schema } from './schema.js';
import { resolveSchema, schemaForKind, schemaNameForKind, schemaTable } from './schemas.js';

const CORE = 'io.k8s.api.core.v1.';
const META = 'io.k8s.apimachinery.pkg.apis.meta.v1.';

function schema(name: string): Schema {
  const s = schemaTable()[name];
  assert.ok(s, `no schema ${name}`);
  return s;
}

function field(owner: string, name: string): Schema {
  const f = schema(owner).properties?.[name];
  assert.ok(f, `${owner} has no field ${name}`);
  return f;
}

/** A field that refers to another schema, in upstream's v3 shape: allOf:[{$ref}] beside its description. */
function assertRefField(owner: string, name: string, target: string): void {
  const f = field(owner, name);
  assert.equal(typeof f.description, 'string', `${owner}.${name} has a description`);
  assert.deepEqual(f.allOf, [{ $ref: REF_PREFIX + target }]);
}

describe('generated schemas', () => {
  it('has a schema for every served kind, its list and its subresource kinds', () => {
    for (const r of RESOURCES) {
      assert.ok(schemaForKind(groupVersion(r), r.kind), `${groupVersion(r)} ${r.kind}`);
      assert.ok(schemaForKind(groupVersion(r), `${r.kind}List`), `${groupVersion(r)} ${r.kind}List`);
      // Connect subresources (exec, portforward) take query options, not bodies: no schema, as upstream.
      for (const sub of r.subresources.filter((s) => !s.kind.endsWith('Options'))) assert.ok(schemaNameForKind(sub.group, sub.version, sub.kind), `${r.plural}/${sub.name}`);
    }
    assert.equal(schemaNameForKind('events.k8s.io', 'v1', 'Event'), 'io.k8s.api.events.v1.Event');
    assert.equal(schemaNameForKind('', 'v1', 'Event'), `${CORE}Event`);
    assert.equal(schemaForKind('v1', 'NoSuchKind'), undefined);
  });

  it('describes Pod with upstream names, descriptions, references and its group/version/kind', () => {
    const pod = schema(`${CORE}Pod`);
    assert.match(pod.description ?? '', /^Pod is a collection of containers/);
    assert.equal(pod.type, 'object');
    assert.deepEqual(Object.keys(pod.properties ?? {}), ['apiVersion', 'kind', 'metadata', 'spec', 'status']);
    assert.deepEqual(pod['x-kubernetes-group-version-kind'], [{ group: '', kind: 'Pod', version: 'v1' }]);
    assert.match(field(`${CORE}Pod`, 'apiVersion').description ?? '', /^APIVersion defines the versioned schema/);
    assertRefField(`${CORE}Pod`, 'metadata', `${META}ObjectMeta`);
    assertRefField(`${CORE}Pod`, 'spec', `${CORE}PodSpec`);

    const containers = field(`${CORE}PodSpec`, 'containers');
    assert.match(containers.description ?? '', /List of containers belonging to the pod/);
    assert.equal(containers.type, 'array');
    assert.deepEqual(containers.items, { $ref: `${REF_PREFIX}${CORE}Container` });
    assert.ok(schema(`${CORE}PodSpec`).required?.includes('containers'));
    assert.deepEqual(schema(`${CORE}Container`).required, ['name']);
    assert.match(field(`${CORE}Container`, 'image').description ?? '', /Container image name/);
    assert.equal(field(`${CORE}Container`, 'image').type, 'string');
    assert.equal(field(`${CORE}ContainerPort`, 'containerPort').type, 'integer');
    assert.equal(field(`${CORE}Container`, 'stdin').type, 'boolean');
  });

  it('describes Deployment and Service, including their IntOrString fields', () => {
    assert.deepEqual(schema('io.k8s.api.apps.v1.Deployment')['x-kubernetes-group-version-kind'], [{ group: 'apps', kind: 'Deployment', version: 'v1' }]);
    assert.deepEqual(schema('io.k8s.api.apps.v1.DeploymentList')['x-kubernetes-group-version-kind'], [{ group: 'apps', kind: 'DeploymentList', version: 'v1' }]);
    const spec = 'io.k8s.api.apps.v1.DeploymentSpec';
    assert.deepEqual(Object.keys(schema(spec).properties ?? {}).sort(), [
      'minReadySeconds', 'paused', 'progressDeadlineSeconds', 'replicas', 'revisionHistoryLimit', 'selector', 'strategy', 'template',
    ]);
    assert.match(field(spec, 'replicas').description ?? '', /Number of desired pods/);
    assertRefField(spec, 'template', `${CORE}PodTemplateSpec`);
    assertRefField('io.k8s.api.apps.v1.RollingUpdateDeployment', 'maxSurge', 'io.k8s.apimachinery.pkg.util.intstr.IntOrString');

    assert.deepEqual(schema(`${CORE}Service`)['x-kubernetes-group-version-kind'], [{ group: '', kind: 'Service', version: 'v1' }]);
    assert.match(field(`${CORE}ServiceSpec`, 'selector').description ?? '', /Route service traffic to pods/);
    assert.deepEqual(field(`${CORE}ServiceSpec`, 'selector').additionalProperties, { type: 'string' });
    assertRefField(`${CORE}ServicePort`, 'targetPort', 'io.k8s.apimachinery.pkg.util.intstr.IntOrString');
    assert.equal(field(`${CORE}ServicePort`, 'port').type, 'integer');
  });

  it('renders the special types as upstream does', () => {
    const intOrString = schema('io.k8s.apimachinery.pkg.util.intstr.IntOrString');
    assert.equal(intOrString.format, 'int-or-string');
    assert.equal(intOrString['x-kubernetes-int-or-string'], true);
    assert.deepEqual(intOrString.oneOf, [{ type: 'integer' }, { type: 'string' }]);
    assert.deepEqual(schema('io.k8s.apimachinery.pkg.api.resource.Quantity').oneOf, [{ type: 'string' }, { type: 'number' }]);
    assert.match(schema('io.k8s.apimachinery.pkg.api.resource.Quantity').description ?? '', /fixed-point representation/);
    assert.equal(schema(`${META}Time`).type, 'string');
    assert.equal(schema(`${META}Time`).format, 'date-time');
    assert.equal(schema(`${META}MicroTime`).format, 'date-time');
    assert.equal(schema('io.k8s.apimachinery.pkg.runtime.RawExtension').type, 'object');
    assert.equal(schema('io.k8s.apimachinery.pkg.runtime.RawExtension').properties, undefined);
    assert.equal(schema(`${META}FieldsV1`).type, 'object');
    // Multi-paragraph docs keep their paragraph breaks.
    assert.match(schema(`${META}FieldsV1`).description ?? '', /JSON format\.\n\nEach key/);
    assert.deepEqual(schema(`${META}Status`)['x-kubernetes-group-version-kind'], [{ group: '', kind: 'Status', version: 'v1' }]);
    const deleteOptionsGroups = schema(`${META}DeleteOptions`)['x-kubernetes-group-version-kind']?.map((g) => `${g.group}/${g.version}`);
    for (const r of RESOURCES) assert.ok(deleteOptionsGroups?.includes(`${r.group}/${r.version}`), `DeleteOptions in ${groupVersion(r)}`);
  });

  it('carries the merge metadata kubectl needs for strategic merge patch', () => {
    const expect = (owner: string, name: string, strategy: string | undefined, key: string | undefined) => {
      const f = field(owner, name);
      assert.equal(f['x-kubernetes-patch-strategy'], strategy, `${owner}.${name} strategy`);
      assert.equal(f['x-kubernetes-patch-merge-key'], key, `${owner}.${name} merge key`);
    };
    expect(`${CORE}PodSpec`, 'containers', 'merge', 'name');
    expect(`${CORE}PodSpec`, 'initContainers', 'merge', 'name');
    expect(`${CORE}PodSpec`, 'volumes', 'merge,retainKeys', 'name');
    expect(`${CORE}PodSpec`, 'tolerations', undefined, undefined);
    expect(`${CORE}Container`, 'env', 'merge', 'name');
    expect(`${CORE}Container`, 'ports', 'merge', 'containerPort');
    expect(`${CORE}Container`, 'volumeMounts', 'merge', 'mountPath');
    expect(`${CORE}Container`, 'args', undefined, undefined);
    expect(`${CORE}ServiceSpec`, 'ports', 'merge', 'port');
    expect(`${CORE}PodStatus`, 'conditions', 'merge', 'type');
    expect('io.k8s.api.apps.v1.DeploymentStatus', 'conditions', 'merge', 'type');
    expect('io.k8s.api.apps.v1.DeploymentSpec', 'strategy', 'retainKeys', undefined);
    expect(`${META}ObjectMeta`, 'ownerReferences', 'merge', 'uid');
    expect(`${META}ObjectMeta`, 'finalizers', 'merge', undefined);
    assert.deepEqual(field(`${CORE}Container`, 'ports')['x-kubernetes-list-map-keys'], ['containerPort', 'protocol']);
    assert.equal(field(`${CORE}Container`, 'ports')['x-kubernetes-list-type'], 'map');
    assert.equal(field(`${CORE}PodSpec`, 'tolerations')['x-kubernetes-list-type'], 'atomic');
    assert.equal(field(`${META}ObjectMeta`, 'finalizers')['x-kubernetes-list-type'], 'set');
    assert.equal(schema(`${META}LabelSelector`)['x-kubernetes-map-type'], 'atomic');
  });

  it('resolves references, wrapped or bare', () => {
    assert.equal(resolveSchema(field(`${CORE}Pod`, 'spec')), schema(`${CORE}PodSpec`));
    assert.equal(resolveSchema({ $ref: `${REF_PREFIX}${CORE}Container` }), schema(`${CORE}Container`));
    const plain: Schema = { type: 'string' };
    assert.equal(resolveSchema(plain), plain);
    assert.throws(() => resolveSchema({ $ref: `${REF_PREFIX}io.k8s.nope.Missing` }), /dangling reference/);
  });

  it('is what the generator writes from the installed kubernetes-types (regenerate if this fails)', () => {
    const script = join(import.meta.dirname, '../../../scripts/generate-openapi.ts');
    const res = spawnSync(process.execPath, ['--import', 'tsx', script, '--check'], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(res.status, 0, res.stderr);
  });
});
