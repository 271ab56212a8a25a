import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { schemaForKind } from './merge-keys.js';
import { strategicMergePatch } from './strategic-merge.js';

const pod = schemaForKind('v1', 'Pod');
const deployment = schemaForKind('apps/v1', 'Deployment');

/** Freezes a value all the way down, so any write to it throws (test files are ES modules: strict mode). */
function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

const names = (list: unknown): unknown[] => (list as { name: unknown }[]).map((element) => element.name);

describe('strategicMergePatch: JSON merge patch as the base', () => {
  it('merges objects key by key and replaces primitives', () => {
    const live = { metadata: { name: 'p', labels: { app: 'web', tier: 'front' } }, spec: { nodeName: 'a' } };
    const patch = { metadata: { labels: { tier: 'back', track: 'canary' } }, spec: { nodeName: 'b' } };
    assert.deepEqual(strategicMergePatch(live, patch, pod), {
      metadata: { name: 'p', labels: { app: 'web', tier: 'back', track: 'canary' } },
      spec: { nodeName: 'b' },
    });
  });

  it('removes a key whose patch value is null, and ignores a null for a key the object lacks', () => {
    const live = { metadata: { name: 'p', labels: { app: 'web', tier: 'front' } } };
    const patch = { metadata: { labels: { tier: null, absent: null } } };
    assert.deepEqual(strategicMergePatch(live, patch, pod), { metadata: { name: 'p', labels: { app: 'web' } } });
  });

  it('takes a value of another type as it is, dropping the nulls inside it', () => {
    const live = { spec: { affinity: 'oops' } };
    const patch = { spec: { affinity: { nodeAffinity: { required: null, preferred: [] } } } };
    assert.deepEqual(strategicMergePatch(live, patch, pod), { spec: { affinity: { nodeAffinity: { preferred: [] } } } });
  });

  it('replaces lists whose field has no merge strategy', () => {
    const live = { spec: { containers: [{ name: 'c', image: 'x', args: ['a', 'b'], command: ['sh'] }] } };
    const patch = { spec: { containers: [{ name: 'c', args: ['c'] }] } };
    assert.deepEqual(strategicMergePatch(live, patch, pod), {
      spec: { containers: [{ name: 'c', image: 'x', args: ['c'], command: ['sh'] }] },
    });
  });

  it('merges like a JSON merge patch when there is no schema: lists replaced, objects merged', () => {
    const live = { spec: { containers: [{ name: 'a' }, { name: 'b' }], group: { x: 1, y: 2 } } };
    const patch = { spec: { containers: [{ name: 'c' }], group: { y: null, z: 3 } } };
    assert.deepEqual(strategicMergePatch(live, patch, undefined), {
      spec: { containers: [{ name: 'c' }], group: { x: 1, z: 3 } },
    });
  });

  it('merges fields the schema does not know (unknown fields) like a JSON merge patch', () => {
    const live = { spec: { custom: { list: [1, 2], nested: { a: 1 } } } };
    const patch = { spec: { custom: { list: [3], nested: { b: 2 } } } };
    assert.deepEqual(strategicMergePatch(live, patch, pod), {
      spec: { custom: { list: [3], nested: { a: 1, b: 2 } } },
    });
  });

  it('treats an undefined or null original as an empty object', () => {
    assert.deepEqual(strategicMergePatch(undefined, { a: 1, b: null }, undefined), { a: 1 });
    assert.deepEqual(strategicMergePatch(null, { a: { b: 1 } }, undefined), { a: { b: 1 } });
  });

  it('returns the original unchanged for an empty patch', () => {
    const live = { metadata: { name: 'p' }, spec: { containers: [{ name: 'c' }] } };
    assert.deepEqual(strategicMergePatch(live, {}, pod), live);
  });
});

describe('strategicMergePatch: merge lists', () => {
  it('merges list elements by merge key and keeps the others', () => {
    const live = { spec: { containers: [{ name: 'a', image: 'a:1' }, { name: 'b', image: 'b:1' }] } };
    const patch = { spec: { containers: [{ name: 'b', image: 'b:2' }] } };
    assert.deepEqual(strategicMergePatch(live, patch, pod), {
      spec: { containers: [{ name: 'a', image: 'a:1' }, { name: 'b', image: 'b:2' }] },
    });
  });

  it('places a new element before the live-only ones when there is no $setElementOrder, as upstream', () => {
    // Upstream's mergeSortedSlice cannot place an element the live list lacks, so it goes first;
    // the kubectl patch task page shows the same result (the added redis container comes first).
    const live = { spec: { containers: [{ name: 'nginx' }] } };
    const patch = { spec: { containers: [{ name: 'redis', image: 'redis' }] } };
    assert.deepEqual(names((strategicMergePatch(live, patch, pod) as { spec: { containers: unknown } }).spec.containers), [
      'redis',
      'nginx',
    ]);
  });

  it('keeps the patch order for the elements it names, interleaving live-only ones by live position', () => {
    const live = { spec: { containers: [{ name: '1' }, { name: '2', image: 'b' }, { name: '3' }] } };
    const patch = { spec: { containers: [{ name: '3', image: 'c' }, { name: '1', image: 'a' }] } };
    assert.deepEqual(strategicMergePatch(live, patch, pod), {
      spec: { containers: [{ name: '2', image: 'b' }, { name: '3', image: 'c' }, { name: '1', image: 'a' }] },
    });
  });

  it('deletes every element whose merge key matches {"$patch": "delete"}', () => {
    const live = { spec: { volumes: [{ name: 'a' }, { name: 'b', emptyDir: {} }, { name: 'a', hostPath: { path: '/' } }] } };
    const patch = { spec: { volumes: [{ $patch: 'delete', name: 'a' }, { $patch: 'delete', name: 'missing' }] } };
    assert.deepEqual(strategicMergePatch(live, patch, pod), { spec: { volumes: [{ name: 'b', emptyDir: {} }] } });
  });

  it('replaces the whole list with {"$patch": "replace"}', () => {
    const live = { spec: { containers: [{ name: 'a', image: 'a' }, { name: 'b', image: 'b' }] } };
    const patch = { spec: { containers: [{ $patch: 'replace' }, { name: 'c', image: 'c', env: null }] } };
    assert.deepEqual(strategicMergePatch(live, patch, pod), { spec: { containers: [{ name: 'c', image: 'c' }] } });
  });

  it('empties a list with a lone {"$patch": "replace"}', () => {
    const live = { spec: { containers: [{ name: 'a' }] } };
    assert.deepEqual(strategicMergePatch(live, { spec: { containers: [{ $patch: 'replace' }] } }, pod), {
      spec: { containers: [] },
    });
  });

  it('accepts "$patch": "merge" on an element and as a lone marker (the default, spelled out)', () => {
    const live = { spec: { containers: [{ name: 'a', image: 'a:1' }] } };
    const patch = { spec: { containers: [{ $patch: 'merge' }, { $patch: 'merge', name: 'a', image: 'a:2' }] } };
    assert.deepEqual(strategicMergePatch(live, patch, pod), { spec: { containers: [{ name: 'a', image: 'a:2' }] } });
  });

  it('merges nested merge lists inside merged elements (env inside a container)', () => {
    const live = { spec: { containers: [{ name: 'c', env: [{ name: 'A', value: '1' }, { name: 'B', value: '2' }] }] } };
    const patch = { spec: { containers: [{ name: 'c', env: [{ name: 'B', value: '20' }, { name: 'A', $patch: 'delete' }] }] } };
    assert.deepEqual(strategicMergePatch(live, patch, pod), { spec: { containers: [{ name: 'c', env: [{ name: 'B', value: '20' }] }] } });
  });

  it('drops directives and nulls inside a newly added element', () => {
    const live = { spec: { containers: [{ name: 'a' }] } };
    const patch = {
      spec: {
        containers: [
          {
            name: 'b',
            image: null,
            $retainKeys: ['name'],
            env: [{ name: 'X', value: '1' }, { name: 'Y', $patch: 'delete' }],
            resources: { $patch: 'delete' },
          },
        ],
      },
    };
    assert.deepEqual(strategicMergePatch(live, patch, pod), {
      spec: { containers: [{ name: 'b', env: [{ name: 'X', value: '1' }] }, { name: 'a' }] },
    });
  });

  it('merges primitive lists with the merge strategy as sets, without duplicates', () => {
    const live = { metadata: { finalizers: ['a', 'b'] } };
    assert.deepEqual(strategicMergePatch(live, { metadata: { finalizers: ['b', 'a', 'b'] } }, pod), {
      metadata: { finalizers: ['b', 'a'] },
    });
    assert.deepEqual(strategicMergePatch(live, { metadata: { finalizers: ['b', 'c'] } }, pod), {
      metadata: { finalizers: ['a', 'b', 'c'] },
    });
  });

  it('takes the patch list as it is when the live object has none', () => {
    const patch = { spec: { containers: [{ name: 'a', image: 'x' }, { name: 'gone', $patch: 'delete' }, { $patch: 'replace' }] } };
    assert.deepEqual(strategicMergePatch({ spec: {} }, patch, pod), { spec: { containers: [{ name: 'a', image: 'x' }] } });
  });
});

describe('strategicMergePatch: $patch on objects', () => {
  it('replaces an object with "$patch": "replace"', () => {
    const live = { spec: { nodeSelector: { zone: 'a', disk: 'hdd' } } };
    const patch = { spec: { nodeSelector: { $patch: 'replace', disk: 'ssd' } } };
    assert.deepEqual(strategicMergePatch(live, patch, pod), { spec: { nodeSelector: { disk: 'ssd' } } });
  });

  it('replaces the whole object when the directive is at the root', () => {
    const live = { metadata: { name: 'p' }, spec: { nodeName: 'a' } };
    assert.deepEqual(strategicMergePatch(live, { $patch: 'replace', metadata: { name: 'q' } }, pod), {
      metadata: { name: 'q' },
    });
  });

  it('empties an object with "$patch": "delete", as upstream (the key stays, with {})', () => {
    const live = { metadata: { name: 'p', labels: { app: 'web' } } };
    assert.deepEqual(strategicMergePatch(live, { metadata: { labels: { $patch: 'delete' } } }, pod), {
      metadata: { name: 'p', labels: {} },
    });
  });

  it('drops an object carrying "$patch": "replace" or "delete" when the live object lacks the field, as upstream', () => {
    const live = { metadata: { name: 'p' } };
    const patch = { metadata: { labels: { $patch: 'replace', app: 'web' }, annotations: { $patch: 'delete' } } };
    assert.deepEqual(strategicMergePatch(live, patch, pod), { metadata: { name: 'p' } });
  });

  it('merges normally with "$patch": "merge"', () => {
    const live = { metadata: { labels: { app: 'web' } } };
    assert.deepEqual(strategicMergePatch(live, { metadata: { labels: { $patch: 'merge', tier: 'x' } } }, pod), {
      metadata: { labels: { app: 'web', tier: 'x' } },
    });
    assert.deepEqual(strategicMergePatch({}, { metadata: { labels: { $patch: 'merge', tier: 'x' } } }, pod), {
      metadata: { labels: { tier: 'x' } },
    });
  });
});

describe('strategicMergePatch: $retainKeys', () => {
  it('clears the keys it does not list before merging', () => {
    const live = { spec: { strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1 } } } };
    const patch = { spec: { strategy: { $retainKeys: ['type'], type: 'Recreate' } } };
    assert.deepEqual(strategicMergePatch(live, patch, deployment), { spec: { strategy: { type: 'Recreate' } } });
  });

  it('lets a patch without $retainKeys merge as usual', () => {
    const live = { spec: { strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1 } } } };
    const patch = { spec: { strategy: { rollingUpdate: { maxUnavailable: 0 } } } };
    assert.deepEqual(strategicMergePatch(live, patch, deployment), {
      spec: { strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } } },
    });
  });
});

describe('strategicMergePatch: $setElementOrder', () => {
  it('orders the list as listed, for elements the patch does not change', () => {
    const live = { spec: { containers: [{ name: 'a' }, { name: 'b' }, { name: 'c' }] } };
    const patch = { spec: { '$setElementOrder/containers': [{ name: 'c' }, { name: 'a' }, { name: 'b' }] } };
    assert.deepEqual(names((strategicMergePatch(live, patch, pod) as { spec: { containers: unknown } }).spec.containers), [
      'c',
      'a',
      'b',
    ]);
  });

  it('interleaves live-only elements before the first listed element that followed them in the live list', () => {
    // Upstream's "set elements order in a list with server-only items 3".
    const live = { spec: { containers: ['1', '2', '7', '9', '8', '3', '4'].map((name) => ({ name })) } };
    const patch = { spec: { '$setElementOrder/containers': ['2', '1', '4', '3'].map((name) => ({ name })) } };
    assert.deepEqual(names((strategicMergePatch(live, patch, pod) as { spec: { containers: unknown } }).spec.containers), [
      '2',
      '1',
      '7',
      '9',
      '8',
      '4',
      '3',
    ]);
  });

  it('orders primitive lists too', () => {
    const live = { metadata: { finalizers: ['a', 'b', 'x'] } };
    const patch = { metadata: { '$setElementOrder/finalizers': ['b', 'c', 'a'], finalizers: ['c'] } };
    assert.deepEqual(strategicMergePatch(live, patch, pod), { metadata: { finalizers: ['b', 'c', 'a', 'x'] } });
  });

  it('ignores listed elements that neither list has', () => {
    const live = { spec: { containers: [{ name: '1' }, { name: '3' }] } };
    const patch = {
      spec: { '$setElementOrder/containers': [{ name: '3' }, { name: '2' }, { name: '1' }], containers: [{ name: '3', image: 'x' }] },
    };
    assert.deepEqual(strategicMergePatch(live, patch, pod), { spec: { containers: [{ name: '3', image: 'x' }, { name: '1' }] } });
  });

  it('does nothing when neither the live object nor the patch has the list', () => {
    assert.deepEqual(strategicMergePatch({ spec: {} }, { spec: { '$setElementOrder/containers': [{ name: 'a' }] } }, pod), {
      spec: {},
    });
  });
});

describe('strategicMergePatch: $deleteFromPrimitiveList', () => {
  it('removes the listed values', () => {
    const live = { metadata: { finalizers: ['a', 'b', 'c'] } };
    assert.deepEqual(strategicMergePatch(live, { metadata: { '$deleteFromPrimitiveList/finalizers': ['b', 'zz'] } }, pod), {
      metadata: { finalizers: ['a', 'c'] },
    });
  });

  it('works on primitive lists without the merge strategy too (upstream since kubernetes#110472)', () => {
    const live = { spec: { containers: [{ name: 'c', args: ['1', '2', '3'] }] } };
    const patch = { spec: { containers: [{ name: 'c', '$deleteFromPrimitiveList/args': ['2'] }] } };
    assert.deepEqual(strategicMergePatch(live, patch, pod), { spec: { containers: [{ name: 'c', args: ['1', '3'] }] } });
  });

  it('does not create the list when the live object lacks it', () => {
    assert.deepEqual(strategicMergePatch({ metadata: { name: 'p' } }, { metadata: { '$deleteFromPrimitiveList/finalizers': ['a'] } }, pod), {
      metadata: { name: 'p' },
    });
  });
});

describe('strategicMergePatch: inputs', () => {
  it('never modifies the original or the patch', () => {
    const live = deepFreeze({
      metadata: { name: 'd', finalizers: ['a', 'b'], labels: { app: 'web', tier: 'x' } },
      spec: {
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1 } },
        template: {
          spec: {
            containers: [{ name: 'c', env: [{ name: 'A' }, { name: 'B' }], volumeMounts: [{ mountPath: '/d', name: 'd' }] }],
            volumes: [{ name: 'd', emptyDir: {} }],
          },
        },
      },
    });
    const patch = deepFreeze({
      metadata: { '$deleteFromPrimitiveList/finalizers': ['a'], '$setElementOrder/finalizers': ['b'], labels: { tier: null } },
      spec: {
        strategy: { $retainKeys: ['type'], type: 'Recreate', rollingUpdate: null },
        template: {
          spec: {
            '$setElementOrder/containers': [{ name: 'c' }, { name: 'n' }],
            containers: [
              { name: 'c', '$setElementOrder/env': [{ name: 'B' }, { name: 'C' }], env: [{ name: 'C' }, { $patch: 'delete', name: 'A' }] },
              { name: 'n', image: 'x' },
            ],
            volumes: [{ $retainKeys: ['configMap', 'name'], name: 'd', configMap: { name: 'cm' }, emptyDir: null }],
          },
        },
      },
    });
    const liveBefore = structuredClone(live);
    const patchBefore = structuredClone(patch);
    const result = strategicMergePatch(live, patch, deployment);
    assert.deepEqual(live, liveBefore);
    assert.deepEqual(patch, patchBefore);
    assert.notEqual(result, live);
  });

  it('shares no objects with its inputs', () => {
    const live = { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c' }] } };
    const patch = { spec: { tolerations: [{ key: 'k' }] } };
    const result = strategicMergePatch(live, patch, pod) as typeof live & typeof patch;
    assert.notEqual(result.metadata.labels, live.metadata.labels);
    assert.notEqual(result.spec.containers[0], live.spec.containers[0]);
    assert.notEqual(result.spec.tolerations, patch.spec.tolerations);
  });

  it('treats "__proto__" and "constructor" as ordinary keys', () => {
    const patch = JSON.parse('{"metadata":{"labels":{"__proto__":{"polluted":"yes"},"constructor":"x"}}}') as unknown;
    const result = strategicMergePatch({ metadata: { labels: {} } }, patch, pod) as { metadata: { labels: Record<string, unknown> } };
    assert.deepEqual(Object.keys(result.metadata.labels), ['__proto__', 'constructor']);
    assert.equal(Object.getPrototypeOf(result.metadata.labels), Object.prototype);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });

  it('skips properties whose value is undefined, as JSON would', () => {
    assert.deepEqual(strategicMergePatch({ a: 1, b: undefined }, { c: undefined, d: 2 }, undefined), { a: 1, d: 2 });
  });
});
