import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isProtobufDecodeError } from './errors.js';
import { kubernetesSchema } from './messages/index.js';
import { messageToJson, type PlainMessage } from './to-json.js';

const json = (name: string, message: PlainMessage | undefined) => messageToJson(kubernetesSchema(), name, message, 'X');
const invalid = (name: string, message: PlainMessage, reason: RegExp) =>
  assert.throws(() => json(name, message), (err) => isProtobufDecodeError(err, 'InvalidData') && reason.test(err.message));

test('Time is RFC 3339 in UTC to the second, and null when unset or Go zero', () => {
  assert.equal(json('Time', { seconds: '1735689600' }), '2025-01-01T00:00:00Z');
  assert.equal(json('Time', { seconds: '1735689600', nanos: 999_999_999 }), '2025-01-01T00:00:00Z', 'metav1.Time drops nanos');
  assert.equal(json('Time', { seconds: '0' }), '1970-01-01T00:00:00Z');
  assert.equal(json('Time', { seconds: '-1' }), '1969-12-31T23:59:59Z');
  assert.equal(json('Time', {}), null);
  assert.equal(json('Time', undefined), null);
  assert.equal(json('Time', { seconds: '-62135596800' }), null, '0001-01-01T00:00:00Z is time.Time{}');
  invalid('Time', { seconds: '253402300800' }, /outside years/);
});

test('MicroTime keeps microseconds, truncating nanos', () => {
  assert.equal(json('MicroTime', { seconds: '1735689600', nanos: 123_456_789 }), '2025-01-01T00:00:00.123456Z');
  assert.equal(json('MicroTime', { seconds: '1735689600' }), '2025-01-01T00:00:00.000000Z');
  assert.equal(json('MicroTime', { seconds: '1735689600', nanos: 1_500_000_000 }), '2025-01-01T00:00:01.500000Z', 'nanos past a second carry');
  assert.equal(json('MicroTime', {}), null);
  assert.equal(json('MicroTime', { seconds: '-62135596800', nanos: 500 }), null, 'under a microsecond after Go zero is still zero');
});

test('Quantity is its string; an unset one is "0"; a malformed one is refused', () => {
  for (const q of ['2', '500m', '1Gi', '1.5', '-3', '+1', '1e3', '2E-2', '100n', '7Ki', '.5']) assert.equal(json('Quantity', { string: q }), q);
  assert.equal(json('Quantity', undefined), '0');
  assert.equal(json('Quantity', {}), '0');
  for (const q of ['', 'lots', '1GB', '1 Gi', '--1']) invalid('Quantity', { string: q }, /quantities must match/);
});

test('IntOrString is a number or a string by its type', () => {
  assert.equal(json('IntOrString', { type: '0', intVal: 8080 }), 8080);
  assert.equal(json('IntOrString', { type: '1', strVal: 'http' }), 'http');
  assert.equal(json('IntOrString', { intVal: 25 }), 25, 'type defaults to Int');
  assert.equal(json('IntOrString', { type: '1' }), '');
  assert.equal(json('IntOrString', undefined), 0);
  invalid('IntOrString', { type: '2', intVal: 1 }, /impossible IntOrString\.Type 2/);
});

test('RawExtension and FieldsV1 embed their JSON bytes', () => {
  const b64 = (s: string) => Buffer.from(s).toString('base64');
  assert.deepEqual(json('RawExtension', { raw: b64('{"a":[1,true]}') }), { a: [1, true] });
  assert.equal(json('RawExtension', {}), null);
  assert.deepEqual(json('FieldsV1', { raw: b64('{"f:metadata":{}}') }), { 'f:metadata': {} });
  invalid('RawExtension', { raw: Buffer.from([0x6b, 0x38, 0x73, 0]).toString('base64') }, /does not hold JSON/);
});

test('a struct field unset on the wire is written as its zero value', () => {
  assert.deepEqual(json('TokenRequest', {}), {
    metadata: { creationTimestamp: null },
    spec: { audiences: null, expirationSeconds: null, boundObjectRef: null },
    status: { token: '', expirationTimestamp: null },
  });
  assert.deepEqual(json('Condition', {}), { type: '', status: '', lastTransitionTime: null, reason: '', message: '' });
});
