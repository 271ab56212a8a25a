/**
 * @module apiserver/authn
 *
 * Request authentication: who is calling. `newRequestAuthenticator` is what the server builds at
 * start; the pieces are exported for tests and for composing differently later.
 */
export {
  SystemGroups,
  SystemUsers,
  isTlsPeer,
  type AuthenticationRequest,
  type Authenticator,
  type TlsPeer,
  type TokenAuthenticator,
  type UserInfo,
} from './authenticator.js';
export { bearerToken, bearerTokenAuthenticator } from './bearer-token.js';
export { clientCertificateAuthenticator, type ClientCertificateAuthenticatorOptions } from './client-certificate.js';
export {
  AuthenticationError,
  AuthenticationErrorCode,
  AuthnConfigError,
  AuthnConfigErrorCode,
  authenticationErrors,
  isAuthenticationError,
} from './errors.js';
export { newRequestAuthenticator, type RequestAuthenticatorOptions } from './request-authenticator.js';
export { loadTokenFile, parseTokenFile, type TokenFile } from './token-file.js';
export { unionAuthenticator, unionTokenAuthenticator, withAuthenticatedGroup } from './union.js';
