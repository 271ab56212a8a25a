import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { AuthnConfigError } from './errors.js';
import { loadTokenFile, parseTokenFile } from './token-file.js';

test('reads upstream’s format: token,user,uid,"group1,group2"', async () => {
  const file = parseTokenFile(
    ['31ada4fd-adec-460c-809a-9e56ceb75269,alice,1000,"group1,group2,group3"', 'tok-2,bob,,', 'tok-3,carol,42,ops,ignored'].join('\n'),
    'tokens.csv',
  );
  assert.equal(file.size, 3);
  assert.deepEqual(file.warnings, []);
  const auth = file.authenticator;
  assert.deepEqual(await auth.authenticateToken('31ada4fd-adec-460c-809a-9e56ceb75269'), {
    name: 'alice',
    uid: '1000',
    groups: ['group1', 'group2', 'group3'],
  });
  assert.deepEqual(await auth.authenticateToken('tok-2'), { name: 'bob', groups: [] });
  assert.deepEqual(await auth.authenticateToken('tok-3'), { name: 'carol', uid: '42', groups: ['ops'] });
  assert.equal(await auth.authenticateToken('tok-4'), undefined);
  assert.equal(await auth.authenticateToken('TOK-2'), undefined, 'tokens are case-sensitive');
});

test('empty and duplicate tokens are warnings, as upstream; the later duplicate wins', async () => {
  const file = parseTokenFile(',nobody,1\ndup,first,1\ndup,second,2', 'tokens.csv');
  assert.equal(file.size, 1);
  assert.deepEqual(file.warnings, [
    'token file tokens.csv line 1: empty token, record ignored',
    'token file tokens.csv line 3: duplicate token, this record wins',
  ]);
  assert.equal((await file.authenticator.authenticateToken('dup'))?.name, 'second');
  assert.equal(await file.authenticator.authenticateToken(''), undefined);
});

test('malformed files fail at start with the line at fault', () => {
  const cases: [string, number, RegExp][] = [
    ['good,u,1\nonly,two', 2, /at least 3 columns .* found 2/],
    ['# a comment is a record in this format', 1, /found 1/],
    ['tok,,1', 1, /empty user name/],
    ['tok,u,1,"g1,g2', 1, /extraneous or missing "/],
  ];
  for (const [text, line, reason] of cases) {
    assert.throws(
      () => parseTokenFile(text, 'tokens.csv'),
      (err) => err instanceof AuthnConfigError && err.code === 'InvalidTokenFile' && err.line === line && reason.test(err.message),
      text,
    );
  }
});

test('loadTokenFile reads the file and reports a missing one as a configuration error', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'tskube-tokens-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const path = join(dir, 'tokens.csv');
  await writeFile(path, 'abc,dave,7,"system:masters"\r\n');
  const file = await loadTokenFile(path);
  assert.deepEqual(await file.authenticator.authenticateToken('abc'), { name: 'dave', uid: '7', groups: ['system:masters'] });
  await assert.rejects(loadTokenFile(join(dir, 'missing.csv')), (err) => err instanceof AuthnConfigError && err.source.endsWith('missing.csv'));
});
