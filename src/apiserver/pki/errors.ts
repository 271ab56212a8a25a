/**
 * @module apiserver/pki/errors
 *
 * The PKI error catalogue. These are start-up errors: each one means the operator has to act (fix a
 * flag, restore or remove a file), so messages name the file or value and say what to do. Problems
 * that tskube can repair by itself (a missing or expiring serving cert) never surface as errors;
 * `ensurePki` just re-issues.
 */

export const PkiErrorCode = {
  /** A configured host is neither an IP address nor a valid DNS name. */
  InvalidHost: 'InvalidHost',
  /** An argument is out of range (empty common name, non-positive validity, ...). */
  InvalidArgument: 'InvalidArgument',
  /** A PEM file exists but cannot be parsed as a certificate or private key. */
  InvalidFile: 'InvalidFile',
  /** The CA certificate exists without its private key, so nothing can be signed with it. */
  MissingCaKey: 'MissingCaKey',
  /** A private key does not belong to the certificate next to it. */
  KeyMismatch: 'KeyMismatch',
  /** The CA certificate is not (or no longer) usable as a CA: expired, or not a CA certificate. */
  UnusableCa: 'UnusableCa',
  /** The key algorithm is not one tskube can sign with (ECDSA P-256/P-384, RSA). */
  UnsupportedKey: 'UnsupportedKey',
} as const;
export type PkiErrorCode = (typeof PkiErrorCode)[keyof typeof PkiErrorCode];

export class PkiError extends Error {
  override readonly name = 'PkiError';
  /** The file the error is about (for PEM passed in memory: what it was), when there is one. */
  readonly path: string | undefined;

  constructor(
    readonly code: PkiErrorCode,
    message: string,
    details: { readonly path?: string; readonly cause?: unknown } = {},
  ) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.path = details.path;
  }
}

export function isPkiError(err: unknown, code?: PkiErrorCode): err is PkiError {
  return err instanceof PkiError && (code === undefined || err.code === code);
}

export const pkiErrors = {
  invalidHost: (host: string, reason: string) =>
    new PkiError('InvalidHost', `invalid certificate host ${JSON.stringify(host)}: ${reason}`),
  invalidArgument: (message: string) => new PkiError('InvalidArgument', message),
  invalidFile: (path: string, what: string, cause?: unknown) =>
    new PkiError('InvalidFile', `${path} is not a valid ${what}`, { path, cause }),
  missingCaKey: (certPath: string, keyPath: string) =>
    new PkiError(
      'MissingCaKey',
      `CA certificate ${certPath} exists but its key ${keyPath} does not; restore the key, or remove ` +
        'the certificate to create a new CA (every certificate and kubeconfig issued by the old CA stops working)',
      { path: keyPath },
    ),
  keyMismatch: (certPath: string, keyPath: string) =>
    new PkiError('KeyMismatch', `private key ${keyPath} does not match certificate ${certPath}`, {
      path: keyPath,
    }),
  unusableCa: (certPath: string, reason: string) =>
    new PkiError('UnusableCa', `CA certificate ${certPath} cannot be used: ${reason}`, { path: certPath }),
  unsupportedKey: (what: string, detail: string) =>
    new PkiError('UnsupportedKey', `${what} uses an unsupported key (${detail}); use ECDSA P-256/P-384 or RSA`),
};
