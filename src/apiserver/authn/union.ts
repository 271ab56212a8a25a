/**
 * @module apiserver/authn/union
 *
 * Combinators (upstream `request/union`, `token/union`, `group`): try several authenticators in
 * order, and add `system:authenticated` to whoever got in.
 *
 * The first identity wins. A failure does not stop the search, because another credential on the
 * same request may still be good (a stale token next to a valid client certificate); only when
 * nobody recognises the request do the collected failures decide the answer: no failures means
 * anonymous (undefined); an error that is not an `AuthenticationError` (a bug, a backend outage)
 * is rethrown as is, so the server reports it as a server error instead of blaming the client's
 * credentials; otherwise the one `AuthenticationError`, or several combined into `Multiple`.
 */
import {
  SystemGroups,
  SystemUsers,
  type AuthenticationRequest,
  type Authenticator,
  type TokenAuthenticator,
  type UserInfo,
} from './authenticator.js';
import { authenticationErrors, isAuthenticationError } from './errors.js';

export function unionAuthenticator(authenticators: readonly Authenticator[]): Authenticator {
  return {
    authenticate: (request: AuthenticationRequest) => firstUser(authenticators, (a) => a.authenticate(request)),
  };
}

export function unionTokenAuthenticator(authenticators: readonly TokenAuthenticator[]): TokenAuthenticator {
  return {
    authenticateToken: (token: string) => firstUser(authenticators, (a) => a.authenticateToken(token)),
  };
}

/**
 * Adds `system:authenticated` to every identity (upstream `AuthenticatedGroupAdder`): RBAC's
 * default bindings grant discovery to that group. Anonymous users and identities that already
 * carry `system:authenticated` or `system:unauthenticated` are left alone.
 */
export function withAuthenticatedGroup(authenticator: Authenticator): Authenticator {
  return {
    async authenticate(request: AuthenticationRequest): Promise<UserInfo | undefined> {
      const user = await authenticator.authenticate(request);
      if (user === undefined || user.name === SystemUsers.anonymous) return user;
      if (user.groups.some((g) => g === SystemGroups.authenticated || g === SystemGroups.unauthenticated)) return user;
      return { ...user, groups: [...user.groups, SystemGroups.authenticated] };
    },
  };
}

async function firstUser<T>(
  candidates: readonly T[],
  attempt: (candidate: T) => Promise<UserInfo | undefined>,
): Promise<UserInfo | undefined> {
  const errors: unknown[] = [];
  for (const candidate of candidates) {
    try {
      const user = await attempt(candidate);
      if (user !== undefined) return user;
    } catch (err) {
      errors.push(err);
    }
  }
  if (errors.length === 0) return undefined;
  const unexpected = errors.find((err) => !isAuthenticationError(err));
  if (unexpected !== undefined) throw unexpected;
  if (errors.length === 1) throw errors[0];
  throw authenticationErrors.multiple(errors);
}
