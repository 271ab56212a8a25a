import assert from 'node:assert/strict';
import { test } from 'node:test';
import protobuf from 'protobufjs';
import { allMessages, kubernetesSchema } from './messages/index.js';
import { buildSchema } from './schema.js';

test('parses the field notation into protobuf fields and JSON facts', () => {
  const schema = buildSchema({
    Inner: { name: '1 string' },
    Outer: {
      id: '1 int32 !',
      ref: '2 *Inner',
      items: '3 []Inner',
      labels: '4 map[string]string',
      inner: '5 Inner inline',
      data: '6 bytes',
      count: '7 *int64 !',
    },
  });
  const fields = schema.message('Outer').fields;
  assert.deepEqual(
    fields.map((f) => [f.json, f.id, f.shape, f.type, f.isMessage, f.omitEmpty, f.inline]),
    [
      ['id', 1, 'value', 'int32', false, false, false],
      ['ref', 2, 'pointer', 'Inner', true, true, false],
      ['items', 3, 'slice', 'Inner', true, true, false],
      ['labels', 4, 'map', 'string', false, true, false],
      ['inner', 5, 'value', 'Inner', true, true, true],
      ['data', 6, 'value', 'bytes', false, true, false],
      ['count', 7, 'pointer', 'int64', false, false, false],
    ],
  );
  const type = schema.type('Outer');
  assert.ok(type.fields.items?.repeated);
  assert.ok(type.fields.labels instanceof protobuf.MapField);
  assert.equal(type.fieldsById[2]?.resolvedType, schema.type('Inner'));
});

test('refuses declarations that cannot be right', () => {
  assert.throws(() => buildSchema({ A: { x: 'one string' } }), /cannot parse/);
  assert.throws(() => buildSchema({ A: { x: '1 Missing' } }), /unknown type Missing/);
  assert.throws(() => buildSchema({ A: { x: '1 string', y: '1 int32' } }), /field number 1 used twice/);
  assert.throws(() => buildSchema({ A: { x: '1 *B inline' }, B: {} }), /only a struct held by value can be inline/);
});

test("tskube's messages build and resolve", () => {
  const schema = kubernetesSchema();
  for (const name of Object.keys(allMessages)) {
    const type = schema.type(name);
    for (const field of type.fieldsArray) assert.ok(field.resolved, `${name}.${field.name} resolves`);
  }
  // Spot checks of wire facts against upstream's generated.proto.
  assert.equal(schema.type('ObjectMeta').fields.managedFields?.id, 17);
  assert.equal(schema.type('PodSpec').fields.resources?.id, 40);
  assert.equal(schema.type('Container').fields.restartPolicy?.id, 24);
  assert.equal(schema.type('TokenRequestSpec').fields.expirationSeconds?.id, 4);
  assert.equal(schema.type('DeploymentCondition').fields.lastUpdateTime?.id, 6);
  assert.equal(schema.type('Secret').fields.immutable?.id, 5);
});
