import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { milliCPU, quantityValue } from './quantity.js';

describe('quantities', () => {
  it('parses cpu as millicores, rounding up', () => {
    assert.equal(milliCPU('100m'), 100);
    assert.equal(milliCPU('2'), 2000);
    assert.equal(milliCPU('0.1'), 100);
    assert.equal(milliCPU('1.5'), 1500);
    assert.equal(milliCPU('1500u'), 2);
  });
  it('parses memory in bytes with binary, decimal and exponent forms', () => {
    assert.equal(quantityValue('128Mi'), 128 * 2 ** 20);
    assert.equal(quantityValue('1Gi'), 2 ** 30);
    assert.equal(quantityValue('1e9'), 1e9);
    assert.equal(quantityValue('500M'), 5e8);
    assert.equal(quantityValue('110'), 110);
  });
  it('rejects text upstream rejects', () => {
    assert.throws(() => quantityValue('12 Mi'));
    assert.throws(() => quantityValue('abc'));
  });
});
