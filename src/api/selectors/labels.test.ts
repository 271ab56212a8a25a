import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { SelectorParseError } from './errors.js';
import { parseInt64, requirementErrors, requirementMatches } from './label-requirement.js';
import {
  LabelSelector,
  labelSelectorFromObject,
  labelSelectorFromSet,
  newRequirement,
  parseLabelSelector,
  validateLabelSelector,
  type Labels,
} from './labels.js';
import { formatFieldError } from '../validation/field-errors.js';

function matches(selector: string, labels: Labels | undefined): boolean {
  return parseLabelSelector(selector).matches(labels);
}

function thrown(fn: () => unknown): SelectorParseError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof SelectorParseError, `expected SelectorParseError, got ${String(err)}`);
    return err;
  }
  assert.fail('expected an error');
}

describe('LabelSelector.matches: every operator', () => {
  const cases: [string, Labels, boolean][] = [
    ['', { x: 'y' }, true],
    ['x=y', { x: 'y' }, true],
    ['x=y', { x: 'z' }, false],
    ['x=z', {}, false],
    ['x==y', { x: 'y' }, true],
    ['x==y', { x: 'z' }, false],
    ['x!=y', { x: 'z' }, true],
    ['x!=y', { x: 'y' }, false],
    ['x!=y', {}, true],
    ['x in (a,b)', { x: 'b' }, true],
    ['x in (a,b)', { x: 'c' }, false],
    ['x in (a,b)', {}, false],
    ['x in ()', { x: '' }, true],
    ['x in ()', {}, false],
    ['x notin (a,b)', { x: 'c' }, true],
    ['x notin (a,b)', { x: 'a' }, false],
    ['x notin (a,b)', {}, true],
    ['x notin ()', { x: '' }, false],
    ['x', { x: 'z' }, true],
    ['x', { x: '' }, true],
    ['x', { y: 'z' }, false],
    ['!x', { y: 'z' }, true],
    ['!x', { x: '' }, false],
    ['x>1', { x: '2' }, true],
    ['x>1', { x: '1' }, false],
    ['x>1', { x: '0' }, false],
    ['x<1', { x: '0' }, true],
    ['x<1', { x: '1' }, false],
    ['x<1', { x: '2' }, false],
    ['x>1', {}, false],
    ['x<1', {}, false],
    ['x>1', { x: 'v2' }, false],
    ['x>1', { x: '' }, false],
    ['x<10', { x: '-5' }, true],
    ['x>9', { x: '10' }, true],
    ['x>9223372036854775806', { x: '9223372036854775807' }, true],
    ['x<9', { x: '9223372036854775808' }, false],
    ['x=', { x: '' }, true],
    ['x=', {}, false],
    ['x!=', {}, true],
    ['notin=in', { notin: 'in' }, true],
  ];
  for (const [selector, labels, want] of cases) {
    it(`${JSON.stringify(selector)} ${want ? 'matches' : 'does not match'} ${JSON.stringify(labels)}`, () => {
      assert.equal(matches(selector, labels), want);
    });
  }
});

describe('LabelSelector.matches: conjunctions and inputs', () => {
  const set = { foo: 'bar', baz: 'blah' };
  it('ANDs requirements', () => {
    assert.ok(matches('foo=bar,baz=blah', set));
    assert.ok(matches('x!=y,z!=w', { x: 'z', z: 'a' }));
    assert.ok(!matches('x!=y,z!=w', { x: 'z', z: 'w' }));
    assert.ok(!matches('foo=bar,foobar=bar,baz=blah', set));
    assert.ok(matches('foo in (bar),baz notin (x),!nope,baz', set));
    assert.ok(!matches('x,y in (a)', { x: '1', y: 'b' }));
  });
  it('treats undefined labels as an empty set', () => {
    assert.ok(matches('', undefined));
    assert.ok(matches('!x', undefined));
    assert.ok(matches('x notin (a)', undefined));
    assert.ok(!matches('x', undefined));
  });
  it('looks at own properties only', () => {
    assert.ok(!matches('constructor', {}));
    assert.ok(matches('!toString', {}));
    // __proto__ is not a valid key, so build the requirement by hand to check the lookup itself.
    const proto = { key: '__proto__', operator: '=', values: ['a'] } as const;
    assert.ok(!requirementMatches(proto, JSON.parse('{}') as Labels));
    assert.ok(requirementMatches(proto, JSON.parse('{"__proto__":"a"}') as Labels));
  });
});

describe('LabelSelector: toString, isEmpty, requirements', () => {
  const roundTrips: [string, string][] = [
    ['x=a,y=b,z=c', 'x=a,y=b,z=c'],
    ['x!=a,y=b', 'x!=a,y=b'],
    ['x=', 'x='],
    ['x= ', 'x='],
    ['x= ,z= ', 'x=,z='],
    ['!x', '!x'],
    ['x>1', 'x>1'],
    ['x>1,z<5', 'x>1,z<5'],
    ['z in (h, i, j) , y!=b,x==a', 'x==a,y!=b,z in (h,i,j)'],
    ['x notin (abc,,def),bar,z in (),w', 'bar,w,x notin (,abc,def),z in ()'],
    ['x=a,a=x', 'a=x,x=a'],
    ['x in (b,a)', 'x in (a,b)'],
  ];
  for (const [input, canonical] of roundTrips) {
    it(`prints ${JSON.stringify(input)} as ${JSON.stringify(canonical)}`, () => {
      const s = parseLabelSelector(input);
      assert.equal(s.toString(), canonical);
      assert.equal(parseLabelSelector(s.toString()).toString(), canonical);
    });
  }

  it('is deterministic regardless of input order', () => {
    assert.equal(parseLabelSelector('x=a,a=x').toString(), parseLabelSelector('a=x,x=a').toString());
  });

  it('keeps requirements on the same key in written order', () => {
    assert.equal(parseLabelSelector('z,a!=b,a=c').toString(), 'a!=b,a=c,z');
  });

  it('reports emptiness', () => {
    assert.ok(parseLabelSelector('').isEmpty());
    assert.ok(parseLabelSelector(' ').isEmpty());
    assert.ok(!parseLabelSelector('x').isEmpty());
    assert.ok(LabelSelector.everything().isEmpty());
    assert.ok(!LabelSelector.nothing().isEmpty());
  });

  it('exposes sorted requirements', () => {
    assert.deepEqual(parseLabelSelector('b=1,a').requirements, [
      { key: 'a', operator: 'exists', values: [] },
      { key: 'b', operator: '=', values: ['1'] },
    ]);
  });
});

describe('LabelSelector: everything, nothing, add, requiresExactMatch', () => {
  it('everything matches all and prints empty', () => {
    assert.ok(LabelSelector.everything().matches({ x: 'y' }));
    assert.ok(LabelSelector.everything().matches(undefined));
    assert.equal(LabelSelector.everything().toString(), '');
  });

  it('nothing matches nothing and prints empty', () => {
    assert.ok(!LabelSelector.nothing().matches({}));
    assert.ok(!LabelSelector.nothing().matches({ x: 'y' }));
    assert.ok(LabelSelector.nothing().matchesNothing());
    assert.equal(LabelSelector.nothing().toString(), '');
    assert.equal(LabelSelector.nothing().add(newRequirement('x', 'exists', [])), LabelSelector.nothing());
  });

  it('add returns a new sorted selector', () => {
    const base = parseLabelSelector('x=a');
    const more = base.add(newRequirement('a', 'in', ['2', '1']));
    assert.equal(base.toString(), 'x=a');
    assert.equal(more.toString(), 'a in (1,2),x=a');
    assert.equal(LabelSelector.everything().add(newRequirement('k', '!', [])).toString(), '!k');
  });

  it('requiresExactMatch finds =, == and single-valued in', () => {
    assert.equal(parseLabelSelector('app=web,tier==fe,zone in (a)').requiresExactMatch('app'), 'web');
    assert.equal(parseLabelSelector('tier==fe').requiresExactMatch('tier'), 'fe');
    assert.equal(parseLabelSelector('zone in (a)').requiresExactMatch('zone'), 'a');
    assert.equal(parseLabelSelector('zone in (a,b)').requiresExactMatch('zone'), undefined);
    assert.equal(parseLabelSelector('app!=web').requiresExactMatch('app'), undefined);
    assert.equal(parseLabelSelector('app').requiresExactMatch('app'), undefined);
    assert.equal(parseLabelSelector('x=1').requiresExactMatch('app'), undefined);
  });
});

describe('newRequirement', () => {
  it('accepts each operator with the right number of values', () => {
    for (const [op, values] of [
      ['in', ['a']],
      ['notin', ['a', 'b']],
      ['=', ['a']],
      ['==', ['']],
      ['!=', ['a']],
      ['gt', ['1']],
      ['lt', ['-6']],
      ['exists', []],
      ['!', []],
    ] as const) {
      // A negative integer is a valid operand but not a valid label value, so it is rejected below.
      if (values[0] === '-6') continue;
      assert.deepEqual(newRequirement('k', op, values), { key: 'k', operator: op, values });
    }
  });

  const failures: [string, string, string[], string][] = [
    ['x1', 'in', [], "values: Invalid value: []: for 'in', 'notin' operators, values set can't be empty"],
    ['x2', 'notin', [], "values: Invalid value: []: for 'in', 'notin' operators, values set can't be empty"],
    ['x5', '=', ['bar', 'foo'], 'values: Invalid value: ["bar","foo"]: exact-match compatibility requires one single value'],
    ['x8', 'exists', ['foo'], 'values: Invalid value: ["foo"]: values set must be empty for exists and does not exist'],
    ['x13', 'gt', [], "values: Invalid value: []: for 'Gt', 'Lt' operators, exactly one value is required"],
    ['x14', 'gt', ['bar'], "values[0]: Invalid value: \"bar\": for 'Gt', 'Lt' operators, the value must be an integer"],
    ['x15', 'lt', ['bar'], "values[0]: Invalid value: \"bar\": for 'Gt', 'Lt' operators, the value must be an integer"],
    [
      'x18',
      'unsupportedOp',
      [],
      'operator: Unsupported value: "unsupportedOp": supported values: "in", "notin", "=", "==", "!=", "gt", "lt", "exists", "!"',
    ],
  ];
  for (const [key, op, values, message] of failures) {
    it(`rejects ${key} ${op} ${JSON.stringify(values)}`, () => {
      const err = thrown(() => newRequirement(key, op, values));
      assert.equal(err.message, message);
      assert.equal(err.code, 'InvalidRequirement');
      assert.equal(err.fieldErrors.length, 1);
    });
  }

  it('rejects an over-long key and value with their paths', () => {
    const long = 'a'.repeat(254);
    assert.deepEqual(
      requirementErrors(long, 'exists', []).map((e) => e.field),
      ['key'],
    );
    assert.deepEqual(
      requirementErrors('x16', '=', [long]).map((e) => [e.field, e.value]),
      [['values[0][x16]', long]],
    );
  });

  it('prefixes paths when given one', () => {
    assert.deepEqual(
      requirementErrors('-k', 'in', [], { path: 'spec.selector' }).map((e) => e.field),
      ['spec.selector.key', 'spec.selector.values'],
    );
  });
});

describe('parseInt64 and requirementMatches', () => {
  it('follows strconv.ParseInt(s, 10, 64)', () => {
    assert.equal(parseInt64('42'), 42n);
    assert.equal(parseInt64('+42'), 42n);
    assert.equal(parseInt64('-42'), -42n);
    assert.equal(parseInt64('007'), 7n);
    assert.equal(parseInt64('9223372036854775807'), 9223372036854775807n);
    assert.equal(parseInt64('-9223372036854775808'), -9223372036854775808n);
    for (const bad of ['', '+', '1.5', '1e3', '0x10', '1_000', ' 1', '9223372036854775808']) {
      assert.equal(parseInt64(bad), undefined, bad);
    }
  });

  it('never matches gt/lt with an unusable operand', () => {
    assert.equal(requirementMatches({ key: 'x', operator: 'gt', values: ['a'] }, { x: '5' }), false);
    assert.equal(requirementMatches({ key: 'x', operator: 'gt', values: ['1', '2'] }, { x: '5' }), false);
  });
});

describe('labelSelectorFromSet', () => {
  it('builds equality requirements, sorted', () => {
    assert.equal(labelSelectorFromSet({ b: '2', a: '1' }).toString(), 'a=1,b=2');
    assert.ok(labelSelectorFromSet({ a: '1' }).matches({ a: '1', b: '2' }));
    assert.ok(labelSelectorFromSet({}).isEmpty());
    assert.ok(labelSelectorFromSet(undefined).isEmpty());
  });
  it('validates', () => {
    assert.match(thrown(() => labelSelectorFromSet({ 'a b': 'c' })).message, /^key: Invalid value: "a b": name part must/);
  });
});

describe('labelSelectorFromObject', () => {
  it('treats null as nothing and {} as everything', () => {
    assert.ok(labelSelectorFromObject(null).matchesNothing());
    assert.ok(labelSelectorFromObject(undefined).matchesNothing());
    assert.ok(labelSelectorFromObject({}).isEmpty());
    assert.ok(labelSelectorFromObject({ matchLabels: {}, matchExpressions: [] }).isEmpty());
  });

  it('combines matchLabels and every matchExpressions operator', () => {
    const s = labelSelectorFromObject({
      matchLabels: { app: 'web' },
      matchExpressions: [
        { key: 'tier', operator: 'In', values: ['fe', 'be'] },
        { key: 'env', operator: 'NotIn', values: ['dev'] },
        { key: 'team', operator: 'Exists' },
        { key: 'canary', operator: 'DoesNotExist', values: [] },
      ],
    });
    assert.equal(s.toString(), 'app=web,!canary,env notin (dev),team,tier in (be,fe)');
    assert.ok(s.matches({ app: 'web', tier: 'fe', team: 'a' }));
    assert.ok(!s.matches({ app: 'web', tier: 'fe', team: 'a', canary: 'true' }));
    assert.ok(!s.matches({ app: 'web', tier: 'fe', team: 'a', env: 'dev' }));
    assert.ok(!s.matches({ app: 'web', tier: 'qa', team: 'a' }));
    assert.ok(!s.matches({ app: 'web', tier: 'fe' }));
  });

  it('rejects unknown operators with upstream’s message', () => {
    const err = thrown(() => labelSelectorFromObject({ matchExpressions: [{ key: 'a', operator: 'in', values: ['x'] }] }));
    assert.equal(err.message, '"in" is not a valid label selector operator');
    assert.equal(err.code, 'InvalidRequirement');
    assert.equal(thrown(() => labelSelectorFromObject({ matchExpressions: [{ key: 'a', operator: 'Gt', values: ['1'] }] })).message, '"Gt" is not a valid label selector operator');
    assert.equal(
      thrown(() => labelSelectorFromObject({ matchExpressions: [{ key: 'a', operator: 'toString' }] })).message,
      '"toString" is not a valid label selector operator',
    );
  });

  it('rejects In without values, printing Go’s nil slice', () => {
    assert.equal(
      thrown(() => labelSelectorFromObject({ matchExpressions: [{ key: 'a', operator: 'In' }] })).message,
      "values: Invalid value: null: for 'in', 'notin' operators, values set can't be empty",
    );
  });

  it('rejects Exists with values, and bad keys and values', () => {
    assert.equal(
      thrown(() => labelSelectorFromObject({ matchExpressions: [{ key: 'a', operator: 'Exists', values: ['x'] }] })).message,
      'values: Invalid value: ["x"]: values set must be empty for exists and does not exist',
    );
    assert.match(thrown(() => labelSelectorFromObject({ matchLabels: { a: '-' } })).message, /^values\[0\]\[a\]: Invalid value: "-": /);
  });
});

describe('validateLabelSelector', () => {
  const path = 'spec.selector';
  const messages = (sel: Parameters<typeof validateLabelSelector>[0], opts = {}) =>
    validateLabelSelector(sel, path, opts).map(formatFieldError);

  it('accepts valid and absent selectors', () => {
    assert.deepEqual(messages(null), []);
    assert.deepEqual(messages({}), []);
    assert.deepEqual(messages({ matchLabels: { app: 'web' }, matchExpressions: [{ key: 'a', operator: 'Exists' }] }), []);
  });

  it('requires values for In/NotIn and forbids them for Exists/DoesNotExist', () => {
    assert.deepEqual(messages({ matchExpressions: [{ key: 'a', operator: 'NotIn', values: [] }] }), [
      "spec.selector.matchExpressions[0].values: Required value: must be specified when `operator` is 'In' or 'NotIn'",
    ]);
    assert.deepEqual(messages({ matchExpressions: [{ key: 'a', operator: 'In', values: ['x'] }, { key: 'b', operator: 'DoesNotExist', values: ['x'] }] }), [
      "spec.selector.matchExpressions[1].values: Forbidden: may not be specified when `operator` is 'Exists' or 'DoesNotExist'",
    ]);
  });

  it('rejects unknown operators unless allowed', () => {
    const sel = { matchExpressions: [{ key: 'a', operator: 'Gt', values: ['1'] }] };
    assert.deepEqual(messages(sel), ['spec.selector.matchExpressions[0].operator: Invalid value: "Gt": not a valid selector operator']);
    assert.deepEqual(messages(sel, { allowUnknownOperatorInRequirement: true }), []);
  });

  it('checks keys, values and matchLabels', () => {
    const errs = validateLabelSelector(
      { matchLabels: { 'a b': 'c' }, matchExpressions: [{ key: '-k', operator: 'In', values: ['ok', 'b@d'] }] },
      path,
    );
    assert.deepEqual(
      errs.map((e) => [e.field, e.value]),
      [
        ['spec.selector.matchLabels', 'a b'],
        ['spec.selector.matchExpressions[0].key', '-k'],
        ['spec.selector.matchExpressions[0].values[1]', 'b@d'],
      ],
    );
    assert.equal(
      validateLabelSelector({ matchExpressions: [{ key: 'k', operator: 'In', values: ['b@d'] }] }, path, {
        allowInvalidLabelValueInSelector: true,
      }).length,
      0,
    );
  });
});
