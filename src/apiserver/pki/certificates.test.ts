import assert from 'node:assert/strict';
import { generateKeyPairSync, X509Certificate } from 'node:crypto';
import { describe, test } from 'node:test';
import {
  createCertificateAuthority,
  issueClientCertificate,
  issueServingCertificate,
  type CertificateAuthority,
} from './certificates.js';
import { isPkiError } from './errors.js';

const DAY = 24 * 60 * 60 * 1000;

describe('issueClientCertificate', () => {
  test('issues a node agent certificate: CN system:node:<name>, O system:nodes, clientAuth', async () => {
    const ca = await createCertificateAuthority();
    const now = new Date('2030-01-01T00:00:00Z');
    const node = await issueClientCertificate(ca, {
      commonName: 'system:node:worker-1',
      organizations: ['system:nodes'],
      validityDays: 30,
      now: () => now,
    });
    const cert = new X509Certificate(node.certPem);
    assert.equal(cert.subject, 'O=system:nodes\nCN=system:node:worker-1');
    assert.deepEqual(cert.keyUsage, ['1.3.6.1.5.5.7.3.2']);
    assert.equal(cert.ca, false);
    assert.equal(cert.subjectAltName, undefined);
    assert.equal(Date.parse(cert.validTo), now.getTime() + 30 * DAY);
    assert.ok(Date.parse(cert.validFrom) < now.getTime(), 'backdated for clock skew');
    assert.ok(cert.verify(new X509Certificate(ca.certPem).publicKey));
  });

  test('subject values that need escaping in a DN string are carried verbatim', async () => {
    const ca = await createCertificateAuthority();
    const cert = await issueClientCertificate(ca, {
      commonName: 'jane, doe=admin+x',
      organizations: ['team "a"', 'ünïcode', '#00ff', 'back\\slash'],
      validityDays: 1,
    });
    const { x509 } = await import('./crypto.js');
    const parsed = new x509.X509Certificate(cert.certPem);
    assert.deepEqual(parsed.subjectName.getField('CN'), ['jane, doe=admin+x']);
    assert.deepEqual(parsed.subjectName.getField('O'), ['team "a"', 'ünïcode', '#00ff', 'back\\slash']);
  });

  test('never outlives the CA', async () => {
    const ca = await createCertificateAuthority({ validityDays: 10 });
    const cert = await issueClientCertificate(ca, { commonName: 'x', validityDays: 365 });
    assert.equal(new X509Certificate(cert.certPem).validTo, new X509Certificate(ca.certPem).validTo);
  });

  test('rejects an empty common name and a non-positive validity', async () => {
    const ca = await createCertificateAuthority();
    await assert.rejects(issueClientCertificate(ca, { commonName: ' ', validityDays: 1 }), (err) =>
      isPkiError(err, 'InvalidArgument'),
    );
    await assert.rejects(issueClientCertificate(ca, { commonName: 'x', validityDays: 0 }), (err) =>
      isPkiError(err, 'InvalidArgument'),
    );
  });

  test('rejects a CA whose key belongs to another certificate, or a non-CA certificate', async () => {
    const a = await createCertificateAuthority();
    const b = await createCertificateAuthority();
    await assert.rejects(issueClientCertificate({ certPem: a.certPem, keyPem: b.keyPem }, { commonName: 'x', validityDays: 1 }), (err) =>
      isPkiError(err, 'KeyMismatch'),
    );
    const leaf = await issueClientCertificate(a, { commonName: 'x', validityDays: 1 });
    await assert.rejects(
      issueClientCertificate({ certPem: leaf.certPem, keyPem: leaf.keyPem }, { commonName: 'y', validityDays: 1 }),
      (err) => isPkiError(err, 'UnusableCa'),
    );
    await assert.rejects(issueClientCertificate({ certPem: 'nope', keyPem: a.keyPem }, { commonName: 'y', validityDays: 1 }), (err) =>
      isPkiError(err, 'InvalidFile'),
    );
  });
});

describe('a CA brought by the operator', () => {
  for (const [label, keyPem] of [
    ['RSA 2048 in PKCS#1 PEM (kubeadm)', generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs1', format: 'pem' })],
    ['ECDSA P-384 in SEC1 PEM (openssl ecparam)', generateKeyPairSync('ec', { namedCurve: 'secp384r1' }).privateKey.export({ type: 'sec1', format: 'pem' })],
  ] as const) {
    test(`signs leaves with a ${label} key`, async () => {
      const ca: CertificateAuthority = await createCertificateAuthority({ keyPem: keyPem.toString() });
      const serving = await issueServingCertificate(ca, { subjectAltNames: { dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'] } });
      const caCert = new X509Certificate(ca.certPem);
      const cert = new X509Certificate(serving.certPem);
      assert.ok(cert.checkIssued(caCert) && cert.verify(caCert.publicKey));
      assert.equal(cert.checkHost('localhost'), 'localhost');
      assert.equal(cert.checkIP('127.0.0.1'), '127.0.0.1');
    });
  }

  test('an Ed25519 key is refused with a clear error', async () => {
    const keyPem = generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    await assert.rejects(createCertificateAuthority({ keyPem }), (err) => isPkiError(err, 'UnsupportedKey'));
  });
});
