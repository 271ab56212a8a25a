/**
 * @module apiserver/authn/request-authenticator
 *
 * Assembles the API server's authenticator from its options, in upstream's order
 * (`pkg/kubeapiserver/authenticator/config.go`): client certificates first, then bearer tokens,
 * the whole wrapped so every identity also gets `system:authenticated`. Anything no authenticator
 * recognises comes out as undefined and the server answers 401 (anonymous access is not
 * supported yet; when it is, it goes last, after the group adder, as upstream).
 */
import type { Authenticator, TokenAuthenticator } from './authenticator.js';
import { bearerTokenAuthenticator } from './bearer-token.js';
import { clientCertificateAuthenticator } from './client-certificate.js';
import { unionAuthenticator, unionTokenAuthenticator, withAuthenticatedGroup } from './union.js';

export interface RequestAuthenticatorOptions {
  /** PEM bundle of client CAs (upstream `--client-ca-file`); omitted disables client certificates. */
  readonly clientCaPem?: string;
  /** Loaded `--token-auth-file` (`loadTokenFile(path).authenticator`). */
  readonly tokenFile?: TokenAuthenticator;
  readonly now?: () => Date;
}

export function newRequestAuthenticator(options: RequestAuthenticatorOptions): Authenticator {
  const requestAuthenticators: Authenticator[] = [];
  if (options.clientCaPem !== undefined) {
    requestAuthenticators.push(
      clientCertificateAuthenticator({ clientCaPem: options.clientCaPem, ...(options.now && { now: options.now }) }),
    );
  }

  const tokenAuthenticators: TokenAuthenticator[] = [];
  if (options.tokenFile) tokenAuthenticators.push(options.tokenFile);
  // Seam for service-account tokens: a TokenAuthenticator that verifies the JWT's signature
  // against the service-account public keys (`--service-account-key-file`), checks issuer,
  // audience and expiry, and for bound tokens that the pod/secret and ServiceAccount still exist
  // (by uid) through the API's storage. It yields `system:serviceaccount:<ns>:<name>` with groups
  // `system:serviceaccounts` and `system:serviceaccounts:<ns>` and pod info in `extra`. It goes
  // here, after the token file, as upstream orders them; bootstrap tokens would follow it.
  // Websocket clients that cannot set headers send the token in `Sec-WebSocket-Protocol`
  // (`base64url.bearer.authorization.k8s.io.<token>`); that adapter would sit next to the bearer one.
  if (tokenAuthenticators.length > 0) {
    requestAuthenticators.push(bearerTokenAuthenticator(unionTokenAuthenticator(tokenAuthenticators)));
  }

  return withAuthenticatedGroup(unionAuthenticator(requestAuthenticators));
}
