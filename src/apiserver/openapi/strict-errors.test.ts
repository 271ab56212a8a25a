import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatInvalidMessage } from '../../api/validation/field-errors.js';
import { applyUnknownFieldsMessage, goPrint, strictBodyErrorMessage, strictDecodingError, strictDecodingWarnings, strictPatchFieldError } from './strict-errors.js';
import { findUnknownFields } from './unknown-fields.js';

describe('strict field validation messages', () => {
  it('words a rejected create or update body as kube-apiserver does', () => {
    const errors = findUnknownFields('apps/v1', 'Deployment', { apiVersion: 'apps/v1', kind: 'Deployment', spec: { bogus: 1 } });
    assert.equal(
      strictBodyErrorMessage('Deployment', 'v1', errors),
      'Deployment in version "v1" cannot be handled as a Deployment: strict decoding error: unknown field "spec.bogus"',
    );
    assert.equal(strictDecodingError(['unknown field "a"', 'duplicate field "b"']), 'strict decoding error: unknown field "a", duplicate field "b"');
  });

  it('words a rejected patch as a 422 on the field "patch"', () => {
    const errors = ['unknown field "spec.foo"'];
    const merge = strictPatchFieldError('application/merge-patch+json', { spec: { foo: 1 } }, { spec: { foo: 1 } }, errors);
    assert.equal(merge.field, 'patch');
    assert.equal(
      formatInvalidMessage({ kind: '' }, '', [merge]),
      ' "" is invalid: patch: Invalid value: "{\\"spec\\":{\\"foo\\":1}}": strict decoding error: unknown field "spec.foo"',
    );
    const smp = strictPatchFieldError('application/strategic-merge-patch+json', {}, { spec: { foo: 1, bar: [1.5, 'x', null] } }, errors);
    assert.equal(smp.value, 'map[spec:map[bar:[1.5 x <nil>] foo:1]]');
  });

  it('gives one warning per error for fieldValidation=Warn', () => {
    assert.deepEqual(strictDecodingWarnings(['unknown field "a"', 'unknown field "b"']), ['unknown field "a"', 'unknown field "b"']);
  });

  it('words the rejection by server-side apply of undeclared fields', () => {
    assert.equal(
      applyUnknownFieldsMessage({ namespace: 'default', name: 'web' }, 'apps/v1', 'Deployment', ['.spec.foo']),
      'failed to create typed patch object (default/web; apps/v1, Kind=Deployment): .spec.foo: field not declared in schema',
    );
    assert.equal(
      applyUnknownFieldsMessage({ name: 'n1' }, 'v1', 'Node', ['.spec.a', '.spec.b']),
      'failed to create typed patch object (/n1; /v1, Kind=Node): errors:\n  .spec.a: field not declared in schema\n  .spec.b: field not declared in schema',
    );
  });

  it('prints values as Go prints them', () => {
    assert.equal(goPrint({ b: true, a: 'x' }), 'map[a:x b:true]');
    assert.equal(goPrint(0.00001), '1e-05');
    assert.equal(goPrint(1234567.5), '1.2345675e+06');
    assert.equal(goPrint(123456.5), '123456.5');
    assert.equal(goPrint(1e21), '1e+21');
    assert.equal(goPrint([]), '[]');
  });
});
