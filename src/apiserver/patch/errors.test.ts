import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isPatchError, PatchError, PatchErrorCode } from './errors.js';
import { schemaForKind } from './merge-keys.js';
import { strategicMergePatch } from './strategic-merge.js';

const deployment = schemaForKind('apps/v1', 'Deployment');

const live = {
  metadata: { name: 'web', finalizers: ['example.com/a'] },
  spec: {
    strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1 } },
    template: {
      spec: {
        containers: [{ name: 'app', image: 'app:1', env: [{ name: 'A', value: '1' }] }],
        nodeSelector: { disk: 'ssd' },
      },
    },
  },
};

const templateSpec = (spec: Record<string, unknown>) => ({ spec: { template: { spec } } });

function rejection(patch: unknown, original: unknown = live): PatchError {
  const before = structuredClone(original);
  try {
    strategicMergePatch(original, patch, deployment);
  } catch (err) {
    assert.ok(err instanceof PatchError, `expected a PatchError, got ${String(err)}`);
    assert.deepEqual(original, before, 'the original must be untouched even when the patch is rejected');
    return err;
  }
  assert.fail('expected the patch to be rejected');
}

interface Case {
  readonly name: string;
  readonly patch: unknown;
  readonly original?: unknown;
  readonly code: PatchErrorCode;
  readonly field: string;
  readonly message: RegExp;
}

const cases: Case[] = [
  {
    name: 'a $patch value other than delete, replace or merge, on an object',
    patch: templateSpec({ nodeSelector: { $patch: 'remove' } }),
    code: 'UnknownPatchType',
    field: 'spec.template.spec.nodeSelector',
    message: /^spec\.template\.spec\.nodeSelector: unknown patch type: "remove" in map: \{"\$patch":"remove"\}/,
  },
  {
    name: 'a $patch value other than delete, replace or merge, in a list element',
    patch: templateSpec({ containers: [{ name: 'app', $patch: 'drop' }] }),
    code: 'UnknownPatchType',
    field: 'spec.template.spec.containers[0]',
    message: /unknown patch type: "drop" in map: \{"name":"app","\$patch":"drop"\}/,
  },
  {
    name: 'a $patch value that is not a string',
    patch: { metadata: { labels: { $patch: true } } },
    original: { metadata: { labels: { a: 'b' } } },
    code: 'UnknownPatchType',
    field: 'metadata.labels',
    message: /unknown patch type: true/,
  },
  {
    name: 'a $patch value that is unknown, on a field the live object lacks',
    patch: { metadata: { annotations: { $patch: 'nope' } } },
    code: 'UnknownPatchType',
    field: 'metadata.annotations',
    message: /unknown patch type: "nope"/,
  },
  {
    name: 'a merge-list element without its merge key',
    patch: templateSpec({ containers: [{ image: 'app:2' }] }),
    code: 'MissingMergeKey',
    field: 'spec.template.spec.containers[0]',
    message: /^spec\.template\.spec\.containers\[0\]: map: \{"image":"app:2"\} does not contain declared merge key: name$/,
  },
  {
    name: 'a delete directive without the merge key',
    patch: templateSpec({ containers: [{ name: 'app', env: [{ $patch: 'delete', value: '1' }] }] }),
    code: 'MissingMergeKey',
    field: 'spec.template.spec.containers[0].env[0]',
    message: /does not contain declared merge key: name/,
  },
  {
    name: 'a $setElementOrder element without the merge key',
    patch: templateSpec({ '$setElementOrder/containers': [{ image: 'x' }] }),
    code: 'MissingMergeKey',
    field: 'spec.template.spec.containers',
    message: /map: \{"image":"x"\} does not contain declared merge key: name/,
  },
  {
    name: '$setElementOrder that is not a list',
    patch: templateSpec({ '$setElementOrder/containers': { name: 'app' } }),
    code: 'InvalidSetElementOrder',
    field: 'spec.template.spec.$setElementOrder/containers',
    message: /invalid patch format of setElementOrder list: expected a list, but received an object/,
  },
  {
    name: '$setElementOrder without a field name',
    patch: templateSpec({ $setElementOrder: [{ name: 'app' }] }),
    code: 'InvalidSetElementOrder',
    field: 'spec.template.spec',
    message: /"\$setElementOrder" is not of the form "\$setElementOrder\/<field>"/,
  },
  {
    name: 'a misspelt $setElementOrder prefix',
    patch: templateSpec({ '$setElementOrders/containers': [{ name: 'app' }] }),
    code: 'InvalidSetElementOrder',
    field: 'spec.template.spec',
    message: /invalid patch format of setElementOrder list/,
  },
  {
    name: '$setElementOrder that disagrees with the patch list',
    patch: templateSpec({
      '$setElementOrder/containers': [{ name: 'app' }, { name: 'b' }],
      containers: [{ name: 'b' }, { name: 'app' }],
    }),
    code: 'InvalidSetElementOrder',
    field: 'spec.template.spec.containers',
    message: /the order in patch list \[\{"name":"b"\},\{"name":"app"\}\] doesn't match \$setElementOrder list \[\{"name":"app"\},\{"name":"b"\}\]/,
  },
  {
    name: '$setElementOrder missing an element the patch list adds',
    patch: templateSpec({ '$setElementOrder/containers': [{ name: 'app' }], containers: [{ name: 'new' }] }),
    code: 'InvalidSetElementOrder',
    field: 'spec.template.spec.containers',
    message: /doesn't match \$setElementOrder list/,
  },
  {
    name: '$setElementOrder for a field whose live value is not a list',
    patch: templateSpec({ '$setElementOrder/nodeSelector': ['disk'] }),
    code: 'TypeMismatch',
    field: 'spec.template.spec.nodeSelector',
    message: /expected a list, but received an object/,
  },
  {
    name: '$setElementOrder beside a null list',
    patch: templateSpec({ '$setElementOrder/containers': [{ name: 'app' }], containers: null }),
    code: 'TypeMismatch',
    field: 'spec.template.spec.containers',
    message: /expected a list, but received null/,
  },
  {
    name: '$retainKeys that is not a list',
    patch: { spec: { strategy: { $retainKeys: 'type', type: 'Recreate' } } },
    code: 'InvalidRetainKeys',
    field: 'spec.strategy',
    message: /invalid patch format of retainKeys: \$retainKeys must be a list, not a string/,
  },
  {
    name: '$retainKeys leaving out a key the patch sets',
    patch: { spec: { strategy: { $retainKeys: ['type'], type: 'RollingUpdate', rollingUpdate: { maxSurge: 2 } } } },
    code: 'InvalidRetainKeys',
    field: 'spec.strategy',
    message: /the patch sets "rollingUpdate", which \$retainKeys does not list/,
  },
  {
    name: '$deleteFromPrimitiveList that is not a list',
    patch: { metadata: { '$deleteFromPrimitiveList/finalizers': 'example.com/a' } },
    code: 'InvalidPrimitiveList',
    field: 'metadata.finalizers',
    message: /invalid patch format of primitive list: \$deleteFromPrimitiveList\/finalizers must be a list, not a string/,
  },
  {
    name: '$deleteFromPrimitiveList without a field name',
    patch: { metadata: { '$deleteFromPrimitiveList/': ['example.com/a'] } },
    code: 'InvalidPrimitiveList',
    field: 'metadata',
    message: /invalid patch format of primitive list/,
  },
  {
    name: '$deleteFromPrimitiveList aimed at a list of objects',
    patch: templateSpec({ '$deleteFromPrimitiveList/containers': [{ name: 'app' }] }),
    code: 'InvalidPrimitiveList',
    field: 'spec.template.spec.containers',
    message: /the list holds objects/,
  },
  {
    name: '$deleteFromPrimitiveList aimed at a value that is not a list',
    patch: templateSpec({ '$deleteFromPrimitiveList/nodeSelector': ['disk'] }),
    code: 'TypeMismatch',
    field: 'spec.template.spec.nodeSelector',
    message: /expected a list, but received an object/,
  },
  {
    name: 'a merge list whose elements mix types',
    patch: { metadata: { finalizers: [{ $patch: 'replace' }] } },
    code: 'TypeMismatch',
    field: 'metadata.finalizers',
    message: /list element types are not identical/,
  },
  {
    name: 'a merge list of lists',
    patch: { metadata: { finalizers: [['example.com/b']] } },
    original: { metadata: { finalizers: [] } },
    code: 'ListOfLists',
    field: 'metadata.finalizers',
    message: /lists of lists are not supported/,
  },
  {
    name: 'objects in a merge list that has no merge key',
    patch: { metadata: { finalizers: [{ name: 'x' }] } },
    original: { metadata: { finalizers: [] } },
    code: 'TypeMismatch',
    field: 'metadata.finalizers',
    message: /cannot merge lists without merge key/,
  },
  {
    name: 'a patch that is a list',
    patch: [{ op: 'add' }],
    code: 'InvalidDocument',
    field: '',
    message: /^invalid JSON document: the patch must be an object, not a list$/,
  },
  {
    name: 'an original that is not an object',
    patch: {},
    original: 'web',
    code: 'InvalidDocument',
    field: '',
    message: /the object to patch must be an object, not a string/,
  },
  {
    name: 'a patch holding something JSON cannot hold',
    patch: { spec: { replicas: Number.NaN } },
    code: 'InvalidDocument',
    field: '',
    message: /a number JSON cannot represent/,
  },
];

describe('strategicMergePatch: malformed patches throw a PatchError', () => {
  for (const c of cases) {
    it(c.name, () => {
      const err = rejection(c.patch, c.original);
      assert.equal(err.code, c.code);
      assert.equal(err.field, c.field);
      assert.match(err.message, c.message);
      assert.equal(err.status, c.code === 'ListOfLists' ? 422 : 400);
      assert.ok(isPatchError(err, c.code));
    });
  }

  it('covers every error code', () => {
    const covered = new Set(cases.map((c) => c.code));
    assert.deepEqual([...Object.values(PatchErrorCode)].filter((code) => !covered.has(code)), []);
  });
});

describe('PatchError', () => {
  it('puts the field path before upstream-style detail, and keeps both apart', () => {
    const err = new PatchError('MissingMergeKey', 'spec.ports[1]', 'map: {} does not contain declared merge key: port');
    assert.equal(err.message, 'spec.ports[1]: map: {} does not contain declared merge key: port');
    assert.equal(err.detail, 'map: {} does not contain declared merge key: port');
    assert.equal(err.name, 'PatchError');
    assert.ok(err instanceof Error);
  });

  it('has no field prefix at the root', () => {
    assert.equal(new PatchError('InvalidDocument', '', 'invalid JSON document').message, 'invalid JSON document');
  });

  it('isPatchError tells PatchErrors apart, by code when asked', () => {
    const err = new PatchError('ListOfLists', 'x', 'lists of lists are not supported');
    assert.ok(isPatchError(err));
    assert.ok(isPatchError(err, 'ListOfLists'));
    assert.ok(!isPatchError(err, 'TypeMismatch'));
    assert.ok(!isPatchError(new Error('x')));
  });

  it('keeps huge values out of messages', () => {
    const err = rejection(templateSpec({ containers: [{ image: 'x'.repeat(10_000) }] }));
    assert.ok(err.message.length < 400, `message is ${err.message.length} characters`);
  });
});
