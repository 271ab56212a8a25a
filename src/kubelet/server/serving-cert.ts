/**
 * @module kubelet/server/serving-cert
 *
 * The kubelet API's serving certificate when none is given: self-signed, as upstream kubelet's
 * default (no --tls-cert-file). The API server does not verify kubelet serving certificates
 * (upstream's behaviour without --kubelet-certificate-authority), so this only encrypts; client
 * certificates are what is checked. One certificate per process serves every virtual node.
 */
// @peculiar/x509 needs the reflect-metadata polyfill loaded before it is evaluated.
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { createPrivateKey } from 'node:crypto';

export interface ServingKeyPair {
  readonly certPem: string;
  readonly keyPem: string;
}

const ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
let shared: Promise<ServingKeyPair> | undefined;

export function selfSignedServingCert(): Promise<ServingKeyPair> {
  shared ??= create();
  return shared;
}

async function create(): Promise<ServingKeyPair> {
  const crypto = globalThis.crypto;
  x509.cryptoProvider.set(crypto);
  const keys = await crypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify']);
  const now = Date.now();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: Buffer.from(crypto.getRandomValues(new Uint8Array(16))).toString('hex').replace(/^[89a-f]/, '1'),
    name: `CN=tskube-kubelet@${Math.floor(now / 1000)}`,
    notBefore: new Date(now - 60_000),
    notAfter: new Date(now + 365 * 24 * 3600_000),
    keys,
    signingAlgorithm: ALGORITHM,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
    ],
  });
  const pkcs8 = Buffer.from(await crypto.subtle.exportKey('pkcs8', keys.privateKey));
  const keyPem = createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' }).export({ format: 'pem', type: 'pkcs8' }).toString();
  return { certPem: cert.toString('pem'), keyPem };
}
