/**
 * @module apiserver/authn/bearer-token
 *
 * Takes the token out of `Authorization: Bearer <token>` and hands it to a token authenticator
 * (upstream `request/bearertoken`). A request without a bearer header is anonymous to it; a bearer
 * token nobody recognises is a 401, not anonymous, so a typo in a token is not silently
 * downgraded to "no credentials".
 *
 * Unlike upstream this does not delete the header after success (requests are not mutated here);
 * whatever proxies requests onwards (aggregated APIs, later) must strip it.
 */
import type { AuthenticationRequest, Authenticator, TokenAuthenticator, UserInfo } from './authenticator.js';
import { authenticationErrors } from './errors.js';

export function bearerTokenAuthenticator(tokens: TokenAuthenticator): Authenticator {
  return {
    async authenticate({ headers }: AuthenticationRequest): Promise<UserInfo | undefined> {
      const token = bearerToken(headers.authorization);
      if (token === undefined) return undefined;
      const user = await tokens.authenticateToken(token);
      if (user === undefined) throw authenticationErrors.invalidBearerToken();
      return user;
    },
  };
}

/**
 * The token of a `Bearer` authorization header, as upstream parses it: scheme case-insensitive,
 * fields split on whitespace, the token is the second field; other schemes (Basic) yield none.
 */
export function bearerToken(header: string | string[] | undefined): string | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  if (value === undefined) return undefined;
  const [scheme, token] = value.trim().split(/\s+/);
  if (scheme === undefined || scheme.toLowerCase() !== 'bearer' || token === undefined || token === '') {
    return undefined;
  }
  return token;
}
