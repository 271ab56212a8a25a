/**
 * @module apiserver/pki/crypto
 *
 * The single entry point to @peculiar/x509 and the bridge between the three key representations
 * the PKI code meets: PEM text on disk, node:crypto KeyObjects (which parse any PEM flavour and
 * are what node:tls consumes) and WebCrypto CryptoKeys (which @peculiar/x509 signs with).
 *
 * Every other PKI module imports x509 from here, never from the package, because the package
 * needs the `reflect-metadata` polyfill installed before it is evaluated.
 */
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { createPrivateKey, createPublicKey, X509Certificate, type KeyObject, type webcrypto } from 'node:crypto';
import { pkiErrors } from './errors.js';

x509.cryptoProvider.set(globalThis.crypto);

export { x509 };

type CryptoKey = webcrypto.CryptoKey;

/** A WebCrypto signing algorithm, with the hash the certificate signature uses. */
export type SigningAlgorithm =
  | { readonly name: 'ECDSA'; readonly namedCurve: 'P-256' | 'P-384'; readonly hash: 'SHA-256' | 'SHA-384' }
  | { readonly name: 'RSASSA-PKCS1-v1_5'; readonly hash: 'SHA-256' };

/** New keys are ECDSA P-256: small, fast to generate, accepted by node:tls, Go and OpenSSL. */
export const DEFAULT_KEY_ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const satisfies SigningAlgorithm;

export interface KeyPair {
  readonly privateKey: CryptoKey;
  readonly publicKey: CryptoKey;
  readonly algorithm: SigningAlgorithm;
  /** The same private key for node:crypto (certificate/key matching). */
  readonly keyObject: KeyObject;
  /** PKCS#8 PEM, the form node:tls and kubeconfig `client-key-data` accept. */
  readonly privateKeyPem: string;
}

export async function generateKeyPair(): Promise<KeyPair> {
  const algorithm = DEFAULT_KEY_ALGORITHM;
  const keys = await crypto.subtle.generateKey({ ...algorithm }, true, ['sign', 'verify']);
  const der = Buffer.from(await crypto.subtle.exportKey('pkcs8', keys.privateKey));
  const keyObject = createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
  const privateKeyPem = keyObject.export({ format: 'pem', type: 'pkcs8' }).toString();
  return { privateKey: keys.privateKey, publicKey: keys.publicKey, algorithm, keyObject, privateKeyPem };
}

/**
 * Parses a private key in any PEM flavour node understands (PKCS#8, SEC1 "EC PRIVATE KEY", PKCS#1
 * "RSA PRIVATE KEY"), so an operator can bring a CA made by kubeadm or openssl.
 */
export async function importPrivateKeyPem(pem: string, label: string): Promise<KeyPair> {
  let key: KeyObject;
  try {
    key = createPrivateKey(pem);
  } catch (cause) {
    throw pkiErrors.invalidFile(label, 'private key', cause);
  }
  const algorithm = signingAlgorithmFor(key, label);
  const privateKey = await crypto.subtle.importKey(
    'pkcs8',
    key.export({ format: 'der', type: 'pkcs8' }),
    { ...algorithm },
    false,
    ['sign'],
  );
  const publicKey = await crypto.subtle.importKey(
    'spki',
    createPublicKey(key).export({ format: 'der', type: 'spki' }),
    { ...algorithm },
    true,
    ['verify'],
  );
  const privateKeyPem = key.export({ format: 'pem', type: 'pkcs8' }).toString();
  return { privateKey, publicKey, algorithm, keyObject: key, privateKeyPem };
}

export function parseCertificatePem(pem: string, label: string): X509Certificate {
  try {
    return new X509Certificate(pem);
  } catch (cause) {
    throw pkiErrors.invalidFile(label, 'PEM certificate', cause);
  }
}

/** PEM text of a generated certificate, newline-terminated like openssl and node write it. */
export function certificateToPem(cert: x509.X509Certificate): string {
  return new X509Certificate(Buffer.from(cert.rawData)).toString();
}

function signingAlgorithmFor(key: KeyObject, label: string): SigningAlgorithm {
  if (key.asymmetricKeyType === 'rsa') return { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' };
  if (key.asymmetricKeyType === 'ec') {
    const curve = key.asymmetricKeyDetails?.namedCurve;
    if (curve === 'prime256v1') return { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
    if (curve === 'secp384r1') return { name: 'ECDSA', namedCurve: 'P-384', hash: 'SHA-384' };
    throw pkiErrors.unsupportedKey(label, `EC curve ${curve ?? 'unknown'}`);
  }
  throw pkiErrors.unsupportedKey(label, `key type ${key.asymmetricKeyType ?? 'unknown'}`);
}
