/**
 * @module apiserver/pki/certificates
 *
 * Making certificates: the self-signed cluster CA, the API server's serving certificate, and
 * client certificates (the admin's now, node agents' later). Inputs and outputs are PEM text so
 * callers can store or ship them as they are; keys are parsed only while signing.
 *
 * The profiles follow kubeadm: the CA is a critical-basicConstraints CA allowed only to sign;
 * leaves are `CA:FALSE`, digitalSignature, with exactly one extended key usage, and carry subject and
 * authority key identifiers so chains build even when several CAs share a name.
 */
import type { X509Certificate } from 'node:crypto';
import { certificateToPem, generateKeyPair, importPrivateKeyPem, parseCertificatePem, x509, type KeyPair } from './crypto.js';
import { pkiErrors } from './errors.js';
import type { SubjectAltNames } from './hosts.js';

/** The cluster CA as stored on disk. Plain PEM, so it can be passed around or serialised. */
export interface CertificateAuthority {
  readonly certPem: string;
  /** PKCS#8 PEM (or any PEM key flavour node parses, for a CA the operator brought). */
  readonly keyPem: string;
}

/** A certificate with its freshly generated private key (PKCS#8 PEM). */
export interface IssuedCertificate {
  readonly certPem: string;
  readonly keyPem: string;
}

const DAY_MS = 24 * 60 * 60 * 1000;
/**
 * Certificates start a little in the past, so a peer whose clock lags ours (a VM just resumed, a
 * node not yet NTP-synced) does not reject a certificate we issued a moment ago.
 */
const BACKDATE_MS = 5 * 60 * 1000;

export const CA_COMMON_NAME = 'tskube-ca';
export const CA_VALIDITY_DAYS = 3650;
export const LEAF_VALIDITY_DAYS = 365;
export const SERVING_COMMON_NAME = 'kube-apiserver';

export interface CreateCaOptions {
  readonly commonName?: string;
  readonly validityDays?: number;
  readonly now?: () => Date;
  /** Self-sign this existing key instead of generating one (see ensurePki's recovery path). */
  readonly keyPem?: string;
}

export async function createCertificateAuthority(options: CreateCaOptions = {}): Promise<CertificateAuthority> {
  const validityDays = checkValidityDays(options.validityDays ?? CA_VALIDITY_DAYS);
  const keys = options.keyPem === undefined ? await generateKeyPair() : await importPrivateKeyPem(options.keyPem, 'CA key');
  const now = (options.now ?? (() => new Date()))();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    name: distinguishedName([['CN', checkName(options.commonName ?? CA_COMMON_NAME, 'CA common name')]]),
    keys,
    signingAlgorithm: { ...keys.algorithm },
    notBefore: new Date(now.getTime() - BACKDATE_MS),
    notAfter: new Date(now.getTime() + validityDays * DAY_MS),
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(
        x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature,
        true,
      ),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { certPem: certificateToPem(cert), keyPem: keys.privateKeyPem };
}

export interface ServingCertificateOptions {
  readonly subjectAltNames: SubjectAltNames;
  readonly commonName?: string;
  readonly validityDays?: number;
  readonly now?: () => Date;
}

export async function issueServingCertificate(
  ca: CertificateAuthority,
  options: ServingCertificateOptions,
): Promise<IssuedCertificate> {
  const { dnsNames, ipAddresses } = options.subjectAltNames;
  return issue(ca, {
    subject: distinguishedName([['CN', checkName(options.commonName ?? SERVING_COMMON_NAME, 'common name')]]),
    usage: x509.ExtendedKeyUsage.serverAuth,
    subjectAltNames: [
      ...dnsNames.map((value) => ({ type: 'dns' as const, value })),
      ...ipAddresses.map((value) => ({ type: 'ip' as const, value })),
    ],
    validityDays: options.validityDays ?? LEAF_VALIDITY_DAYS,
    now: options.now,
  });
}

export interface ClientCertificateOptions {
  /** The user name the API server will see, e.g. `kubernetes-admin` or `system:node:<name>`. */
  readonly commonName: string;
  /** The groups, e.g. `system:masters` or `system:nodes`. */
  readonly organizations?: readonly string[];
  readonly validityDays: number;
  readonly now?: () => Date;
}

/** Issues a client certificate (extended key usage clientAuth) with a new key. */
export async function issueClientCertificate(
  ca: CertificateAuthority,
  options: ClientCertificateOptions,
): Promise<IssuedCertificate> {
  const organizations = (options.organizations ?? []).map((o) => checkName(o, 'organization'));
  return issue(ca, {
    // Go's pkix.Name order (O before CN), so the subject reads as it does on kubeadm's certs.
    subject: distinguishedName([
      ...organizations.map((o) => ['O', o] as const),
      ['CN', checkName(options.commonName, 'common name')],
    ]),
    usage: x509.ExtendedKeyUsage.clientAuth,
    subjectAltNames: [],
    validityDays: options.validityDays,
    now: options.now,
  });
}

interface LeafProfile {
  readonly subject: x509.Name;
  readonly usage: x509.ExtendedKeyUsage;
  readonly subjectAltNames: x509.JsonGeneralNames;
  readonly validityDays: number;
  readonly now: (() => Date) | undefined;
}

async function issue(ca: CertificateAuthority, profile: LeafProfile): Promise<IssuedCertificate> {
  const validityDays = checkValidityDays(profile.validityDays);
  const signer = await loadCaSigner(ca);
  const keys = await generateKeyPair();
  const now = (profile.now ?? (() => new Date()))();
  const caNotAfter = new Date(signer.cert.validTo);
  // A leaf outliving its CA would fail verification at the CA's expiry anyway; saying so in
  // notAfter lets renewal logic see the real deadline.
  const notAfter = new Date(Math.min(now.getTime() + validityDays * DAY_MS, caNotAfter.getTime()));
  const extensions: x509.Extension[] = [
    new x509.BasicConstraintsExtension(false, undefined, true),
    new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
    new x509.ExtendedKeyUsageExtension([profile.usage]),
    await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    await authorityKeyIdentifier(signer),
  ];
  if (profile.subjectAltNames.length > 0) {
    extensions.push(new x509.SubjectAlternativeNameExtension(profile.subjectAltNames));
  }
  const cert = await x509.X509CertificateGenerator.create({
    subject: profile.subject,
    issuer: signer.issuer,
    publicKey: keys.publicKey,
    signingKey: signer.keys.privateKey,
    signingAlgorithm: { ...signer.keys.algorithm },
    notBefore: new Date(now.getTime() - BACKDATE_MS),
    notAfter,
    extensions,
  });
  return { certPem: certificateToPem(cert), keyPem: keys.privateKeyPem };
}

interface CaSigner {
  readonly cert: X509Certificate;
  /** The CA's subject, DER-exact, so issuer and subject match byte for byte when chains are built. */
  readonly issuer: x509.Name;
  readonly keys: KeyPair;
  readonly parsed: x509.X509Certificate;
}

/** Parses and checks the CA: the key must belong to the certificate, which must be a CA. */
export async function loadCaSigner(ca: CertificateAuthority, labels = { cert: 'CA certificate', key: 'CA key' }): Promise<CaSigner> {
  const cert = parseCertificatePem(ca.certPem, labels.cert);
  const keys = await importPrivateKeyPem(ca.keyPem, labels.key);
  if (!cert.ca) throw pkiErrors.unusableCa(labels.cert, 'it is not a CA certificate (basicConstraints CA:FALSE)');
  if (!cert.checkPrivateKey(keys.keyObject)) throw pkiErrors.keyMismatch(labels.cert, labels.key);
  const parsed = new x509.X509Certificate(cert.raw);
  return { cert, keys, parsed, issuer: parsed.subjectName };
}

async function authorityKeyIdentifier(signer: CaSigner): Promise<x509.AuthorityKeyIdentifierExtension> {
  // Reuse the CA's own subject key identifier when it has one: a CA made elsewhere may have
  // computed it differently from our SHA-1-of-key default, and the two must match.
  const ski = signer.parsed.getExtension(x509.SubjectKeyIdentifierExtension);
  if (ski) return new x509.AuthorityKeyIdentifierExtension(ski.keyId);
  return x509.AuthorityKeyIdentifierExtension.create(signer.keys.publicKey);
}

/**
 * A subject with one attribute per RDN, values taken literally. @peculiar/x509 would interpret
 * plain strings (quotes stripped, backslash escapes, a leading `#` read as hex), so each value is
 * given with its ASN.1 string type: PrintableString when it fits, else UTF8String, as Go does.
 */
function distinguishedName(attributes: readonly (readonly ['CN' | 'O', string])[]): x509.Name {
  return new x509.Name(
    attributes.map(([type, value]) => ({
      [type]: [x509.Name.isPrintableString(value) ? { printableString: value } : { utf8String: value }],
    })),
  );
}

function checkValidityDays(days: number): number {
  if (!Number.isFinite(days) || days <= 0) {
    throw pkiErrors.invalidArgument(`validityDays must be a positive number, got ${days}`);
  }
  return days;
}

function checkName(value: string, what: string): string {
  if (value.trim() === '') throw pkiErrors.invalidArgument(`${what} must not be empty`);
  return value;
}
