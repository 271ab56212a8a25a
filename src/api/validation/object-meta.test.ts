import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { aggregateFieldErrors, formatFieldError, formatInvalidMessage } from './field-errors.js';
import { nameIsDNS1035Label, nameIsDNSSubdomain } from './names.js';
import {
  annotationsSize,
  TOTAL_ANNOTATION_SIZE_LIMIT_BYTES,
  validateAnnotations,
  validateFinalizers,
  validateLabels,
  validateObjectMeta,
  validateObjectMetaUpdate,
  validateOwnerReferences,
} from './object-meta.js';

const namespaced = { namespaced: true, nameValidator: nameIsDNSSubdomain };
const clusterScoped = { namespaced: false, nameValidator: nameIsDNSSubdomain };
const messages = (errs: readonly Parameters<typeof formatFieldError>[0][]) => errs.map(formatFieldError);

const SUBDOMAIN_DETAIL =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";

describe('validateObjectMeta', () => {
  it('accepts a valid namespaced object', () => {
    assert.deepEqual(
      validateObjectMeta(
        { name: 'web', namespace: 'default', labels: { app: 'web', 'k8s.io/part-of': '' }, annotations: { 'Example.com/Note': 'x y z' } },
        namespaced,
      ),
      [],
    );
  });

  it('words an invalid name exactly as upstream', () => {
    const errs = validateObjectMeta({ name: 'Foo', namespace: 'default' }, namespaced);
    assert.deepEqual(messages(errs), [`metadata.name: Invalid value: "Foo": ${SUBDOMAIN_DETAIL}`]);
    assert.equal(
      formatInvalidMessage('ConfigMap', 'Foo', errs),
      `ConfigMap "Foo" is invalid: metadata.name: Invalid value: "Foo": ${SUBDOMAIN_DETAIL}`,
    );
  });

  it('requires name or generateName', () => {
    assert.deepEqual(messages(validateObjectMeta({ namespace: 'default' }, namespaced)), [
      'metadata.name: Required value: name or generateName is required',
    ]);
    assert.deepEqual(messages(validateObjectMeta(undefined, clusterScoped)), [
      'metadata.name: Required value: name or generateName is required',
    ]);
  });

  it('validates generateName with a trailing dash allowed', () => {
    assert.deepEqual(validateObjectMeta({ generateName: 'web-', name: 'web-x7k2p', namespace: 'd' }, namespaced), []);
    assert.deepEqual(messages(validateObjectMeta({ generateName: 'Web-', name: 'web-x', namespace: 'd' }, namespaced)), [
      `metadata.generateName: Invalid value: "Web-": ${SUBDOMAIN_DETAIL}`,
    ]);
  });

  it('uses the kind’s name validator', () => {
    const errs = validateObjectMeta({ name: '1svc', namespace: 'd' }, { namespaced: true, nameValidator: nameIsDNS1035Label });
    assert.equal(errs.length, 1);
    assert.match(formatFieldError(errs[0]!), /^metadata\.name: Invalid value: "1svc": a DNS-1035 label must consist/);
  });

  it('requires a namespace on namespaced kinds and validates it as a DNS label', () => {
    assert.deepEqual(messages(validateObjectMeta({ name: 'a' }, namespaced)), ['metadata.namespace: Required value']);
    assert.deepEqual(messages(validateObjectMeta({ name: 'a', namespace: 'a.b' }, namespaced)), [
      'metadata.namespace: Invalid value: "a.b": must not contain dots',
    ]);
  });

  it('forbids a namespace on cluster-scoped kinds', () => {
    assert.deepEqual(messages(validateObjectMeta({ name: 'n1', namespace: 'default' }, clusterScoped)), [
      'metadata.namespace: Forbidden: not allowed on this type',
    ]);
    assert.deepEqual(validateObjectMeta({ name: 'n1' }, clusterScoped), []);
  });

  it('rejects a negative generation', () => {
    assert.deepEqual(messages(validateObjectMeta({ name: 'a', generation: -1 }, clusterScoped)), [
      'metadata.generation: Invalid value: -1: must be greater than or equal to 0',
    ]);
  });

  it('reports every problem, in upstream order, under a custom path', () => {
    const errs = validateObjectMeta(
      { labels: { 'bad key': 'ok' }, annotations: { '-x': '' } },
      { ...namespaced, path: 'spec.template.metadata' },
    );
    assert.deepEqual(
      errs.map((e) => `${e.field} ${e.type}`),
      [
        'spec.template.metadata.name FieldValueRequired',
        'spec.template.metadata.namespace FieldValueRequired',
        'spec.template.metadata.labels FieldValueInvalid',
        'spec.template.metadata.annotations FieldValueInvalid',
      ],
    );
  });

  it('aggregates several errors in brackets', () => {
    const errs = validateObjectMeta({ name: 'a' }, { ...namespaced });
    assert.equal(aggregateFieldErrors(errs), 'metadata.namespace: Required value');
    const two = validateObjectMeta({}, namespaced);
    assert.equal(
      aggregateFieldErrors(two),
      '[metadata.name: Required value: name or generateName is required, metadata.namespace: Required value]',
    );
  });
});

describe('validateLabels', () => {
  it('reports key and value problems against the map path', () => {
    assert.deepEqual(
      validateLabels({ 'a b': 'ok', ok: 'b@d' }, 'metadata.labels').map((e) => [e.field, e.value]),
      [
        ['metadata.labels', 'a b'],
        ['metadata.labels', 'b@d'],
      ],
    );
  });
  it('accepts no labels', () => {
    assert.deepEqual(validateLabels(undefined, 'metadata.labels'), []);
  });
});

describe('validateAnnotations', () => {
  it('ignores case in keys but echoes the original key', () => {
    assert.deepEqual(validateAnnotations({ 'Example.COM/Key': 'v' }, 'metadata.annotations'), []);
    const errs = validateAnnotations({ 'Bad Key': 'v' }, 'metadata.annotations');
    assert.equal(errs.length, 1);
    assert.equal(errs[0]!.value, 'Bad Key');
  });

  it('counts key and value bytes against 256 KiB', () => {
    assert.equal(TOTAL_ANNOTATION_SIZE_LIMIT_BYTES, 262144);
    assert.equal(annotationsSize({ ab: 'é' }), 4);
    const atLimit = { k: 'x'.repeat(TOTAL_ANNOTATION_SIZE_LIMIT_BYTES - 1) };
    assert.deepEqual(validateAnnotations(atLimit, 'metadata.annotations'), []);
    const over = { k: 'x'.repeat(TOTAL_ANNOTATION_SIZE_LIMIT_BYTES) };
    assert.deepEqual(messages(validateAnnotations(over, 'metadata.annotations')), [
      'metadata.annotations: Too long: may not be more than 262144 bytes',
    ]);
  });
});

describe('validateFinalizers', () => {
  it('requires qualified names and forbids orphan with foregroundDeletion', () => {
    assert.deepEqual(validateFinalizers(['kubernetes.io/pv-protection', 'orphan'], 'metadata.finalizers'), []);
    assert.equal(validateFinalizers(['bad name'], 'metadata.finalizers').length, 1);
    assert.deepEqual(messages(validateFinalizers(['orphan', 'foregroundDeletion'], 'metadata.finalizers')), [
      'metadata.finalizers: Invalid value: ["orphan","foregroundDeletion"]: finalizer orphan and foregroundDeletion cannot be both set',
    ]);
  });
});

describe('validateOwnerReferences', () => {
  const ref = { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-1', uid: 'u1' };

  it('accepts complete references', () => {
    assert.deepEqual(validateOwnerReferences([ref, { ...ref, apiVersion: 'v1' }], 'metadata.ownerReferences'), []);
  });

  it('requires each field and a parseable apiVersion', () => {
    assert.deepEqual(
      messages(validateOwnerReferences([{ apiVersion: '', kind: '', name: '', uid: '' }], 'metadata.ownerReferences')),
      [
        'metadata.ownerReferences[0].apiVersion: Required value: must not be empty',
        'metadata.ownerReferences[0].kind: Required value: must not be empty',
        'metadata.ownerReferences[0].name: Required value: must not be empty',
        'metadata.ownerReferences[0].uid: Required value: must not be empty',
      ],
    );
    assert.deepEqual(messages(validateOwnerReferences([{ ...ref, apiVersion: 'a/b/c' }], 'o')), [
      'o[0].apiVersion: Invalid value: "a/b/c": must be <group>/<version> or <version>',
    ]);
    assert.deepEqual(messages(validateOwnerReferences([{ ...ref, apiVersion: 'apps/' }], 'o')), [
      'o[0].apiVersion: Invalid value: "apps/": must be <group>/<version> or <version>',
    ]);
  });

  it('forbids core Events as owners', () => {
    assert.deepEqual(messages(validateOwnerReferences([{ apiVersion: 'v1', kind: 'Event', name: 'e', uid: 'u' }], 'o')), [
      'o[0]: Invalid value: {"apiVersion":"v1","kind":"Event","name":"e","uid":"u"}: /v1, Kind=Event is disallowed from being an owner',
    ]);
  });

  it('allows only one controller reference', () => {
    const errs = validateOwnerReferences(
      [
        { ...ref, controller: true },
        { ...ref, name: 'web-2', controller: true },
      ],
      'o',
    );
    assert.equal(errs.length, 1);
    assert.equal(errs[0]!.field, 'o');
    assert.match(
      errs[0]!.detail,
      /^Only one reference can have Controller set to true\. Found "true" in references for ReplicaSet\/web-1 and ReplicaSet\/web-2$/,
    );
  });
});

describe('validateObjectMetaUpdate', () => {
  const old = {
    name: 'web',
    namespace: 'default',
    uid: 'u1',
    resourceVersion: '5',
    generation: 3,
    creationTimestamp: '2024-01-01T00:00:00Z',
  };

  it('accepts an update that changes only mutable fields', () => {
    assert.deepEqual(validateObjectMetaUpdate({ ...old, labels: { a: 'b' }, generation: 4 }, old), []);
  });

  it('requires a resourceVersion', () => {
    assert.deepEqual(messages(validateObjectMetaUpdate({ ...old, resourceVersion: undefined }, old)), [
      'metadata.resourceVersion: Invalid value: "": must be specified for an update',
    ]);
  });

  it('rejects changes to immutable fields', () => {
    const errs = validateObjectMetaUpdate(
      { ...old, name: 'other', namespace: 'kube-system', uid: 'u2', creationTimestamp: '2025-01-01T00:00:00Z', deletionGracePeriodSeconds: 30 },
      old,
    );
    assert.deepEqual(messages(errs), [
      'metadata.name: Invalid value: "other": field is immutable',
      'metadata.namespace: Invalid value: "kube-system": field is immutable',
      'metadata.uid: Invalid value: "u2": field is immutable',
      'metadata.creationTimestamp: Invalid value: "2025-01-01T00:00:00Z": field is immutable',
      'metadata.deletionGracePeriodSeconds: Invalid value: 30: field is immutable',
    ]);
  });

  it('treats an absent string as empty but an absent grace period as distinct from 0', () => {
    assert.deepEqual(validateObjectMetaUpdate({ name: '', resourceVersion: '1' }, { resourceVersion: '1' }), []);
    assert.deepEqual(
      messages(validateObjectMetaUpdate({ resourceVersion: '1' }, { resourceVersion: '1', deletionGracePeriodSeconds: 0 })),
      ['metadata.deletionGracePeriodSeconds: Invalid value: null: field is immutable'],
    );
  });

  it('rejects a decremented generation', () => {
    assert.deepEqual(messages(validateObjectMetaUpdate({ ...old, generation: 2 }, old)), [
      'metadata.generation: Invalid value: 2: must not be decremented',
    ]);
  });

  it('forbids new finalizers while the object is being deleted', () => {
    const deleting = { ...old, deletionTimestamp: '2024-02-01T00:00:00Z', finalizers: ['a.io/x'] };
    assert.deepEqual(validateObjectMetaUpdate({ ...deleting, finalizers: [] }, deleting), []);
    assert.deepEqual(messages(validateObjectMetaUpdate({ ...deleting, finalizers: ['a.io/x', 'c.io/z', 'b.io/y'] }, deleting)), [
      'metadata.finalizers: Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers []string{"b.io/y", "c.io/z"}',
    ]);
  });

  it('validates labels and annotations of the new object', () => {
    assert.equal(validateObjectMetaUpdate({ ...old, labels: { a: '-' } }, old).length, 1);
  });
});
