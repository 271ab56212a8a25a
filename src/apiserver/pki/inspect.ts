/**
 * @module apiserver/pki/inspect
 *
 * Decides whether a stored leaf certificate (serving or client) can be kept. Leaves are cheap to
 * re-issue from the CA and nothing outside the data dir pins them, so any doubt — unreadable,
 * mismatched key, another CA, close to expiry, a missing SAN — answers "re-issue" rather than
 * failing the start.
 */
import { createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto';
import { x509 } from './crypto.js';
import { parseIpAddress, type SubjectAltNames } from './hosts.js';

/** Re-issue when less than this is left, so a cluster restarted monthly never serves an expired cert. */
export const RENEW_BEFORE_MS = 30 * 24 * 60 * 60 * 1000;

export interface LeafRequirements {
  readonly caCert: X509Certificate;
  readonly now: Date;
  /** For serving certs: names that must all be present. */
  readonly subjectAltNames?: SubjectAltNames;
}

/** Why the leaf must be re-issued, or undefined when it can be kept. */
export function reissueReason(
  certPem: string | undefined,
  keyPem: string | undefined,
  required: LeafRequirements,
): string | undefined {
  if (certPem === undefined) return 'certificate missing';
  if (keyPem === undefined) return 'key missing';
  let cert: X509Certificate;
  let key: KeyObject;
  try {
    cert = new X509Certificate(certPem);
    key = createPrivateKey(keyPem);
  } catch {
    return 'certificate or key unreadable';
  }
  // A crash between writing the new key and the new cert leaves exactly this state.
  if (!cert.checkPrivateKey(key)) return 'key does not match certificate';
  if (!cert.checkIssued(required.caCert) || !cert.verify(required.caCert.publicKey)) {
    return 'not signed by the current CA';
  }
  const now = required.now.getTime();
  const notBefore = Date.parse(cert.validFrom);
  const notAfter = Date.parse(cert.validTo);
  // A clock that jumped backwards (restored VM snapshot) makes a new cert look "not yet valid".
  if (!(notBefore <= now)) return `not valid before ${cert.validFrom}`;
  if (!(notAfter - now > RENEW_BEFORE_MS)) return `expires ${new Date(notAfter).toISOString()}`;
  if (required.subjectAltNames) {
    const missing = missingSubjectAltNames(cert, required.subjectAltNames);
    if (missing.length > 0) return `lacks subject alternative names ${missing.join(', ')}`;
  }
  return undefined;
}

/** The required names the certificate does not carry (exact match, no wildcard expansion). */
export function missingSubjectAltNames(cert: X509Certificate, required: SubjectAltNames): string[] {
  const san = new x509.X509Certificate(cert.raw).getExtension(x509.SubjectAlternativeNameExtension);
  const dns = new Set<string>();
  const ips = new Set<string>();
  for (const name of san?.names.items ?? []) {
    if (name.type === 'dns') dns.add(name.value.toLowerCase());
    if (name.type === 'ip') ips.add(parseIpAddress(name.value) ?? name.value);
  }
  return [
    ...required.dnsNames.filter((name) => !dns.has(name)),
    ...required.ipAddresses.filter((ip) => !ips.has(ip)),
  ];
}
