import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ceilQuantity, milliCPU, parseQuantity, QuantityError, quantityValue } from './quantity.js';

describe('quantities', () => {
  it('parses to base units with decimal, binary, sub-unit and exponent forms', () => {
    assert.equal(parseQuantity('2'), 2);
    assert.equal(parseQuantity('100m'), 0.1);
    assert.equal(parseQuantity('1k'), 1000);
    assert.equal(parseQuantity('1Ki'), 1024);
    assert.equal(parseQuantity('1e3'), 1000);
    assert.equal(parseQuantity(' 64Mi '), 64 * 2 ** 20);
    assert.equal(parseQuantity(3), 3);
  });
  it('parses cpu as millicores, rounding up', () => {
    assert.equal(milliCPU('100m'), 100);
    assert.equal(milliCPU('2'), 2000);
    assert.equal(milliCPU('0.1'), 100);
    assert.equal(milliCPU('1.5'), 1500);
    assert.equal(milliCPU('1500u'), 2);
    assert.equal(milliCPU(undefined), 0);
  });
  it('parses memory in bytes with binary, decimal and exponent forms', () => {
    assert.equal(quantityValue('128Mi'), 128 * 2 ** 20);
    assert.equal(quantityValue('1Gi'), 2 ** 30);
    assert.equal(quantityValue('1e9'), 1e9);
    assert.equal(quantityValue('500M'), 5e8);
    assert.equal(quantityValue('110'), 110);
    assert.equal(quantityValue(undefined), 0);
  });
  it('rounds up, but not float noise', () => {
    assert.equal(ceilQuantity(0.1 * 3 * 1000), 300);
    assert.equal(ceilQuantity(1.2), 2);
  });
  it('rejects text upstream rejects, in upstream words', () => {
    assert.throws(() => quantityValue('12 Mi'), QuantityError);
    assert.throws(() => parseQuantity('abc'), /quantities must match the regular expression/);
  });
});
