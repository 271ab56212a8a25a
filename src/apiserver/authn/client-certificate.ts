/**
 * @module apiserver/authn/client-certificate
 *
 * X.509 client-certificate authentication (upstream `request/x509` with
 * `CommonNameUserConversion`): subject CN is the user name, each subject O a group.
 *
 * TLS does the chain verification: the server listens with `requestCert: true,
 * rejectUnauthorized: false, ca: <client CA bundle>`, so a connection without a certificate, or
 * with one TLS could not verify, still reaches HTTP (and may authenticate with a token) but has
 * `socket.authorized === false`; only `true` is trusted here. Because node's `ca` silently falls
 * back to the public web roots when omitted, this authenticator also checks that the leaf was
 * signed by a CA in *its* bundle: a server misconfiguration must not turn every public
 * certificate into a cluster login. Leaves must be issued directly by a bundle CA (tskube issues
 * no intermediates).
 */
import { X509Certificate } from 'node:crypto';
import { isTlsPeer, type AuthenticationRequest, type Authenticator, type UserInfo } from './authenticator.js';
import { AuthnConfigError, authenticationErrors } from './errors.js';

const CLIENT_AUTH = '1.3.6.1.5.5.7.3.2';
const ANY_EXTENDED_KEY_USAGE = '2.5.29.37.0';
/** Verdicts are cached per leaf fingerprint; a cluster has few distinct client certs. */
const VERDICT_CACHE_SIZE = 1024;

export interface ClientCertificateAuthenticatorOptions {
  /** PEM bundle of the CAs whose client certificates are accepted (upstream `--client-ca-file`). */
  readonly clientCaPem: string;
  readonly now?: () => Date;
}

export function clientCertificateAuthenticator(options: ClientCertificateAuthenticatorOptions): Authenticator {
  const cas = parseBundle(options.clientCaPem);
  const now = options.now ?? (() => new Date());
  // Leaf fingerprint → whether a bundle CA signed it and, if unusable anyway, why. Only facts that
  // never change for a certificate are cached; validity depends on the time and is checked per request.
  const verdicts = new Map<string, { trusted: boolean; unusable: string | undefined }>();

  function verdictFor(raw: Buffer, fingerprint: string): { trusted: boolean; unusable: string | undefined } {
    const cached = verdicts.get(fingerprint);
    if (cached) return cached;
    const cert = new X509Certificate(raw);
    const trusted = cas.some((ca) => cert.checkIssued(ca) && cert.verify(ca.publicKey));
    // Go (and so upstream) requires clientAuth or no EKU at all; OpenSSL's TLS check is the same,
    // this repeats it so the rule does not depend on the server's TLS settings.
    const usages = cert.keyUsage;
    const unusable =
      usages !== undefined && !usages.includes(CLIENT_AUTH) && !usages.includes(ANY_EXTENDED_KEY_USAGE)
        ? 'not issued for client authentication'
        : undefined;
    if (verdicts.size >= VERDICT_CACHE_SIZE) verdicts.clear();
    const verdict = { trusted, unusable };
    verdicts.set(fingerprint, verdict);
    return verdict;
  }

  return {
    async authenticate({ socket }: AuthenticationRequest): Promise<UserInfo | undefined> {
      if (!isTlsPeer(socket) || socket.authorized !== true) return undefined;
      const peer = socket.getPeerCertificate();
      const { raw, fingerprint256 } = peer;
      if (raw === undefined || fingerprint256 === undefined) return undefined;
      const verdict = verdictFor(raw, fingerprint256);
      if (!verdict.trusted) return undefined;
      if (verdict.unusable) throw authenticationErrors.invalidClientCertificate(fingerprint256, verdict.unusable);
      // TLS checked validity at the handshake, but an HTTP/2 connection can outlive the
      // certificate; upstream verifies on every request, so do we.
      const time = now().getTime();
      if (!(Date.parse(peer.valid_from ?? '') <= time && time <= Date.parse(peer.valid_to ?? ''))) {
        throw authenticationErrors.invalidClientCertificate(
          fingerprint256,
          `not valid now (valid from ${peer.valid_from ?? '?'} to ${peer.valid_to ?? '?'})`,
        );
      }
      const [name, ...otherNames] = attributeValues(peer.subject?.CN);
      // Upstream: a certificate without a CN authenticates nobody, and the next authenticator
      // gets its turn.
      if (name === undefined || name === '') return undefined;
      if (otherNames.length > 0) {
        throw authenticationErrors.invalidClientCertificate(fingerprint256, 'subject has several common names');
      }
      return { name, groups: attributeValues(peer.subject?.O) };
    },
  };
}

/**
 * Node gives a subject attribute as a string, or as an array when the attribute repeats (several
 * O's); its type declarations only admit the string.
 */
function attributeValues(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === 'string');
  return [];
}

function parseBundle(pem: string): X509Certificate[] {
  const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  const cas = blocks.map((block, i) => {
    try {
      return new X509Certificate(block);
    } catch (cause) {
      throw new AuthnConfigError('InvalidClientCa', 'client CA bundle', undefined, `certificate ${i + 1} is not valid`, cause);
    }
  });
  if (cas.length === 0) {
    throw new AuthnConfigError('InvalidClientCa', 'client CA bundle', undefined, 'no PEM certificate found');
  }
  return cas;
}
