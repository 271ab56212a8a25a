import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CsvSyntaxError, parseCsv } from './csv.js';

const fields = (text: string) => parseCsv(text).map((r) => r.fields);

test('reads quoted fields the way Go encoding/csv does', () => {
  assert.deepEqual(fields('a,b,c\n'), [['a', 'b', 'c']]);
  assert.deepEqual(fields('t,u,1,"g1,g2"'), [['t', 'u', '1', 'g1,g2']]);
  assert.deepEqual(fields('"say ""hi""",x'), [['say "hi"', 'x']]);
  assert.deepEqual(fields('a,,\n'), [['a', '', '']]);
  assert.deepEqual(fields(' a , b'), [[' a ', ' b']], 'spaces are data');
  assert.deepEqual(fields('"",x'), [['', 'x']]);
});

test('skips blank lines, reads CRLF as LF, keeps newlines inside quotes, counts lines', () => {
  const records = parseCsv('\na,b\r\n\r\n"multi\r\nline",c\nlast,x');
  assert.deepEqual(records, [
    { line: 2, fields: ['a', 'b'] },
    { line: 4, fields: ['multi\nline', 'c'] },
    { line: 6, fields: ['last', 'x'] },
  ]);
});

test('drops a byte-order mark so the first token still matches', () => {
  assert.deepEqual(fields('\uFEFFtoken,u,1'), [['token', 'u', '1']]);
});

test('rejects bare and unbalanced quotes with the line number', () => {
  const cases: [string, number, RegExp][] = [
    ['ok,1\nab"c,d', 2, /bare "/],
    ['"abc"x,d', 1, /extraneous or missing "/],
    ['a\n"never closed,\nx', 2, /extraneous or missing "/],
  ];
  for (const [text, line, reason] of cases) {
    assert.throws(
      () => parseCsv(text),
      (err) => err instanceof CsvSyntaxError && err.line === line && reason.test(err.message),
      text,
    );
  }
});
