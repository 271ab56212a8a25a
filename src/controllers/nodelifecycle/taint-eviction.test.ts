import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { evictionTime, tolerates } from './taint-eviction.js';

const unreachable = { key: 'node.kubernetes.io/unreachable', effect: 'NoExecute', timeAdded: '2026-01-01T00:00:00Z' };
const t0 = Date.parse('2026-01-01T00:00:00Z');

describe('taint-based eviction', () => {
  it('matches tolerations as upstream', () => {
    assert.equal(tolerates({ operator: 'Exists' }, unreachable), true);
    assert.equal(tolerates({ key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute' }, unreachable), true);
    assert.equal(tolerates({ key: 'other', operator: 'Exists' }, unreachable), false);
    assert.equal(tolerates({ key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoSchedule' }, unreachable), false);
    assert.equal(tolerates({ key: 'k', value: 'v' }, { key: 'k', value: 'v', effect: 'NoExecute' }), true);
    assert.equal(tolerates({ key: 'k', value: 'w' }, { key: 'k', value: 'v', effect: 'NoExecute' }), false);
  });

  it('evicts at once without a toleration, after tolerationSeconds with one, never when tolerated forever', () => {
    assert.equal(evictionTime([unreachable], []), 0);
    assert.equal(evictionTime([unreachable], [{ key: unreachable.key, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 }]), t0 + 300_000);
    assert.equal(evictionTime([unreachable], [{ key: unreachable.key, operator: 'Exists', effect: 'NoExecute' }]), undefined);
    assert.equal(evictionTime([{ ...unreachable, effect: 'NoSchedule' }], []), undefined);
    assert.equal(evictionTime(undefined, undefined), undefined);
  });

  it('takes the shortest matching tolerationSeconds', () => {
    const tolerations = [
      { operator: 'Exists' as const, tolerationSeconds: 600 },
      { key: unreachable.key, operator: 'Exists' as const, tolerationSeconds: 30 },
    ];
    assert.equal(evictionTime([unreachable], tolerations), t0 + 30_000);
  });
});
