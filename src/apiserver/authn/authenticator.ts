/**
 * @module apiserver/authn/authenticator
 *
 * The authentication contract, upstream's `authenticator.Request` and `authenticator.Token` in
 * TypeScript. An authenticator looks at one request and answers with exactly one of:
 *  - a `UserInfo`: the request proves this identity;
 *  - `undefined`: the request carries no credential of the kind this authenticator understands
 *    (to it, the request is anonymous; the next authenticator may still recognise it);
 *  - a rejected promise with `AuthenticationError`: it carries such a credential and it is invalid.
 * Authenticators never decide what a user may do (that is authorization) and never answer HTTP.
 */
import type { PeerCertificate } from 'node:tls';

export interface UserInfo {
  /** Unique among users, e.g. `kubernetes-admin`, `system:node:worker-1`. */
  readonly name: string;
  /** Stable across renames when the identity source has one; absent otherwise. */
  readonly uid?: string;
  readonly groups: readonly string[];
  /** Additional attributes authorizers or webhooks may use (upstream's `Extra`). */
  readonly extra?: Readonly<Record<string, readonly string[]>>;
}

/**
 * The TLS facts of a connection as `tls.TLSSocket` exposes them. `getPeerCertificate` returns an
 * empty object when the peer sent no certificate, hence `Partial`.
 */
export interface TlsPeer {
  readonly authorized: boolean;
  getPeerCertificate(): Partial<PeerCertificate>;
}

export interface AuthenticationRequest {
  /**
   * The connection: a `tls.TLSSocket`, or the socket proxy HTTP/2 gives `Http2ServerRequest`
   * (`http2stream.session.socket` for the stream API). A plain TCP socket has no TLS facts.
   */
  readonly socket: TlsPeer | object;
  /** Request headers, lower-case names (node's `IncomingHttpHeaders`, HTTP/1.1 or HTTP/2). */
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
}

export interface Authenticator {
  authenticate(request: AuthenticationRequest): Promise<UserInfo | undefined>;
}

/**
 * Authenticates a bearer token taken out of a request (upstream's `authenticator.Token`): the
 * token file now, service-account JWTs later. Same three answers as `Authenticator`, except that
 * `undefined` means "not a token I issued", which the bearer-token adapter turns into a 401.
 */
export interface TokenAuthenticator {
  authenticateToken(token: string): Promise<UserInfo | undefined>;
}

/** Well-known users and groups (upstream `k8s.io/apiserver/pkg/authentication/user`). */
export const SystemUsers = {
  anonymous: 'system:anonymous',
} as const;

export const SystemGroups = {
  /** Every authenticated user. Added by `withAuthenticatedGroup`, never by a credential itself. */
  authenticated: 'system:authenticated',
  /** Anonymous requests, when anonymous access is enabled (it is not, yet). */
  unauthenticated: 'system:unauthenticated',
  /** Superusers; RBAC lets them do anything. */
  masters: 'system:masters',
  /** Node agents (`system:node:<name>` users). */
  nodes: 'system:nodes',
} as const;

export function isTlsPeer(socket: object): socket is TlsPeer {
  return 'authorized' in socket && 'getPeerCertificate' in socket && typeof socket.getPeerCertificate === 'function';
}
