import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { compareGoStrings } from './compare.js';
import { SelectorParseError } from './errors.js';
import {
  escapeFieldValue,
  FieldSelector,
  objectMetaFields,
  parseFieldSelector,
  requirementsFor,
  unescapeFieldValue,
  type Fields,
} from './fields.js';

function thrown(fn: () => unknown): SelectorParseError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof SelectorParseError, `expected SelectorParseError, got ${String(err)}`);
    return err;
  }
  assert.fail('expected an error');
}

describe('parseFieldSelector: operators', () => {
  it('parses =, == and != (== normalised to =)', () => {
    assert.deepEqual(parseFieldSelector('a=b').requirements, [{ field: 'a', operator: '=', value: 'b' }]);
    assert.deepEqual(parseFieldSelector('a==b').requirements, [{ field: 'a', operator: '=', value: 'b' }]);
    assert.deepEqual(parseFieldSelector('a!=b').requirements, [{ field: 'a', operator: '!=', value: 'b' }]);
  });

  it('ANDs comma-separated terms, sorted as upstream sorts them', () => {
    assert.deepEqual(parseFieldSelector('status.phase!=Running,metadata.name=web').requirements, [
      { field: 'metadata.name', operator: '=', value: 'web' },
      { field: 'status.phase', operator: '!=', value: 'Running' },
    ]);
  });

  it('splits at the first operator; the field part cannot be escaped', () => {
    assert.deepEqual(parseFieldSelector('a!b=c').requirements, [{ field: 'a!b', operator: '=', value: 'c' }]);
    assert.deepEqual(parseFieldSelector('a=!b').requirements, [{ field: 'a', operator: '=', value: '!b' }]);
    assert.deepEqual(parseFieldSelector('a\\,b=c').requirements, [{ field: 'a\\,b', operator: '=', value: 'c' }]);
    assert.deepEqual(parseFieldSelector('함=수').requirements, [{ field: '함', operator: '=', value: '수' }]);
  });

  it('keeps whitespace, as upstream does', () => {
    assert.deepEqual(parseFieldSelector('a = b').requirements, [{ field: 'a ', operator: '=', value: ' b' }]);
  });

  it('allows empty values and empty fields', () => {
    assert.deepEqual(parseFieldSelector('spec.nodeName=').requirements, [{ field: 'spec.nodeName', operator: '=', value: '' }]);
    assert.deepEqual(parseFieldSelector('=b').requirements, [{ field: '', operator: '=', value: 'b' }]);
  });

  it('selects everything for "", empty terms and a bare "="', () => {
    for (const s of ['', ',', ',,', '=', '==', '!=']) {
      assert.ok(parseFieldSelector(s).isEmpty(), JSON.stringify(s));
    }
    assert.deepEqual(parseFieldSelector(',a=a,').requirements, [{ field: 'a', operator: '=', value: 'a' }]);
  });
});

describe('parseFieldSelector: escaping', () => {
  it('unescapes \\, \\= and \\\\ in values', () => {
    // Raw terms are sorted before parsing, and '2' sorts before '=', so k2 comes first.
    assert.deepEqual(parseFieldSelector('k=\\,,k2=v2').requirements, [
      { field: 'k2', operator: '=', value: 'v2' },
      { field: 'k', operator: '=', value: ',' },
    ]);
    assert.deepEqual(parseFieldSelector('k=\\\\,k2=v2').requirements, [
      { field: 'k2', operator: '=', value: 'v2' },
      { field: 'k', operator: '=', value: '\\' },
    ]);
    assert.deepEqual(parseFieldSelector('k=\\\\\\,,k2=v2').requirements[1], { field: 'k', operator: '=', value: '\\,' });
    assert.deepEqual(parseFieldSelector('x=a\\=\\=b').requirements, [{ field: 'x', operator: '=', value: 'a==b' }]);
  });

  it('round-trips escapes through toString', () => {
    for (const s of ['x=a,y=b,z=c', 'x!=a,y=b', 'x=a||y\\=b', 'x=a\\=\\=b', 'k=\\,', 'k=\\\\']) {
      assert.equal(parseFieldSelector(s).toString(), s);
    }
  });

  it('escapeFieldValue and unescapeFieldValue are inverses', () => {
    const cases: [string, string][] = [
      ['', ''],
      ['a', 'a'],
      ['=', '\\='],
      [',', '\\,'],
      ['\\', '\\\\'],
      ['\\=\\,\\', '\\\\\\=\\\\\\,\\\\'],
    ];
    for (const [raw, escaped] of cases) {
      assert.equal(escapeFieldValue(raw), escaped);
      assert.equal(unescapeFieldValue(escaped), raw);
    }
  });

  it('rejects invalid escape sequences', () => {
    for (const [value, sequence] of [
      ['\\', '\\'],
      ['\\\\\\', '\\'],
      ['\\a', '\\a'],
      ['ok\\수', '\\수'],
    ] as const) {
      const err = thrown(() => unescapeFieldValue(value));
      assert.equal(err.message, `invalid field selector: invalid escape sequence: ${sequence}`);
      assert.equal(err.code, 'InvalidEscape');
    }
    assert.equal(thrown(() => parseFieldSelector('k=\\a\\b\\')).message, 'invalid field selector: invalid escape sequence: \\a');
    assert.equal(thrown(() => parseFieldSelector('k=\\')).message, 'invalid field selector: invalid escape sequence: \\');
  });

  it('rejects an unescaped = in a value, printing its code point as Go does', () => {
    const err = thrown(() => parseFieldSelector('x=a=b'));
    assert.equal(err.message, 'invalid field selector: unescaped character in value: 61');
    assert.equal(err.code, 'InvalidEscape');
    assert.equal(err.selector, 'x=a=b');
    assert.equal(thrown(() => parseFieldSelector('x==a==b')).message, 'invalid field selector: unescaped character in value: 61');
    assert.equal(thrown(() => unescapeFieldValue('a,b')).message, 'invalid field selector: unescaped character in value: 44');
  });
});

describe('parseFieldSelector: syntax errors', () => {
  const cases: [string, string][] = [
    ['x', "invalid selector: 'x'; can't understand 'x'"],
    ['x=a,b', "invalid selector: 'x=a,b'; can't understand 'b'"],
    ['x in (a)', "invalid selector: 'x in (a)'; can't understand 'x in (a)'"],
    ['x in (a,b,c)', "invalid selector: 'x in (a,b,c)'; can't understand 'b'"],
    ['x>1', "invalid selector: 'x>1'; can't understand 'x>1'"],
    ['!x', "invalid selector: '!x'; can't understand '!x'"],
  ];
  for (const [text, message] of cases) {
    it(`rejects ${JSON.stringify(text)}`, () => {
      const err = thrown(() => parseFieldSelector(text));
      assert.equal(err.message, message);
      assert.equal(err.code, 'Syntax');
      assert.equal(err.kind, 'field');
    });
  }
  it('reports value errors before later syntax errors only in sorted order', () => {
    // Terms are sorted first: "a=b=c" sorts before "z", so its value error wins.
    assert.equal(thrown(() => parseFieldSelector('z,a=b=c')).message, 'invalid field selector: unescaped character in value: 61');
    assert.equal(thrown(() => parseFieldSelector('b=c=d,a')).message, "invalid selector: 'b=c=d,a'; can't understand 'a'");
  });
});

describe('parseFieldSelector: allowed fields', () => {
  const podFields = ['metadata.name', 'metadata.namespace', 'spec.nodeName', 'status.phase'];

  it('accepts supported fields from an array or a set', () => {
    assert.equal(parseFieldSelector('spec.nodeName=n1,status.phase!=Failed', podFields).toString(), 'spec.nodeName=n1,status.phase!=Failed');
    assert.equal(parseFieldSelector('metadata.name=a', new Set(podFields)).toString(), 'metadata.name=a');
  });

  it('rejects unsupported fields with upstream’s message', () => {
    const err = thrown(() => parseFieldSelector('metadata.name=a,spec.foo=b', podFields));
    assert.equal(err.message, 'field label not supported: spec.foo');
    assert.equal(err.code, 'UnsupportedField');
    assert.equal(err.selector, 'metadata.name=a,spec.foo=b');
    assert.equal(thrown(() => parseFieldSelector('=x', podFields)).message, 'field label not supported: ');
    assert.equal(thrown(() => parseFieldSelector('a = b', podFields)).message, 'field label not supported: a ');
  });

  it('reports syntax errors before unsupported fields', () => {
    assert.equal(thrown(() => parseFieldSelector('spec.foo=b,x', podFields)).code, 'Syntax');
  });

  it('lets a function rename deprecated fields', () => {
    const lookup = (f: string) => (f === 'spec.host' ? 'spec.nodeName' : podFields.includes(f) ? f : undefined);
    const s = parseFieldSelector('spec.host=n1', lookup);
    assert.deepEqual(s.requirements, [{ field: 'spec.nodeName', operator: '=', value: 'n1' }]);
    assert.ok(s.matches({ 'spec.nodeName': 'n1' }));
    assert.equal(thrown(() => parseFieldSelector('spec.hostX=n1', lookup)).message, 'field label not supported: spec.hostX');
  });

  it('does not check fields of an empty selector', () => {
    assert.ok(parseFieldSelector('', []).isEmpty());
    assert.ok(parseFieldSelector('=', []).isEmpty());
  });
});

describe('FieldSelector.matches', () => {
  const pod: Fields = { 'metadata.name': 'web-0', 'metadata.namespace': 'default', 'spec.nodeName': 'n1', 'status.phase': 'Running' };
  const cases: [string, Fields | undefined, boolean][] = [
    ['', pod, true],
    ['', undefined, true],
    ['metadata.name=web-0', pod, true],
    ['metadata.name==web-0', pod, true],
    ['metadata.name=web-1', pod, false],
    ['metadata.name!=web-1', pod, true],
    ['metadata.name!=web-0', pod, false],
    ['spec.nodeName=n1,status.phase=Running', pod, true],
    ['spec.nodeName=n1,status.phase!=Running', pod, false],
    ['spec.nodeName=', { 'metadata.name': 'p' }, true],
    ['spec.nodeName=', pod, false],
    ['spec.nodeName!=', pod, true],
    ['spec.nodeName!=', {}, false],
    ['involvedObject.kind=Pod', { 'involvedObject.kind': 'Pod' }, true],
    ['x=y', undefined, false],
    ['x!=y', undefined, true],
    ['constructor=', {}, true],
  ];
  for (const [selector, fields, want] of cases) {
    it(`${JSON.stringify(selector)} ${want ? 'matches' : 'does not match'} ${JSON.stringify(fields)}`, () => {
      assert.equal(parseFieldSelector(selector).matches(fields), want);
    });
  }
});

describe('FieldSelector helpers', () => {
  it('is deterministic regardless of input order', () => {
    assert.equal(parseFieldSelector('x=a,a=x').toString(), parseFieldSelector('a=x,x=a').toString());
    assert.equal(parseFieldSelector('x=a,a=x').toString(), 'a=x,x=a');
  });

  it('requiresExactMatch returns the first = term for a field', () => {
    const s = parseFieldSelector('metadata.name=web,metadata.namespace!=kube-system');
    assert.equal(s.requiresExactMatch('metadata.name'), 'web');
    assert.equal(s.requiresExactMatch('metadata.namespace'), undefined);
    assert.equal(s.requiresExactMatch('spec.nodeName'), undefined);
    assert.equal(parseFieldSelector('metadata.name==web').requiresExactMatch('metadata.name'), 'web');
  });

  it('requirementsFor lists every term on one field', () => {
    const s = parseFieldSelector('metadata.name=a,metadata.name!=b,status.phase=Running');
    assert.deepEqual(requirementsFor(s, 'metadata.name'), [
      { field: 'metadata.name', operator: '!=', value: 'b' },
      { field: 'metadata.name', operator: '=', value: 'a' },
    ]);
    assert.deepEqual(requirementsFor(s, 'spec.nodeName'), []);
    assert.deepEqual(requirementsFor(FieldSelector.everything(), 'metadata.name'), []);
  });

  it('fromSet and of build selectors directly', () => {
    const s = FieldSelector.fromSet({ 'metadata.name': 'a,b' });
    assert.equal(s.toString(), 'metadata.name=a\\,b');
    assert.ok(s.matches({ 'metadata.name': 'a,b' }));
    assert.ok(FieldSelector.of([]).isEmpty());
    assert.ok(FieldSelector.fromSet({}).isEmpty());
  });

  it('objectMetaFields gives the fields every kind supports', () => {
    assert.deepEqual(objectMetaFields({ name: 'a', namespace: 'ns' }, true), { 'metadata.name': 'a', 'metadata.namespace': 'ns' });
    assert.deepEqual(objectMetaFields({ name: 'n1' }, false), { 'metadata.name': 'n1' });
    assert.deepEqual(objectMetaFields(undefined, true), { 'metadata.name': '', 'metadata.namespace': '' });
  });
});

describe('compareGoStrings', () => {
  it('orders by code point (UTF-8 byte order), unlike UTF-16 sort', () => {
    const astral = '\u{1f600}';
    const bmpHigh = '\uff5e';
    assert.deepEqual([astral, bmpHigh].sort(), [astral, bmpHigh]);
    assert.deepEqual([astral, bmpHigh].sort(compareGoStrings), [bmpHigh, astral]);
    assert.equal(compareGoStrings('a', 'ab'), -1);
    assert.equal(compareGoStrings('b', 'ab'), 1);
    assert.equal(compareGoStrings('x', 'x'), 0);
  });
});
