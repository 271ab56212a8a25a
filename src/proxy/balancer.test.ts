import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Balancer } from './balancer.js';
import type { ServiceEndpoint } from './types.js';

const ep = (ip: string): ServiceEndpoint => ({ ip, port: 80, ready: true, serving: true, terminating: false, zoneHints: [] });
const A = ep('127.64.0.1');
const B = ep('127.64.0.2');
const C = ep('127.64.0.3');

describe('balancer', () => {
  it('round-robins over the candidates', () => {
    const b = new Balancer();
    b.setCandidates([A, B, C]);
    assert.deepEqual([1, 2, 3, 4, 5, 6].map(() => b.pick('c')!.ip), [A.ip, B.ip, C.ip, A.ip, B.ip, C.ip]);
  });

  it('has nothing to pick without candidates', () => {
    const b = new Balancer();
    assert.equal(b.pick('c'), undefined);
    b.setCandidates([A]);
    b.setCandidates([]);
    assert.equal(b.pick('c'), undefined);
  });

  it('ClientIP affinity: the same client gets the same endpoint within the timeout, measured from its last connection', () => {
    let now = 0;
    const b = new Balancer({ affinityTimeoutSeconds: 10, now: () => now });
    b.setCandidates([A, B, C]);
    const first = b.pick('10.0.0.1')!;
    const other = b.pick('10.0.0.2')!;
    assert.notEqual(first.ip, other.ip);
    for (let i = 0; i < 5; i++) {
      now += 9_000;
      assert.equal(b.pick('10.0.0.1')!.ip, first.ip);
    }
    now += 10_001;
    // Expired: the client is balanced afresh (round-robin has moved on to C).
    assert.equal(b.pick('10.0.0.1')!.ip, C.ip);
  });

  it('ClientIP affinity: an endpoint that is no longer a candidate releases its clients', () => {
    const b = new Balancer({ affinityTimeoutSeconds: 100, now: () => 0 });
    b.setCandidates([A, B]);
    assert.equal(b.pick('x')!.ip, A.ip);
    b.setCandidates([B, C]);
    const moved = b.pick('x')!;
    assert.notEqual(moved.ip, A.ip);
    assert.equal(b.pick('x')!.ip, moved.ip);
  });
});
