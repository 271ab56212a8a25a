import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { AuthenticationRequest, Authenticator, UserInfo } from './authenticator.js';
import { bearerToken, bearerTokenAuthenticator } from './bearer-token.js';
import { AuthenticationError, authenticationErrors, isAuthenticationError } from './errors.js';
import { unionAuthenticator, withAuthenticatedGroup } from './union.js';

const request = (headers: AuthenticationRequest['headers'] = {}): AuthenticationRequest => ({ socket: {}, headers });
const returns = (user: UserInfo | undefined): Authenticator => ({ authenticate: async () => user });
const throws = (err: unknown): Authenticator => ({
  authenticate: async () => {
    throw err;
  },
});
const alice: UserInfo = { name: 'alice', groups: ['dev'] };

describe('unionAuthenticator', () => {
  test('the first identity wins, even after another authenticator failed', async () => {
    const union = unionAuthenticator([returns(undefined), throws(authenticationErrors.invalidBearerToken()), returns(alice), returns({ name: 'bob', groups: [] })]);
    assert.deepEqual(await union.authenticate(request()), alice);
  });

  test('nobody recognises the request: anonymous', async () => {
    assert.equal(await unionAuthenticator([returns(undefined), returns(undefined)]).authenticate(request()), undefined);
    assert.equal(await unionAuthenticator([]).authenticate(request()), undefined);
  });

  test('one failure is rethrown as is; several are combined', async () => {
    const bad = authenticationErrors.invalidBearerToken();
    await assert.rejects(unionAuthenticator([returns(undefined), throws(bad)]).authenticate(request()), (err) => err === bad);
    const other = authenticationErrors.invalidClientCertificate('ab:cd', 'expired');
    await assert.rejects(unionAuthenticator([throws(bad), throws(other)]).authenticate(request()), (err) => {
      assert.ok(isAuthenticationError(err, 'Multiple'));
      assert.deepEqual(err.errors, [bad, other]);
      assert.equal(err.status, 401);
      return true;
    });
  });

  test('an unexpected error is not disguised as a credential problem', async () => {
    const outage = new Error('storage unavailable');
    await assert.rejects(
      unionAuthenticator([throws(authenticationErrors.invalidBearerToken()), throws(outage)]).authenticate(request()),
      (err) => err === outage,
    );
  });
});

describe('withAuthenticatedGroup', () => {
  test('adds system:authenticated once, after the credential’s own groups', async () => {
    const auth = withAuthenticatedGroup(returns(alice));
    assert.deepEqual(await auth.authenticate(request()), { name: 'alice', groups: ['dev', 'system:authenticated'] });
    assert.deepEqual(alice.groups, ['dev'], 'the input is not mutated');
  });

  test('leaves anonymous, already-marked and missing identities alone', async () => {
    const marked = { name: 'x', groups: ['system:authenticated'] };
    const anonymous = { name: 'system:anonymous', groups: ['system:unauthenticated'] };
    assert.deepEqual(await withAuthenticatedGroup(returns(marked)).authenticate(request()), marked);
    assert.deepEqual(await withAuthenticatedGroup(returns(anonymous)).authenticate(request()), anonymous);
    assert.equal(await withAuthenticatedGroup(returns(undefined)).authenticate(request()), undefined);
  });
});

describe('bearer tokens', () => {
  test('parses the header as upstream does', () => {
    assert.equal(bearerToken('Bearer abc'), 'abc');
    assert.equal(bearerToken('bearer   abc  '), 'abc');
    assert.equal(bearerToken('BEARER abc extra'), 'abc');
    assert.equal(bearerToken(['Bearer first', 'Bearer second']), 'first');
    assert.equal(bearerToken('Basic YWxpY2U6cHc='), undefined);
    assert.equal(bearerToken('Bearer'), undefined);
    assert.equal(bearerToken('Bearer '), undefined);
    assert.equal(bearerToken(undefined), undefined);
  });

  test('no bearer header is anonymous; an unknown token is an error', async () => {
    const auth = bearerTokenAuthenticator({ authenticateToken: async (t) => (t === 'good' ? alice : undefined) });
    assert.equal(await auth.authenticate(request()), undefined);
    assert.equal(await auth.authenticate(request({ authorization: 'Basic eDp5' })), undefined);
    assert.deepEqual(await auth.authenticate(request({ authorization: 'Bearer good' })), alice);
    await assert.rejects(auth.authenticate(request({ authorization: 'Bearer bad' })), (err) =>
      err instanceof AuthenticationError && err.code === 'InvalidBearerToken',
    );
  });
});
