import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { PodTemplateSpec } from 'kubernetes-types/core/v1.js';
import { equalIgnoreHash } from './util.js';

describe('equalIgnoreHash', () => {
  const stored = {
    metadata: { labels: { app: 'web', 'pod-template-hash': '795db8c749' } },
    spec: { containers: [{ name: 'echo', image: 'tskube/echo' }], volumes: [{ name: 'scratch', emptyDir: {} }] },
  };

  it('matches the template kubectl rollout undo writes back (creationTimestamp: null, resources: {})', () => {
    const written = {
      metadata: { creationTimestamp: null, labels: { app: 'web' } },
      spec: { containers: [{ name: 'echo', image: 'tskube/echo', resources: {}, env: [] }], volumes: [{ name: 'scratch', emptyDir: {} }] },
    };
    assert.ok(equalIgnoreHash(stored, written as unknown as PodTemplateSpec));
  });

  it('tells templates with different content apart', () => {
    const changed = { ...stored, spec: { ...stored.spec, containers: [{ name: 'echo', image: 'tskube/echo', env: [{ name: 'VERSION', value: '2' }] }] } };
    assert.ok(!equalIgnoreHash(stored, changed));
    assert.ok(!equalIgnoreHash(stored, { ...stored, metadata: { labels: { app: 'other' } } }));
  });
});
