/**
 * @module apiserver/pki/ensure
 *
 * First-start creation and every-start upkeep of the data dir's `pki/`: the cluster CA, the API
 * server's serving certificate and the admin's client certificate (file names as kubeadm's).
 *
 * The CA is the trust root every kubeconfig and node credential pins, so it is created once and
 * never replaced behind the operator's back: a CA problem is an error that names the file. Leaves
 * are derived material and are silently re-issued from the same CA whenever they would not work
 * (see inspect.ts). Each file is written atomically; a key is written before its certificate, so
 * a crash in between leaves a detectable key/cert mismatch rather than a cert without its key.
 *
 * Not safe against two processes ensuring the same dir at once; callers hold the data-dir lock.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import {
  createCertificateAuthority,
  issueClientCertificate,
  issueServingCertificate,
  LEAF_VALIDITY_DAYS,
  loadCaSigner,
  type CertificateAuthority,
  type IssuedCertificate,
} from './certificates.js';
import { pkiErrors } from './errors.js';
import { PRIVATE_FILE_MODE, PUBLIC_FILE_MODE, readTextIfExists, writeFileAtomic } from './files.js';
import { servingSubjectAltNames } from './hosts.js';
import { reissueReason, RENEW_BEFORE_MS } from './inspect.js';

export const ADMIN_USER = 'kubernetes-admin';
export const ADMIN_GROUP = 'system:masters';

export interface PkiPaths {
  readonly dir: string;
  readonly caCert: string;
  readonly caKey: string;
  readonly servingCert: string;
  readonly servingKey: string;
  readonly adminCert: string;
  readonly adminKey: string;
}

export function pkiPaths(dir: string): PkiPaths {
  return {
    dir,
    caCert: join(dir, 'ca.crt'),
    caKey: join(dir, 'ca.key'),
    servingCert: join(dir, 'apiserver.crt'),
    servingKey: join(dir, 'apiserver.key'),
    adminCert: join(dir, 'admin.crt'),
    adminKey: join(dir, 'admin.key'),
  };
}

export interface EnsurePkiOptions {
  /** The data dir's `pki/` directory; created (0700) if missing. */
  readonly dir: string;
  /** Extra names and IPs clients may dial, added to the serving cert's default SANs. */
  readonly hosts: readonly string[];
  readonly now?: () => Date;
}

export type PkiComponent = 'ca' | 'serving' | 'admin';

export interface Pki {
  readonly paths: PkiPaths;
  readonly ca: CertificateAuthority;
  readonly serving: IssuedCertificate;
  readonly admin: IssuedCertificate;
  /** What this call (re)generated and why, for the start-up log. Empty when everything was reused. */
  readonly generated: readonly { readonly component: PkiComponent; readonly reason: string }[];
  /** Conditions the operator should hear about but tskube cannot fix (a CA close to expiry). */
  readonly warnings: readonly string[];
}

export async function ensurePki(options: EnsurePkiOptions): Promise<Pki> {
  const clock = options.now ?? (() => new Date());
  // Validate hosts before touching the disk: a typo in a flag must not leave half a PKI behind.
  const subjectAltNames = servingSubjectAltNames(options.hosts);
  const paths = pkiPaths(options.dir);
  await mkdir(paths.dir, { recursive: true, mode: 0o700 });

  const generated: { component: PkiComponent; reason: string }[] = [];
  const warnings: string[] = [];

  const { ca, reason: caReason } = await ensureCa(paths, clock);
  if (caReason) generated.push({ component: 'ca', reason: caReason });
  const signer = await loadCaSigner(ca, { cert: paths.caCert, key: paths.caKey });
  const now = clock();
  const caNotAfter = Date.parse(signer.cert.validTo);
  if (!(caNotAfter > now.getTime())) {
    throw pkiErrors.unusableCa(
      paths.caCert,
      `it expired ${signer.cert.validTo}; remove ${paths.dir} to create a new CA (existing kubeconfigs stop working)`,
    );
  }
  if (caNotAfter - now.getTime() <= RENEW_BEFORE_MS) {
    warnings.push(`CA certificate ${paths.caCert} expires ${new Date(caNotAfter).toISOString()}; certificates it issues expire with it`);
  }

  const serving = await ensureLeaf(
    { cert: paths.servingCert, key: paths.servingKey },
    { caCert: signer.cert, now, subjectAltNames },
    () => issueServingCertificate(ca, { subjectAltNames, now: clock }),
  );
  if (serving.reason) generated.push({ component: 'serving', reason: serving.reason });

  const admin = await ensureLeaf(
    { cert: paths.adminCert, key: paths.adminKey },
    { caCert: signer.cert, now },
    () =>
      issueClientCertificate(ca, {
        commonName: ADMIN_USER,
        organizations: [ADMIN_GROUP],
        validityDays: LEAF_VALIDITY_DAYS,
        now: clock,
      }),
  );
  if (admin.reason) generated.push({ component: 'admin', reason: admin.reason });

  return { paths, ca, serving: serving.issued, admin: admin.issued, generated, warnings };
}

async function ensureCa(
  paths: PkiPaths,
  clock: () => Date,
): Promise<{ ca: CertificateAuthority; reason: string | undefined }> {
  const certPem = await readTextIfExists(paths.caCert);
  const keyPem = await readTextIfExists(paths.caKey);
  if (certPem !== undefined && keyPem !== undefined) return { ca: { certPem, keyPem }, reason: undefined };
  if (certPem !== undefined) throw pkiErrors.missingCaKey(paths.caCert, paths.caKey);
  let ca: CertificateAuthority;
  let reason: string;
  if (keyPem === undefined) {
    ca = await createCertificateAuthority({ now: clock });
    reason = 'no CA yet';
    await writeFileAtomic(paths.caKey, ca.keyPem, PRIVATE_FILE_MODE);
  } else {
    // Only a crash between writing ca.key and ca.crt leaves a key alone. Anything issued so far
    // was signed by this key, and a new self-signed cert for the same key and name still
    // verifies it, so re-sign rather than start a new CA.
    ca = await createCertificateAuthority({ now: clock, keyPem });
    reason = 'CA certificate missing; re-created from the existing CA key';
  }
  await writeFileAtomic(paths.caCert, ca.certPem, PUBLIC_FILE_MODE);
  return { ca, reason };
}

async function ensureLeaf(
  files: { readonly cert: string; readonly key: string },
  required: Parameters<typeof reissueReason>[2],
  issue: () => Promise<IssuedCertificate>,
): Promise<{ issued: IssuedCertificate; reason: string | undefined }> {
  const certPem = await readTextIfExists(files.cert);
  const keyPem = await readTextIfExists(files.key);
  const reason = reissueReason(certPem, keyPem, required);
  if (reason === undefined && certPem !== undefined && keyPem !== undefined) {
    return { issued: { certPem, keyPem }, reason: undefined };
  }
  const issued = await issue();
  await writeFileAtomic(files.key, issued.keyPem, PRIVATE_FILE_MODE);
  await writeFileAtomic(files.cert, issued.certPem, PUBLIC_FILE_MODE);
  return { issued, reason: reason ?? 'missing' };
}
