import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { formatLabels, formatLabelSelector, intOrStringText, labelSelectorString, listWithMore } from './format.js';

describe('label formatting', () => {
  it('sorts label maps by key and prints <none> when empty', () => {
    assert.equal(formatLabels({ b: '2', a: '1' }), 'a=1,b=2');
    assert.equal(formatLabels({}), '<none>');
    assert.equal(formatLabels(undefined), '<none>');
  });

  it('renders every selector operator, sorted by key, with sorted values', () => {
    const selector = {
      matchLabels: { zone: 'a' },
      matchExpressions: [
        { key: 'tier', operator: 'NotIn', values: ['db', 'cache'] },
        { key: 'gpu', operator: 'DoesNotExist' },
        { key: 'app', operator: 'Exists' },
        { key: 'env', operator: 'In', values: ['prod'] },
      ],
    };
    assert.equal(labelSelectorString(selector), 'app,env in (prod),!gpu,tier notin (cache,db),zone=a');
  });

  it('treats missing and empty selectors as empty, and invalid ones as errors', () => {
    assert.equal(labelSelectorString(undefined), '');
    assert.equal(formatLabelSelector({}), '<none>');
    assert.equal(formatLabelSelector({ matchExpressions: [{ key: 'a', operator: 'In', values: [] }] }), '<error>');
    assert.equal(formatLabelSelector({ matchExpressions: [{ key: 'a', operator: 'Exists', values: ['x'] }] }), '<error>');
    assert.equal(labelSelectorString({ matchExpressions: [{ key: 'a', operator: 'Gt', values: ['1'] }] }), undefined);
  });
});

describe('listWithMore', () => {
  it('shows three entries, then counts the rest, and <unset> for none', () => {
    assert.equal(listWithMore(['a', 'b', 'c']), 'a,b,c');
    assert.equal(listWithMore(['a', 'b', 'c', 'd', 'e']), 'a,b,c + 2 more...');
    assert.equal(listWithMore([]), '<unset>');
  });
});

describe('intOrStringText', () => {
  it('prints ints in decimal and strings as they are', () => {
    assert.equal(intOrStringText(2), '2');
    assert.equal(intOrStringText('25%'), '25%');
  });
});
