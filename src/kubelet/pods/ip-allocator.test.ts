import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { IPAllocator, PodCIDRExhaustedError } from './ip-allocator.js';

describe('IPAllocator', () => {
  it('hands out stable addresses from the range, skipping network, gateway and broadcast', () => {
    const a = new IPAllocator('127.64.1.0/24');
    assert.equal(a.allocate('a'), '127.64.1.2');
    assert.equal(a.allocate('b'), '127.64.1.3');
    assert.equal(a.allocate('a'), '127.64.1.2', 'stable for the pod');
    a.release('a');
    assert.equal(a.allocate('c'), '127.64.1.4', 'a released address is not reused at once');
  });

  it('takes back addresses pods already have and runs out honestly', () => {
    const a = new IPAllocator('10.0.0.0/30');
    assert.equal(a.reserve('x', '10.0.0.2'), true);
    assert.equal(a.reserve('y', '10.0.0.2'), false, 'taken');
    assert.equal(a.reserve('y', '10.0.1.2'), false, 'outside the range');
    assert.throws(() => a.allocate('z'), PodCIDRExhaustedError);
  });
});
