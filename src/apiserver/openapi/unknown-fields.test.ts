import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { findUnknownFieldPathsForApply, findUnknownFields, findUnknownFieldsInSchema, pruneUnknownFields } from './unknown-fields.js';

const deployment = () => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: {
    name: 'web',
    namespace: 'default',
    labels: { app: 'web', 'app.kubernetes.io/name': 'web', 'example.com/Any_Key-1': 'x' },
    annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{}' },
    ownerReferences: [{ apiVersion: 'v1', kind: 'Thing', name: 'a', uid: 'u' }],
    managedFields: [{ manager: 'kubectl', operation: 'Apply', fieldsType: 'FieldsV1', fieldsV1: { 'f:spec': { 'f:replicas': {} } } }],
    creationTimestamp: '2024-01-01T00:00:00Z',
  },
  spec: {
    replicas: 3,
    selector: { matchLabels: { app: 'web' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['a'] }] },
    strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: 1 } },
    template: {
      metadata: { labels: { app: 'web' } },
      spec: {
        containers: [
          {
            name: 'web',
            image: 'nginx',
            ports: [{ containerPort: 80, name: 'http' }],
            env: [{ name: 'A', value: '1' }, { name: 'B', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }],
            resources: { limits: { cpu: '500m', memory: '128Mi' }, requests: { cpu: 1 } },
            readinessProbe: { httpGet: { path: '/', port: 'http' } },
            livenessProbe: { tcpSocket: { port: 80 } },
          },
        ],
        nodeSelector: { 'kubernetes.io/os': 'linux' },
        volumes: [{ name: 'data', emptyDir: {} }],
      },
    },
  },
  status: { replicas: 3, conditions: [{ type: 'Available', status: 'True', lastTransitionTime: '2024-01-01T00:00:00Z' }] },
});

describe('findUnknownFields', () => {
  it('accepts a complete, valid object: any label or annotation key, IntOrString and Quantity in both forms', () => {
    assert.deepEqual(findUnknownFields('apps/v1', 'Deployment', deployment()), []);
  });

  it('reports an unknown spec field with upstream wording', () => {
    const obj = deployment() as Record<string, unknown> & { spec: Record<string, unknown> };
    obj.spec.bogus = true;
    assert.deepEqual(findUnknownFields('apps/v1', 'Deployment', obj), ['unknown field "spec.bogus"']);
  });

  it('names list items by index, deep inside nested lists', () => {
    const obj = deployment();
    const containers = obj.spec.template.spec.containers as Record<string, unknown>[];
    containers.push({ name: 'sidecar', imagee: 'busybox' });
    (containers[0]!.env as Record<string, unknown>[])[1]!.valueFromm = {};
    (containers[0]!.ports as Record<string, unknown>[])[0]!.hostPortt = 8080;
    assert.deepEqual(findUnknownFields('apps/v1', 'Deployment', obj), [
      'unknown field "spec.template.spec.containers[0].ports[0].hostPortt"',
      'unknown field "spec.template.spec.containers[0].env[1].valueFromm"',
      'unknown field "spec.template.spec.containers[1].imagee"',
    ]);
  });

  it('checks metadata and status too, and matches field names case-sensitively', () => {
    const obj = deployment() as unknown as { metadata: Record<string, unknown>; status: Record<string, unknown>; Spec?: unknown };
    obj.metadata.label = { a: 'b' };
    obj.status.ready = 1;
    obj.Spec = {};
    assert.deepEqual(findUnknownFields('apps/v1', 'Deployment', obj), [
      'unknown field "metadata.label"',
      'unknown field "status.ready"',
      'unknown field "Spec"',
    ]);
  });

  it('accepts any map key, checks map values that are objects, and names the key with a dot', () => {
    const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data: { 'any.key': 'v' }, binaryData: { b: 'AA==' } };
    assert.deepEqual(findUnknownFields('v1', 'ConfigMap', cm), []);
    const slice = {
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: { name: 's' },
      addressType: 'IPv4',
      endpoints: [{ addresses: ['10.0.0.1'], conditions: { ready: true }, deprecatedTopology: { zone: 'a' }, extra: 1 }],
    };
    assert.deepEqual(findUnknownFields('discovery.k8s.io/v1', 'EndpointSlice', slice), ['unknown field "endpoints[0].extra"']);
    // No served kind has a map of objects, but the decoder's path rule is the same for all maps.
    const mapOfObjects = { properties: { spec: { additionalProperties: { properties: { port: { type: 'integer' as const } } } } } };
    assert.deepEqual(findUnknownFieldsInSchema(mapOfObjects, { spec: { 'a.b': { port: 1 }, c: { prot: 2 } } }), ['unknown field "spec.c.prot"']);
  });

  it('accepts IntOrString targetPort as a number or a name on a Service', () => {
    const svc = (targetPort: unknown) => ({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 's' },
      spec: { selector: { app: 'web' }, ports: [{ port: 80, targetPort, protocol: 'TCP' }], type: 'ClusterIP' },
    });
    assert.deepEqual(findUnknownFields('v1', 'Service', svc(8080)), []);
    assert.deepEqual(findUnknownFields('v1', 'Service', svc('http')), []);
    const bad = svc(80) as { spec: { ports: Record<string, unknown>[] } };
    bad.spec.ports[0]!.targetport = 1;
    assert.deepEqual(findUnknownFields('v1', 'Service', bad), ['unknown field "spec.ports[0].targetport"']);
  });

  it('leaves wrong JSON types and nulls to the decoder, and free-form objects alone', () => {
    const obj = deployment() as unknown as { spec: Record<string, unknown>; metadata: Record<string, unknown> };
    obj.spec.template = 'not an object';
    obj.spec.selector = null;
    obj.metadata.labels = ['x'];
    assert.deepEqual(findUnknownFields('apps/v1', 'Deployment', obj), []);
    const event = {
      apiVersion: 'events.k8s.io/v1',
      kind: 'Event',
      metadata: { name: 'e' },
      eventTime: '2024-01-01T00:00:00.000000Z',
      regarding: { kind: 'Pod', name: 'p' },
      note: 'n',
      series: { count: 2, lastObservedTime: '2024-01-01T00:00:00.000000Z' },
    };
    assert.deepEqual(findUnknownFields('events.k8s.io/v1', 'Event', event), []);
  });

  it('reports each path once and stops at 100, as upstream', () => {
    const obj: Record<string, unknown> = { apiVersion: 'v1', kind: 'ConfigMap', metadata: {} };
    for (let i = 0; i < 150; i++) obj[`extra${i}`] = i;
    const found = findUnknownFields('v1', 'ConfigMap', obj);
    assert.equal(found.length, 100);
    assert.equal(found[0], 'unknown field "extra0"');
    assert.deepEqual(findUnknownFieldsInSchema({ properties: { a: { type: 'string' } } }, [{ b: 1 }, { b: 2 }]), []);
  });

  it('lets through kinds it has no schema for', () => {
    assert.deepEqual(findUnknownFields('example.com/v1', 'Widget', { spec: { anything: true } }), []);
  });

  it('quotes paths as Go does', () => {
    const obj = { apiVersion: 'v1', kind: 'ConfigMap', metadata: {}, 'a"b': 1, 'tab\there': 2 };
    assert.deepEqual(findUnknownFields('v1', 'ConfigMap', obj), ['unknown field "a\\"b"', 'unknown field "tab\\there"']);
  });
});

describe('pruneUnknownFields', () => {
  it('drops what strict decoding would report, keeps everything else, and does not mutate', () => {
    const obj = deployment() as unknown as { spec: Record<string, unknown> & { template: { spec: { containers: Record<string, unknown>[] } } } };
    obj.spec.bogus = 1;
    obj.spec.template.spec.containers[0]!.imagee = 'x';
    const pruned = pruneUnknownFields('apps/v1', 'Deployment', obj);
    assert.deepEqual(pruned, deployment());
    assert.equal(obj.spec.bogus, 1);
    assert.deepEqual(findUnknownFields('apps/v1', 'Deployment', pruned), []);
  });

  it('keeps free-form content and returns unknown kinds unchanged', () => {
    const obj = deployment();
    assert.deepEqual(pruneUnknownFields('apps/v1', 'Deployment', obj).metadata.managedFields, obj.metadata.managedFields);
    const widget = { spec: { anything: true } };
    assert.equal(pruneUnknownFields('example.com/v1', 'Widget', widget), widget);
  });
});

describe('findUnknownFieldPathsForApply', () => {
  it('names list items by their list-map keys, as server-side apply does', () => {
    const obj = deployment() as unknown as { spec: Record<string, unknown> & { template: { spec: { containers: Record<string, unknown>[] } } } };
    obj.spec.bogus = 1;
    const container = obj.spec.template.spec.containers[0]!;
    container.imagee = 'x';
    (container.ports as Record<string, unknown>[])[0]!.extra = 1;
    (obj.spec.template.spec.containers as unknown[]).push({ name: 'b', image: 'y' });
    assert.deepEqual(findUnknownFieldPathsForApply('apps/v1', 'Deployment', obj), [
      '.spec.template.spec.containers[name="web"].ports[containerPort=80].extra',
      '.spec.template.spec.containers[name="web"].imagee',
      '.spec.bogus',
    ]);
    const selector = deployment() as unknown as { spec: { selector: { matchExpressions: Record<string, unknown>[] } } };
    selector.spec.selector.matchExpressions[0]!.op = 'In';
    assert.deepEqual(findUnknownFieldPathsForApply('apps/v1', 'Deployment', selector), ['.spec.selector.matchExpressions[0].op']);
  });
});
