import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { NodeSelectorTerm, PodSpec } from 'kubernetes-types/core/v1.js';
import { nodeSelectorTermMatches, requiredNodeAffinityMatches } from './node-selector.js';

const node = { metadata: { name: 'node-a', labels: { zone: 'a', cores: '8', disk: 'ssd' } } };

const expr = (key: string, operator: string, values?: string[]): NodeSelectorTerm => ({ matchExpressions: [{ key, operator, ...(values && { values }) }] });
const field = (operator: string, values: string[]): NodeSelectorTerm => ({ matchFields: [{ key: 'metadata.name', operator, values }] });

describe('nodeSelectorTermMatches', () => {
  it('matches label expressions by operator', () => {
    assert.ok(nodeSelectorTermMatches(expr('zone', 'In', ['a', 'b']), node));
    assert.ok(!nodeSelectorTermMatches(expr('zone', 'In', ['b']), node));
    assert.ok(nodeSelectorTermMatches(expr('zone', 'NotIn', ['b']), node));
    assert.ok(nodeSelectorTermMatches(expr('gpu', 'NotIn', ['x']), node));
    assert.ok(nodeSelectorTermMatches(expr('disk', 'Exists'), node));
    assert.ok(nodeSelectorTermMatches(expr('gpu', 'DoesNotExist'), node));
    assert.ok(!nodeSelectorTermMatches(expr('disk', 'DoesNotExist'), node));
  });
  it('compares Gt and Lt as integers with exactly one value', () => {
    assert.ok(nodeSelectorTermMatches(expr('cores', 'Gt', ['4']), node));
    assert.ok(!nodeSelectorTermMatches(expr('cores', 'Gt', ['8']), node));
    assert.ok(nodeSelectorTermMatches(expr('cores', 'Lt', ['16']), node));
    assert.ok(!nodeSelectorTermMatches(expr('cores', 'Gt', ['4', '5']), node));
    assert.ok(!nodeSelectorTermMatches(expr('zone', 'Gt', ['1']), node));
    assert.ok(!nodeSelectorTermMatches(expr('gpu', 'Lt', ['1']), node));
  });
  it('matches metadata.name fields with In and NotIn only', () => {
    assert.ok(nodeSelectorTermMatches(field('In', ['node-a']), node));
    assert.ok(!nodeSelectorTermMatches(field('In', ['node-b']), node));
    assert.ok(nodeSelectorTermMatches(field('NotIn', ['node-b']), node));
    assert.ok(!nodeSelectorTermMatches(field('Exists', []), node));
    assert.ok(!nodeSelectorTermMatches({ matchFields: [{ key: 'metadata.uid', operator: 'In', values: ['node-a'] }] }, node));
  });
  it('needs every requirement of a term, and an empty term matches nothing', () => {
    assert.ok(!nodeSelectorTermMatches({ matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }], matchFields: [{ key: 'metadata.name', operator: 'In', values: ['node-b'] }] }, node));
    assert.ok(!nodeSelectorTermMatches({}, node));
  });
});

describe('requiredNodeAffinityMatches', () => {
  const required = (...terms: NodeSelectorTerm[]): PodSpec => ({
    containers: [],
    affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: terms } } },
  });
  it('needs every nodeSelector label and any one required term', () => {
    assert.ok(requiredNodeAffinityMatches(undefined, node));
    assert.ok(requiredNodeAffinityMatches({ containers: [], nodeSelector: { zone: 'a' } }, node));
    assert.ok(!requiredNodeAffinityMatches({ containers: [], nodeSelector: { zone: 'a', gpu: 'yes' } }, node));
    assert.ok(requiredNodeAffinityMatches(required(expr('zone', 'In', ['b']), field('In', ['node-a'])), node));
    assert.ok(!requiredNodeAffinityMatches(required(expr('zone', 'In', ['b'])), node));
    assert.ok(!requiredNodeAffinityMatches({ ...required(field('In', ['node-a'])), nodeSelector: { zone: 'b' } }, node));
  });
});
