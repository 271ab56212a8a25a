import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isSelectorParseError, SelectorParseError } from './errors.js';
import { parseLabelRequirements } from './label-parser.js';
import type { LabelRequirement } from './label-requirement.js';

const req = (key: string, operator: LabelRequirement['operator'], values: string[] = []): LabelRequirement => ({
  key,
  operator,
  values,
});

function parseError(selector: string): SelectorParseError {
  try {
    parseLabelRequirements(selector);
  } catch (err) {
    assert.ok(err instanceof SelectorParseError, `expected SelectorParseError, got ${String(err)}`);
    return err;
  }
  assert.fail(`expected ${JSON.stringify(selector)} to be rejected`);
}

const KEY_NAME_PART =
  "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
const VALUE_MSG =
  "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";

describe('parseLabelRequirements: operators', () => {
  const cases: [string, LabelRequirement[]][] = [
    ['', []],
    ['x=a', [req('x', '=', ['a'])]],
    ['x==a', [req('x', '==', ['a'])]],
    ['x!=a', [req('x', '!=', ['a'])]],
    ['x in (a,b)', [req('x', 'in', ['a', 'b'])]],
    ['x notin (a,b)', [req('x', 'notin', ['a', 'b'])]],
    ['x', [req('x', 'exists')]],
    ['!x', [req('x', '!')]],
    ['x>1', [req('x', 'gt', ['1'])]],
    ['x<7', [req('x', 'lt', ['7'])]],
    ['x>007', [req('x', 'gt', ['007'])]],
    ['x=a,y!=b,z in (h,i,j)', [req('x', '=', ['a']), req('y', '!=', ['b']), req('z', 'in', ['h', 'i', 'j'])]],
  ];
  for (const [text, want] of cases) {
    it(`parses ${JSON.stringify(text)}`, () => assert.deepEqual(parseLabelRequirements(text), want));
  }
});

describe('parseLabelRequirements: whitespace', () => {
  const cases: [string, LabelRequirement[]][] = [
    ['\rx', [req('x', 'exists')]],
    ['a ', [req('a', 'exists')]],
    ['  x = a ,  y  ', [req('x', '=', ['a']), req('y', 'exists')]],
    ['foo  in\t (abc)', [req('foo', 'in', ['abc'])]],
    ['x notin\n (abc)', [req('x', 'notin', ['abc'])]],
    ['x  notin\t\t(abc,def)', [req('x', 'notin', ['abc', 'def'])]],
    ['0.1.2.domain/99 notin (10.10.100.1, tick.tack.clock)', [req('0.1.2.domain/99', 'notin', ['10.10.100.1', 'tick.tack.clock'])]],
    ['x notin ( )', [req('x', 'notin', [''])]],
    ['x > 1', [req('x', 'gt', ['1'])]],
    ['! x', [req('x', '!')]],
  ];
  for (const [text, want] of cases) {
    it(`parses ${JSON.stringify(text)}`, () => assert.deepEqual(parseLabelRequirements(text), want));
  }
});

describe('parseLabelRequirements: empty values', () => {
  const cases: [string, LabelRequirement[]][] = [
    ['x=', [req('x', '=', [''])]],
    ['x= ', [req('x', '=', [''])]],
    ['x=,z= ', [req('x', '=', ['']), req('z', '=', [''])]],
    ['x!=', [req('x', '!=', [''])]],
    ['x in ()', [req('x', 'in', [''])]],
    ['x in (abc,)', [req('x', 'in', ['', 'abc'])]],
    ['x in (a,,)', [req('x', 'in', ['', 'a'])]],
    ['x in (a,,,,,,)', [req('x', 'in', ['', 'a'])]],
    ['x in (a,,a,,a,,a,,)', [req('x', 'in', ['', 'a'])]],
    ['x notin (, a)', [req('x', 'notin', ['', 'a'])]],
    ['x in (,)', [req('x', 'in', [''])]],
  ];
  for (const [text, want] of cases) {
    it(`parses ${JSON.stringify(text)}`, () => assert.deepEqual(parseLabelRequirements(text), want));
  }
});

describe('parseLabelRequirements: sets and keywords', () => {
  it('sorts and de-duplicates set values', () => {
    assert.deepEqual(parseLabelRequirements('x in (c,a,b,a)'), [req('x', 'in', ['a', 'b', 'c'])]);
  });
  it('treats in/notin as identifiers where a key or value is expected', () => {
    assert.deepEqual(parseLabelRequirements('in in (in)'), [req('in', 'in', ['in'])]);
    assert.deepEqual(parseLabelRequirements('notin=in'), [req('notin', '=', ['in'])]);
    assert.deepEqual(parseLabelRequirements('a in (x,y,notin, z,in)'), [req('a', 'in', ['in', 'notin', 'x', 'y', 'z'])]);
  });
  it('accepts prefixed keys', () => {
    assert.deepEqual(parseLabelRequirements('this-is-a-dns.domain.com/key-with-dash'), [
      req('this-is-a-dns.domain.com/key-with-dash', 'exists'),
    ]);
  });
  it('keeps written order (the selector sorts)', () => {
    assert.deepEqual(parseLabelRequirements('x=a,a=x'), [req('x', '=', ['a']), req('a', '=', ['x'])]);
  });
  it('takes the longest operator: == before =, != before !', () => {
    assert.deepEqual(parseLabelRequirements('x==a'), [req('x', '==', ['a'])]);
    assert.deepEqual(parseLabelRequirements('x!=a'), [req('x', '!=', ['a'])]);
  });
});

describe('parseLabelRequirements: syntax errors', () => {
  const cases: [string, string][] = [
    [',x,y', "found ',', expected: !, identifier, or 'end of string'"],
    ['x,,y', "found ',', expected: identifier after ','"],
    ['a in (xyz),', "found '', expected: identifier after ','"],
    ['a in (xyz)b notin ()', "found 'b', expected: ',' or 'end of string'"],
    ['x==a==b', "found '==', expected: ',' or 'end of string'"],
    ['!x=a', "found '=', expected: ',' or 'end of string'"],
    ['=a', "found '=', expected: !, identifier, or 'end of string'"],
    ['!=a', "found '!=', expected: !, identifier, or 'end of string'"],
    ['(', "found '(', expected: !, identifier, or 'end of string'"],
    ['x nott in (y)', "unable to parse requirement: found 'nott', expected: in, notin, =, ==, !=, gt, lt"],
    ['a b', "unable to parse requirement: found 'b', expected: in, notin, =, ==, !=, gt, lt"],
    ['a (', "unable to parse requirement: found '(', expected: in, notin, =, ==, !=, gt, lt"],
    ['x !', "unable to parse requirement: found '!', expected: in, notin, =, ==, !=, gt, lt"],
    ['!', "unable to parse requirement: found '', expected: identifier"],
    ['!!x', "unable to parse requirement: found '!', expected: identifier"],
    ['x in a', "unable to parse requirement: found 'a' expected: '('"],
    ['a notin(', "unable to parse requirement: found '', expected: ',', ')' or identifier"],
    ['x in (=)', "unable to parse requirement: found '=', expected: ',', ')' or identifier"],
    ['x in (a', "unable to parse requirement: found '', expected: ',' or ')'"],
    ['a in (xyz abc)', "unable to parse requirement: found 'abc', expected: ',' or ')'"],
    ['x in (a,=)', "unable to parse requirement: found '=', expected: ',', or identifier"],
    ['x in (a,', "unable to parse requirement: found '', expected: ',', or identifier"],
    ['x=(', "unable to parse requirement: found '(', expected: identifier"],
    ['x>=1', "unable to parse requirement: found '=', expected: identifier"],
  ];
  for (const [text, message] of cases) {
    it(`rejects ${JSON.stringify(text)}`, () => {
      const err = parseError(text);
      assert.equal(err.message, message);
      assert.equal(err.code, 'Syntax');
      assert.equal(err.kind, 'label');
      assert.equal(err.selector, text);
      assert.deepEqual(err.fieldErrors, []);
    });
  }
});

describe('parseLabelRequirements: invalid requirements', () => {
  it('reports a bad key with upstream’s nil field path', () => {
    const err = parseError('app:monolith');
    assert.equal(err.message, `unable to parse requirement: <nil>: Invalid value: "app:monolith": ${KEY_NAME_PART}`);
    assert.equal(err.code, 'InvalidRequirement');
    assert.deepEqual(
      err.fieldErrors.map((e) => [e.type, e.field, e.value]),
      [['FieldValueInvalid', '<nil>', 'app:monolith']],
    );
  });

  it('joins several key problems with "; "', () => {
    assert.equal(
      parseError('/-x').message,
      `unable to parse requirement: <nil>: Invalid value: "/-x": prefix part must be non-empty; ${KEY_NAME_PART}`,
    );
  });

  it('rejects a bad prefix', () => {
    assert.match(
      parseError('app.kubernetes_io/name=vault').message,
      /^unable to parse requirement: <nil>: Invalid value: "app.kubernetes_io\/name": prefix part a lowercase RFC 1123 subdomain must consist/,
    );
  });

  it('rejects a bad value with a values[i][key] path', () => {
    const err = parseError('x=a||y=b');
    assert.equal(err.message, `unable to parse requirement: values[0][x]: Invalid value: "a||y": ${VALUE_MSG}`);
    assert.equal(err.code, 'InvalidRequirement');
    assert.equal(err.fieldErrors[0]?.field, 'values[0][x]');
  });

  it('rejects a value over 63 bytes', () => {
    const long = 'a'.repeat(64);
    assert.equal(
      parseError(`x in (${long})`).message,
      `unable to parse requirement: values[0][x]: Invalid value: "${long}": must be no more than 63 bytes`,
    );
  });

  it('rejects non-integer operands of > and <', () => {
    assert.equal(
      parseError('x<a').message,
      "unable to parse requirement: values[0]: Invalid value: \"a\": for 'Gt', 'Lt' operators, the value must be an integer",
    );
    assert.equal(
      parseError('x>').message,
      "unable to parse requirement: values[0]: Invalid value: \"\": for 'Gt', 'Lt' operators, the value must be an integer",
    );
    assert.equal(
      parseError('x>99999999999999999999').message,
      'unable to parse requirement: values[0]: Invalid value: "99999999999999999999": for \'Gt\', \'Lt\' operators, the value must be an integer',
    );
  });

  it('lists several requirement problems in brackets', () => {
    assert.equal(
      parseError('x>-1').message,
      `unable to parse requirement: values[0][x]: Invalid value: "-1": ${VALUE_MSG}`,
    );
    assert.equal(
      parseError('x>1.5.').message,
      "unable to parse requirement: [values[0]: Invalid value: \"1.5.\": for 'Gt', 'Lt' operators, the value must be an integer, " +
        `values[0][x]: Invalid value: "1.5.": ${VALUE_MSG}]`,
    );
  });

  it('is recognisable with isSelectorParseError', () => {
    let caught: unknown;
    try {
      parseLabelRequirements('x<a');
    } catch (err) {
      caught = err;
    }
    assert.ok(isSelectorParseError(caught));
    assert.ok(isSelectorParseError(caught, 'InvalidRequirement'));
    assert.ok(!isSelectorParseError(caught, 'Syntax'));
    assert.ok(!isSelectorParseError(new Error('x')));
  });
});

describe('parseLabelRequirements: odd characters', () => {
  it('treats non-special punctuation as part of identifiers', () => {
    assert.equal(parseError('~').message.includes('"~"'), true);
  });
  it('reads a NUL character as the end of input, as upstream’s lexer does', () => {
    assert.deepEqual(parseLabelRequirements('x \u0000 garbage'), [req('x', 'exists')]);
  });
});
