import assert from 'node:assert/strict';
import { test } from 'node:test';
import protobuf from 'protobufjs';
import { decodeKubernetesProtobuf } from './decode.js';
import { isProtobufDecodeError, type ProtobufDecodeErrorCode } from './errors.js';
import { protobufKinds } from './messages/index.js';
import { encodeEnvelope, encodeMessage, encodeObject } from './testing/encode.js';

const decoded = (body: Uint8Array) => decodeKubernetesProtobuf(body).object;

function assertDecodeError(body: Uint8Array, code: ProtobufDecodeErrorCode, message?: RegExp, path?: string): void {
  assert.throws(
    () => decodeKubernetesProtobuf(body),
    (err) => {
      assert.ok(isProtobufDecodeError(err), `a ProtobufDecodeError, got ${String(err)}`);
      assert.equal(err.code, code, err.message);
      if (message) assert.match(err.message, message);
      if (path !== undefined) assert.equal(err.path, path);
      return true;
    },
  );
}

/** A length-delimited field `id` holding `bytes`, for nesting hand-made messages. */
const nested = (id: number, bytes: Uint8Array) => protobuf.Writer.create().uint32((id << 3) | 2).bytes(bytes).finish();
const concat = (...parts: Uint8Array[]) => Uint8Array.from(parts.flatMap((p) => [...p]));
/** Field 99 as a varint: a field no Kubernetes message here defines. */
const field99 = protobuf.Writer.create().uint32((99 << 3) | 0).uint32(1).finish();

test('rejects a body without the k8s\\0 prefix', () => {
  assertDecodeError(new Uint8Array(), 'BadMagic', /expected prefix \[107 56 115 0\]/);
  assertDecodeError(Buffer.from('k8s'), 'BadMagic');
  assertDecodeError(Buffer.from('{"kind":"Namespace"}'), 'BadMagic');
  assertDecodeError(Buffer.from('k8s\x01\x0a\x00'), 'BadMagic');
});

test('rejects a prefix with nothing after it as truncated', () => {
  assertDecodeError(Buffer.from('k8s\0'), 'Truncated');
});

test('names the kind and version it has no message for', () => {
  const body = encodeEnvelope({ apiVersion: 'v1', kind: 'Pod', raw: new Uint8Array() });
  assert.throws(
    () => decodeKubernetesProtobuf(body),
    (err) =>
      isProtobufDecodeError(err, 'UnknownKind') &&
      err.kind === 'Pod' &&
      err.apiVersion === 'v1' &&
      err.message.includes('no kind "Pod" is registered for version "v1"'),
  );
  // A known kind in the wrong group is just as unknown.
  assertDecodeError(encodeEnvelope({ apiVersion: 'extensions/v1beta1', kind: 'Deployment' }), 'UnknownKind', /"Deployment".*"extensions\/v1beta1"/);
});

test('needs a kind and an apiVersion, from the envelope or the caller', () => {
  assertDecodeError(encodeEnvelope({ apiVersion: 'v1' }), 'MissingKind');
  assertDecodeError(encodeEnvelope({ kind: 'Namespace' }), 'MissingVersion');
  const raw = encodeMessage('Namespace', { metadata: { name: 'a' } });
  const result = decodeKubernetesProtobuf(encodeEnvelope({ raw }), { defaults: { apiVersion: 'v1', kind: 'Namespace' } });
  assert.equal(result.kind, 'Namespace');
  assert.equal(result.apiVersion, 'v1');
  assert.deepEqual(result.object, { kind: 'Namespace', apiVersion: 'v1', metadata: { name: 'a', creationTimestamp: null }, spec: {}, status: {} });
  // The envelope wins over defaults.
  const body = encodeEnvelope({ apiVersion: 'v1', kind: 'Namespace', raw });
  assert.equal(decodeKubernetesProtobuf(body, { defaults: { apiVersion: 'apps/v1', kind: 'Deployment' } }).kind, 'Namespace');
});

test('refuses a content encoding it cannot undo', () => {
  const raw = encodeMessage('Namespace', {});
  assertDecodeError(encodeEnvelope({ apiVersion: 'v1', kind: 'Namespace', raw, contentEncoding: 'gzip' }), 'UnsupportedEncoding', /"gzip"/);
  // contentType is informational, as upstream treats it.
  const body = encodeEnvelope({ apiVersion: 'v1', kind: 'Namespace', raw, contentType: 'application/vnd.kubernetes.protobuf' });
  assert.equal(decodeKubernetesProtobuf(body).kind, 'Namespace');
});

const deployment = {
  metadata: { name: 'web', labels: { app: 'web' } },
  spec: {
    replicas: 3,
    selector: { matchLabels: { app: 'web' } },
    template: {
      metadata: { labels: { app: 'web' } },
      spec: { containers: [{ name: 'web', image: 'tskube/echo', ports: [{ containerPort: 8080 }] }] },
    },
  },
};

test('every truncation of a body fails with a typed error or decodes a shorter valid message', () => {
  const body = encodeObject('apps/v1', 'Deployment', deployment);
  let truncated = 0;
  for (let n = 5; n < body.length; n++) {
    try {
      decodeKubernetesProtobuf(body.subarray(0, n));
    } catch (err) {
      assert.ok(isProtobufDecodeError(err), `cut at ${n}: ${String(err)}`);
      if (err.code === 'Truncated') truncated++;
    }
  }
  // Only cuts right after a whole envelope field can decode; the rest run past the end.
  assert.ok(truncated > body.length - 10, `${truncated} of ${body.length - 5} cuts were truncated`);
});

test('reports a truncated nested message with its path', () => {
  const container = encodeMessage('Container', { name: 'c', image: 'i' });
  const podSpec = nested(2, container).subarray(0, -1); // the container's last byte is missing
  const raw = nested(2, nested(3, nested(2, podSpec)));
  assertDecodeError(encodeEnvelope({ apiVersion: 'apps/v1', kind: 'Deployment', raw }), 'Truncated', /Deployment\.spec\.template\.spec/);
});

test('refuses a field number it does not define, with its path, unless told to ignore it', () => {
  const container = concat(encodeMessage('Container', { name: 'c', image: 'i' }), field99);
  const raw = nested(2, nested(3, nested(2, nested(2, container))));
  const body = encodeEnvelope({ apiVersion: 'apps/v1', kind: 'Deployment', raw });
  assertDecodeError(body, 'UnknownField', /field 99 of Container/, 'Deployment.spec.template.spec.containers[0]');
  const object = decodeKubernetesProtobuf(body, { unknownFields: 'ignore' }).object as { spec: { template: { spec: unknown } } };
  assert.deepEqual(object.spec.template.spec, { containers: [{ name: 'c', image: 'i', resources: {} }] });

  const top = encodeEnvelope({ apiVersion: 'v1', kind: 'ConfigMap', raw: concat(encodeMessage('ConfigMap', {}), field99) });
  assertDecodeError(top, 'UnknownField', /field 99 of ConfigMap/, 'ConfigMap');
});

test('refuses a field written with the wrong wire type', () => {
  // ObjectMeta.name (field 1, a string) written as a varint.
  const meta = protobuf.Writer.create().uint32((1 << 3) | 0).uint32(7).finish();
  assertDecodeError(encodeEnvelope({ apiVersion: 'v1', kind: 'Namespace', raw: nested(1, meta) }), 'InvalidData', /wire type 0/, 'Namespace.metadata.name');
  // Field number 0 never exists.
  assertDecodeError(encodeEnvelope({ apiVersion: 'v1', kind: 'Namespace', raw: Uint8Array.of(0x02, 0x00) }), 'InvalidData', /field number 0/);
});

test('decodes a full ObjectMeta', () => {
  const object = decoded(
    encodeObject('v1', 'ConfigMap', {
      metadata: {
        name: 'settings',
        generateName: 'settings-',
        namespace: 'team-a',
        uid: 'u-1',
        resourceVersion: '42',
        generation: 2,
        creationTimestamp: { seconds: 1735689600 },
        deletionGracePeriodSeconds: 30,
        labels: { b: '2', a: '1' },
        annotations: { note: 'x' },
        ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', uid: 'u-0', controller: true }],
        finalizers: ['example.com/keep'],
      },
    }),
  );
  assert.deepEqual(object.metadata, {
    name: 'settings',
    generateName: 'settings-',
    namespace: 'team-a',
    uid: 'u-1',
    resourceVersion: '42',
    generation: 2,
    creationTimestamp: '2025-01-01T00:00:00Z',
    deletionGracePeriodSeconds: 30,
    labels: { a: '1', b: '2' },
    annotations: { note: 'x' },
    ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', uid: 'u-0', controller: true }],
    finalizers: ['example.com/keep'],
  });
  assert.deepEqual(Object.keys((object.metadata as { labels: object }).labels), ['a', 'b'], 'map keys sorted as Go marshals them');
});

test('keeps an explicit false in optional booleans and drops empty value fields', () => {
  assert.deepEqual(decoded(encodeObject('v1', 'ConfigMap', { metadata: { name: 'c' }, immutable: false })), {
    kind: 'ConfigMap',
    apiVersion: 'v1',
    metadata: { name: 'c', creationTimestamp: null },
    immutable: false,
  });
  const sa = decoded(encodeObject('v1', 'ServiceAccount', { metadata: { name: 'sa', namespace: '' }, automountServiceAccountToken: false }));
  assert.deepEqual(sa, { kind: 'ServiceAccount', apiVersion: 'v1', metadata: { name: 'sa', creationTimestamp: null }, automountServiceAccountToken: false });
  // A value int32 with omitempty disappears at zero; one without omitempty stays.
  const dep = decoded(
    encodeObject('apps/v1', 'Deployment', {
      spec: { minReadySeconds: 0, paused: false, template: { spec: { containers: [{ name: 'c', ports: [{ containerPort: 0 }] }] } } },
    }),
  ) as { spec: Record<string, unknown> };
  assert.deepEqual(dep.spec, {
    selector: null,
    template: { metadata: { creationTimestamp: null }, spec: { containers: [{ name: 'c', ports: [{ containerPort: 0 }], resources: {} }] } },
    strategy: {},
  });
  // A slice without omitempty is null when empty.
  const empty = decoded(encodeObject('apps/v1', 'Deployment', {})) as { spec: { template: { spec: unknown } } };
  assert.deepEqual(empty.spec.template.spec, { containers: null });
});

test('decodes Secret data as base64 and keeps stringData, type and immutable', () => {
  const object = decoded(
    encodeObject('v1', 'Secret', {
      metadata: { name: 's' },
      immutable: true,
      data: { 'tls.key': Buffer.from([0, 1, 2, 250]), empty: new Uint8Array() },
      stringData: { plain: 'text' },
      type: 'kubernetes.io/tls',
    }),
  );
  assert.deepEqual(object, {
    kind: 'Secret',
    apiVersion: 'v1',
    metadata: { name: 's', creationTimestamp: null },
    immutable: true,
    data: { empty: '', 'tls.key': 'AAEC+g==' },
    stringData: { plain: 'text' },
    type: 'kubernetes.io/tls',
  });
});

test('decodes a pod template with probes, env, resources, volumes and inlined structs', () => {
  const object = decoded(
    encodeObject('batch/v1', 'Job', {
      metadata: { name: 'j' },
      spec: {
        backoffLimit: 0,
        template: {
          spec: {
            restartPolicy: 'Never',
            containers: [
              {
                name: 'c',
                image: 'busybox',
                command: ['sh', '-c'],
                args: ['echo hi'],
                env: [{ name: 'A', value: '1' }, { name: 'B', valueFrom: { secretKeyRef: { localObjectReference: { name: 's' }, key: 'k' } } }],
                resources: { limits: { memory: { string: '128Mi' } }, requests: { cpu: { string: '500m' } } },
                volumeMounts: [{ name: 'cfg', mountPath: '/etc/cfg', readOnly: true }],
                livenessProbe: {
                  handler: { httpGet: { path: '/healthz', port: { type: 0, intVal: 8080 } } },
                  initialDelaySeconds: 5,
                },
                readinessProbe: { handler: { tcpSocket: { port: { type: 1, strVal: 'http' } } } },
              },
            ],
            volumes: [{ name: 'cfg', volumeSource: { configMap: { localObjectReference: { name: 'settings' }, defaultMode: 420 } } }],
          },
        },
      },
    }),
  ) as { spec: { backoffLimit: number; template: { spec: unknown } } };
  assert.equal(object.spec.backoffLimit, 0, 'a set pointer keeps its zero');
  assert.deepEqual(object.spec.template.spec, {
    volumes: [{ name: 'cfg', configMap: { name: 'settings', defaultMode: 420 } }],
    containers: [
      {
        name: 'c',
        image: 'busybox',
        command: ['sh', '-c'],
        args: ['echo hi'],
        env: [{ name: 'A', value: '1' }, { name: 'B', valueFrom: { secretKeyRef: { name: 's', key: 'k' } } }],
        resources: { limits: { memory: '128Mi' }, requests: { cpu: '500m' } },
        volumeMounts: [{ name: 'cfg', readOnly: true, mountPath: '/etc/cfg' }],
        livenessProbe: { httpGet: { path: '/healthz', port: 8080 }, initialDelaySeconds: 5 },
        readinessProbe: { tcpSocket: { port: 'http' } },
      },
    ],
    restartPolicy: 'Never',
  });
});

test('decodes a Service with named and numbered target ports', () => {
  const object = decoded(
    encodeObject('v1', 'Service', {
      metadata: { name: 'web' },
      spec: {
        ports: [
          { name: 'http', protocol: 'TCP', port: 80, targetPort: { type: 1, strVal: 'http' } },
          { name: 'metrics', port: 9090, targetPort: { type: 0, intVal: 9090 }, nodePort: 0 },
        ],
        selector: { app: 'web' },
        type: 'ClusterIP',
        clusterIP: 'None',
        sessionAffinityConfig: { clientIP: { timeoutSeconds: 10800 } },
      },
    }),
  ) as { spec: unknown };
  assert.deepEqual(object.spec, {
    ports: [
      { name: 'http', protocol: 'TCP', port: 80, targetPort: 'http' },
      { name: 'metrics', port: 9090, targetPort: 9090 },
    ],
    selector: { app: 'web' },
    clusterIP: 'None',
    type: 'ClusterIP',
    sessionAffinityConfig: { clientIP: { timeoutSeconds: 10800 } },
  });
});

test('decodes ResourceQuota quantities and PriorityClass values', () => {
  const quota = decoded(
    encodeObject('v1', 'ResourceQuota', { spec: { hard: { pods: { string: '10' }, 'requests.memory': { string: '1Gi' } }, scopes: ['NotBestEffort'] } }),
  );
  assert.deepEqual(quota.spec, { hard: { pods: '10', 'requests.memory': '1Gi' }, scopes: ['NotBestEffort'] });
  assertDecodeError(encodeObject('v1', 'ResourceQuota', { spec: { hard: { cpu: { string: 'lots' } } } }), 'InvalidData', /quantities must match/, 'ResourceQuota.spec.hard["cpu"]');

  const pc = decoded(encodeObject('scheduling.k8s.io/v1', 'PriorityClass', { metadata: { name: 'p' }, value: 0, globalDefault: false }));
  assert.deepEqual(pc, { kind: 'PriorityClass', apiVersion: 'scheduling.k8s.io/v1', metadata: { name: 'p', creationTimestamp: null }, value: 0 });
});

test('refuses an int64 that a JSON number cannot hold exactly', () => {
  const body = encodeObject('batch/v1', 'Job', { spec: { activeDeadlineSeconds: '9007199254740993' } });
  assertDecodeError(body, 'InvalidData', /9007199254740993/, 'Job.spec.activeDeadlineSeconds');
});

test('has a message for every kind it lists', () => {
  for (const { apiVersion, kind } of protobufKinds) {
    const object = decoded(encodeObject(apiVersion, kind, {}));
    assert.equal(object.kind, kind);
    assert.equal(object.apiVersion, apiVersion);
    assert.deepEqual(Object.keys(object).slice(0, 3), ['kind', 'apiVersion', 'metadata']);
  }
});
