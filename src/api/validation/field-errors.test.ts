import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  aggregateFieldErrors,
  fieldErrorBody,
  fieldErrors,
  fieldErrorTypeText,
  fieldPath,
  formatFieldError,
  formatInvalidMessage,
  goQuote,
  qualifiedKindString,
  toStatusCauses,
  FieldErrorType,
} from './field-errors.js';

describe('fieldErrors constructors', () => {
  it('builds each type with upstream type strings', () => {
    assert.deepEqual(fieldErrors.required('metadata.name'), { type: 'FieldValueRequired', field: 'metadata.name', detail: '' });
    assert.deepEqual(fieldErrors.invalid('spec.replicas', -1, 'must be >= 0'), {
      type: 'FieldValueInvalid',
      field: 'spec.replicas',
      value: -1,
      detail: 'must be >= 0',
    });
    assert.equal(fieldErrors.notSupported('spec.type', 'X', ['A', 'B']).type, 'FieldValueNotSupported');
    assert.equal(fieldErrors.duplicate('spec.ports[1]', 80).type, 'FieldValueDuplicate');
    assert.equal(fieldErrors.tooLong('metadata.annotations', 10).type, 'FieldValueTooLong');
    assert.equal(fieldErrors.forbidden('metadata.namespace', 'no').type, 'FieldValueForbidden');
  });

  it('has a human text for every type', () => {
    assert.deepEqual(Object.values(FieldErrorType).map(fieldErrorTypeText), [
      'Required value',
      'Invalid value',
      'Unsupported value',
      'Duplicate value',
      'Too long',
      'Forbidden',
      'Too many',
    ]);
  });
});

describe('fieldErrorBody / formatFieldError', () => {
  it('quotes string values Go-style and appends the detail', () => {
    assert.equal(
      formatFieldError(fieldErrors.invalid('metadata.name', 'Foo', 'bad')),
      'metadata.name: Invalid value: "Foo": bad',
    );
  });

  it('prints numbers and booleans bare, other values as JSON, missing values as null', () => {
    assert.equal(fieldErrorBody(fieldErrors.invalid('f', -1, 'd')), 'Invalid value: -1: d');
    assert.equal(fieldErrorBody(fieldErrors.invalid('f', true, 'd')), 'Invalid value: true: d');
    assert.equal(fieldErrorBody(fieldErrors.invalid('f', ['a', 'b'], 'd')), 'Invalid value: ["a","b"]: d');
    assert.equal(fieldErrorBody(fieldErrors.invalid('f', [], 'd')), 'Invalid value: []: d');
    assert.equal(fieldErrorBody(fieldErrors.invalid('f', { k: 'v' }, 'd')), 'Invalid value: {"k":"v"}: d');
    assert.equal(fieldErrorBody(fieldErrors.invalid('f', null, 'd')), 'Invalid value: null: d');
    assert.equal(fieldErrorBody(fieldErrors.invalid('f', undefined, 'd')), 'Invalid value: null: d');
  });

  it('escapes HTML characters in JSON values as Go does', () => {
    assert.equal(fieldErrorBody(fieldErrors.invalid('f', ['<a&b>'], 'd')), 'Invalid value: ["\\u003ca\\u0026b\\u003e"]: d');
  });

  it('omits the detail when empty', () => {
    assert.equal(formatFieldError(fieldErrors.required('metadata.namespace')), 'metadata.namespace: Required value');
    assert.equal(formatFieldError(fieldErrors.duplicate('spec.ports[1].port', 80)), 'spec.ports[1].port: Duplicate value: 80');
  });

  it('never echoes the value for Required, Forbidden and TooLong', () => {
    assert.equal(
      formatFieldError(fieldErrors.required('metadata.name', 'name or generateName is required')),
      'metadata.name: Required value: name or generateName is required',
    );
    assert.equal(
      formatFieldError(fieldErrors.forbidden('metadata.namespace', 'not allowed on this type')),
      'metadata.namespace: Forbidden: not allowed on this type',
    );
    assert.equal(
      formatFieldError(fieldErrors.tooLong('metadata.annotations', 262144)),
      'metadata.annotations: Too long: may not be more than 262144 bytes',
    );
    assert.equal(formatFieldError(fieldErrors.tooLong('f', 1)), 'f: Too long: may not be more than 1 byte');
    assert.equal(formatFieldError(fieldErrors.tooLong('f', -1)), 'f: Too long: value is too long');
  });

  it('lists supported values quoted', () => {
    assert.equal(
      formatFieldError(fieldErrors.notSupported('spec.type', 'Foo', ['ClusterIP', 'NodePort'])),
      'spec.type: Unsupported value: "Foo": supported values: "ClusterIP", "NodePort"',
    );
    assert.equal(formatFieldError(fieldErrors.notSupported('spec.type', 'Foo', [])), 'spec.type: Unsupported value: "Foo"');
  });
});

describe('goQuote', () => {
  it('matches strconv.Quote', () => {
    assert.equal(goQuote('plain'), '"plain"');
    assert.equal(goQuote('a"b\\c'), '"a\\"b\\\\c"');
    assert.equal(goQuote('\n\t\r\x07\b\f\v'), '"\\n\\t\\r\\a\\b\\f\\v"');
    assert.equal(goQuote('\x00\x1f\x7f'), '"\\x00\\x1f\\x7f"');
    assert.equal(goQuote('héllo 世界 😀'), '"héllo 世界 😀"');
    assert.equal(goQuote('\u00a0\u200b'), '"\\u00a0\\u200b"');
    assert.equal(goQuote('\u{e0001}'), '"\\U000e0001"');
    assert.equal(goQuote('\ud800'), '"\ufffd"');
  });
});

describe('fieldPath', () => {
  it('builds paths as field.Path prints them', () => {
    assert.equal(fieldPath.child('metadata', 'labels'), 'metadata.labels');
    assert.equal(fieldPath.child(undefined, 'key'), 'key');
    assert.equal(fieldPath.child('spec', 'template', 'metadata'), 'spec.template.metadata');
    assert.equal(fieldPath.index('spec.containers', 0), 'spec.containers[0]');
    assert.equal(fieldPath.key('data', 'a.b'), 'data[a.b]');
    assert.equal(fieldPath.key(fieldPath.index('values', 0), 'x'), 'values[0][x]');
    assert.equal(fieldPath.index(undefined, 2), '[2]');
  });
});

describe('aggregateFieldErrors', () => {
  const a = fieldErrors.required('a');
  const b = fieldErrors.invalid('b', 'x', 'bad');
  it('is the bare message for one error, bracketed for several', () => {
    assert.equal(aggregateFieldErrors([a]), 'a: Required value');
    assert.equal(aggregateFieldErrors([a, b]), '[a: Required value, b: Invalid value: "x": bad]');
  });
  it('collapses identical messages', () => {
    assert.equal(aggregateFieldErrors([a, a]), 'a: Required value');
    assert.equal(aggregateFieldErrors([a, b, a]), '[a: Required value, b: Invalid value: "x": bad]');
  });
  it('is empty for no errors', () => {
    assert.equal(aggregateFieldErrors([]), '');
  });
});

describe('formatInvalidMessage', () => {
  it('formats a single error without brackets', () => {
    assert.equal(
      formatInvalidMessage('ConfigMap', 'Foo', [fieldErrors.invalid('metadata.name', 'Foo', 'bad')]),
      'ConfigMap "Foo" is invalid: metadata.name: Invalid value: "Foo": bad',
    );
  });

  it('brackets several errors and qualifies non-core kinds with their group', () => {
    assert.equal(
      formatInvalidMessage({ group: 'apps', kind: 'Deployment' }, 'web', [
        fieldErrors.invalid('spec.replicas', -1, 'must be greater than or equal to 0'),
        fieldErrors.required('spec.selector'),
      ]),
      'Deployment.apps "web" is invalid: [spec.replicas: Invalid value: -1: must be greater than or equal to 0, spec.selector: Required value]',
    );
  });

  it('has no colon when there are no errors, and quotes the name', () => {
    assert.equal(formatInvalidMessage({ group: '', kind: 'Pod' }, '', []), 'Pod "" is invalid');
    assert.equal(formatInvalidMessage('Pod', 'a"b', []), 'Pod "a\\"b" is invalid');
  });

  it('qualifiedKindString matches GroupKind.String', () => {
    assert.equal(qualifiedKindString({ kind: 'Pod' }), 'Pod');
    assert.equal(qualifiedKindString({ group: 'batch', kind: 'Job' }), 'Job.batch');
  });
});

describe('toStatusCauses', () => {
  it('maps each error, duplicates included, to a StatusCause', () => {
    const e = fieldErrors.invalid('metadata.name', 'Foo', 'bad');
    assert.deepEqual(toStatusCauses([e, e, fieldErrors.required('metadata.namespace')]), [
      { reason: 'FieldValueInvalid', message: 'Invalid value: "Foo": bad', field: 'metadata.name' },
      { reason: 'FieldValueInvalid', message: 'Invalid value: "Foo": bad', field: 'metadata.name' },
      { reason: 'FieldValueRequired', message: 'Required value', field: 'metadata.namespace' },
    ]);
  });
});
