/**
 * @module apiserver/authn/errors
 *
 * The authentication error catalogue. An `AuthenticationError` means "this request carried a
 * credential and it is not valid"; the server answers 401 Unauthorized with a Status, exactly as
 * for a request with no credential, but can log the code. A request with no credential is not an
 * error: authenticators return undefined for it. `AuthnConfigError` is a start-up error: a
 * malformed `--token-auth-file` or client CA bundle.
 */

export const AuthenticationErrorCode = {
  /** A bearer token no token authenticator recognises (upstream's "invalid bearer token"). */
  InvalidBearerToken: 'InvalidBearerToken',
  /**
   * A client certificate from a trusted CA that still cannot be accepted: outside its validity
   * period at request time (a long-lived connection outlived it), not issued for client auth, or
   * a subject that names no single user.
   */
  InvalidClientCertificate: 'InvalidClientCertificate',
  /** Several authenticators rejected the request; `errors` holds each reason. */
  Multiple: 'Multiple',
} as const;
export type AuthenticationErrorCode = (typeof AuthenticationErrorCode)[keyof typeof AuthenticationErrorCode];

export class AuthenticationError extends Error {
  override readonly name = 'AuthenticationError';
  /** The HTTP status the server answers with. Always 401: authentication never yields 403. */
  readonly status = 401;
  /** For Multiple: the individual failures, in authenticator order. */
  readonly errors: readonly unknown[];

  constructor(
    readonly code: AuthenticationErrorCode,
    message: string,
    details: { readonly errors?: readonly unknown[]; readonly cause?: unknown } = {},
  ) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.errors = details.errors ?? [];
  }
}

export function isAuthenticationError(err: unknown, code?: AuthenticationErrorCode): err is AuthenticationError {
  return err instanceof AuthenticationError && (code === undefined || err.code === code);
}

export const authenticationErrors = {
  invalidBearerToken: () => new AuthenticationError('InvalidBearerToken', 'invalid bearer token'),
  invalidClientCertificate: (fingerprint: string, reason: string) =>
    new AuthenticationError('InvalidClientCertificate', `client certificate ${fingerprint}: ${reason}`),
  multiple: (errors: readonly unknown[]) =>
    new AuthenticationError(
      'Multiple',
      `${errors.length} authenticators rejected the request: ${errors.map(describe).join('; ')}`,
      { errors },
    ),
};

export const AuthnConfigErrorCode = {
  /** The static token file is not valid CSV or a record lacks required columns. */
  InvalidTokenFile: 'InvalidTokenFile',
  /** The client CA bundle holds no parseable certificate. */
  InvalidClientCa: 'InvalidClientCa',
} as const;
export type AuthnConfigErrorCode = (typeof AuthnConfigErrorCode)[keyof typeof AuthnConfigErrorCode];

export class AuthnConfigError extends Error {
  override readonly name = 'AuthnConfigError';

  constructor(
    readonly code: AuthnConfigErrorCode,
    /** The file (or, for text passed in memory, what it was). */
    readonly source: string,
    /** 1-based line of the offending record, when the problem is one record. */
    readonly line: number | undefined,
    reason: string,
    cause?: unknown,
  ) {
    super(`${source}${line === undefined ? '' : ` line ${line}`}: ${reason}`, cause === undefined ? undefined : { cause });
  }
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
