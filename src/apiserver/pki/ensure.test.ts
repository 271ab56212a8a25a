import assert from 'node:assert/strict';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, stat, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { generateKeyPair, x509 } from './crypto.js';
import { ensurePki, pkiPaths, type Pki } from './ensure.js';
import { isPkiError } from './errors.js';

const DAY = 24 * 60 * 60 * 1000;

describe('ensurePki', () => {
  let root: string;
  let dir: string;

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'tskube-pki-'));
    dir = join(root, 'pki');
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  test('first start creates the CA, the serving cert and the admin cert', async () => {
    const pki = await ensurePki({ dir, hosts: ['10.0.0.5', 'API.example.com', 'fd00::10'] });
    assert.deepEqual(
      pki.generated.map((g) => g.component),
      ['ca', 'serving', 'admin'],
    );

    const ca = new X509Certificate(pki.ca.certPem);
    assert.equal(ca.subject, 'CN=tskube-ca');
    assert.equal(ca.ca, true);
    assert.ok(Date.parse(ca.validTo) - Date.now() > 9 * 365 * DAY, 'CA lives about ten years');

    const serving = new X509Certificate(pki.serving.certPem);
    assert.ok(serving.checkIssued(ca) && serving.verify(ca.publicKey));
    assert.deepEqual(serving.keyUsage, ['1.3.6.1.5.5.7.3.1']);
    assert.deepEqual(sanOf(pki.serving.certPem), [
      'dns:localhost',
      'dns:kubernetes',
      'dns:kubernetes.default',
      'dns:kubernetes.default.svc',
      'dns:kubernetes.default.svc.cluster.local',
      'dns:api.example.com',
      'ip:127.0.0.1',
      'ip:::1',
      'ip:10.0.0.5',
      'ip:fd00::10',
    ]);

    const admin = new X509Certificate(pki.admin.certPem);
    assert.equal(admin.subject, 'O=system:masters\nCN=kubernetes-admin');
    assert.deepEqual(admin.keyUsage, ['1.3.6.1.5.5.7.3.2']);
    assert.ok(admin.checkIssued(ca) && admin.verify(ca.publicKey));

    for (const pem of [pki.ca.keyPem, pki.serving.keyPem, pki.admin.keyPem]) {
      assert.match(pem, /^-----BEGIN PRIVATE KEY-----\n/, 'PKCS#8 PEM');
      assert.equal(createPrivateKey(pem).asymmetricKeyDetails?.namedCurve, 'prime256v1');
    }
  });

  test('files: kubeadm names, keys 0600, certs 0644, directory 0700, no temp files left', async () => {
    const pki = await ensurePki({ dir, hosts: [] });
    assert.deepEqual((await readdir(dir)).sort(), [
      'admin.crt',
      'admin.key',
      'apiserver.crt',
      'apiserver.key',
      'ca.crt',
      'ca.key',
    ]);
    const paths = pki.paths;
    for (const key of [paths.caKey, paths.servingKey, paths.adminKey]) assert.equal(await modeOf(key), 0o600, key);
    for (const cert of [paths.caCert, paths.servingCert, paths.adminCert]) assert.equal(await modeOf(cert), 0o644, cert);
    assert.equal(await modeOf(dir), 0o700);
    assert.equal(await readFile(paths.caCert, 'utf8'), pki.ca.certPem);
    assert.equal(await readFile(paths.servingKey, 'utf8'), pki.serving.keyPem);
  });

  test('a second start reuses everything', async () => {
    const first = await ensurePki({ dir, hosts: ['10.0.0.5'] });
    const second = await ensurePki({ dir, hosts: ['10.0.0.5'] });
    assert.deepEqual(second.generated, []);
    assert.equal(fingerprint(second.ca.certPem), fingerprint(first.ca.certPem));
    assert.equal(second.serving.certPem, first.serving.certPem);
    assert.equal(second.admin.certPem, first.admin.certPem);
  });

  test('a newly configured host re-issues only the serving cert, from the same CA', async () => {
    const first = await ensurePki({ dir, hosts: ['10.0.0.5'] });
    const second = await ensurePki({ dir, hosts: ['10.0.0.5', 'node-a.internal'] });
    assert.deepEqual(second.generated, [
      { component: 'serving', reason: 'lacks subject alternative names node-a.internal' },
    ]);
    assert.equal(fingerprint(second.ca.certPem), fingerprint(first.ca.certPem));
    assert.equal(second.admin.certPem, first.admin.certPem);
    assert.ok(sanOf(second.serving.certPem).includes('dns:node-a.internal'));
    const ca = new X509Certificate(second.ca.certPem);
    assert.ok(new X509Certificate(second.serving.certPem).verify(ca.publicKey));
    // Dropping a host is no reason to re-issue; the same IP written differently is the same host.
    const third = await ensurePki({ dir, hosts: ['[::1]', '0:0::1'] });
    assert.deepEqual(third.generated, []);
  });

  test('certificates within 30 days of expiry are re-issued; the CA is kept', async () => {
    const first = await ensurePki({ dir, hosts: [] });
    const at = (days: number) => () => new Date(Date.now() + days * DAY);
    assert.deepEqual((await ensurePki({ dir, hosts: [], now: at(300) })).generated, []);
    const renewed = await ensurePki({ dir, hosts: [], now: at(340) });
    assert.deepEqual(
      renewed.generated.map((g) => g.component),
      ['serving', 'admin'],
    );
    assert.match(renewed.generated[0]?.reason ?? '', /^expires /);
    assert.equal(fingerprint(renewed.ca.certPem), fingerprint(first.ca.certPem));
    const validTo = Date.parse(new X509Certificate(renewed.serving.certPem).validTo);
    assert.ok(validTo > Date.now() + 700 * DAY, 'the new cert counts from the injected clock');
  });

  test('a serving key that does not match its cert (crash between the two writes) is repaired', async () => {
    const first = await ensurePki({ dir, hosts: [] });
    await writeFile(first.paths.servingKey, (await generateKeyPair()).privateKeyPem);
    const second = await ensurePki({ dir, hosts: [] });
    assert.deepEqual(second.generated, [{ component: 'serving', reason: 'key does not match certificate' }]);
    assert.ok(new X509Certificate(second.serving.certPem).checkPrivateKey(createPrivateKey(second.serving.keyPem)));
  });

  test('a lost CA certificate is re-created from the CA key; issued certs stay valid', async () => {
    const first = await ensurePki({ dir, hosts: [] });
    await unlink(first.paths.caCert);
    const second = await ensurePki({ dir, hosts: [] });
    assert.deepEqual(
      second.generated.map((g) => g.component),
      ['ca'],
    );
    assert.equal(second.serving.certPem, first.serving.certPem);
    assert.ok(new X509Certificate(first.admin.certPem).checkIssued(new X509Certificate(second.ca.certPem)));
  });

  test('a CA certificate without its key is an error, and nothing is replaced', async () => {
    const first = await ensurePki({ dir, hosts: [] });
    await unlink(first.paths.caKey);
    await assert.rejects(ensurePki({ dir, hosts: [] }), (err) => isPkiError(err, 'MissingCaKey'));
    assert.equal(await readFile(first.paths.caCert, 'utf8'), first.ca.certPem);
  });

  test('a CA key that belongs to another certificate is an error', async () => {
    const first = await ensurePki({ dir, hosts: [] });
    await writeFile(first.paths.caKey, (await generateKeyPair()).privateKeyPem);
    await assert.rejects(ensurePki({ dir, hosts: [] }), (err) => isPkiError(err, 'KeyMismatch'));
  });

  test('an expired CA is an error that names the file; one about to expire is a warning', async () => {
    await ensurePki({ dir, hosts: [] });
    const soon: Pki = await ensurePki({ dir, hosts: [], now: () => new Date(Date.now() + 3640 * DAY) });
    assert.equal(soon.warnings.length, 1);
    assert.match(soon.warnings[0] ?? '', /ca\.crt expires/);
    await assert.rejects(
      ensurePki({ dir, hosts: [], now: () => new Date(Date.now() + 3700 * DAY) }),
      (err) => isPkiError(err, 'UnusableCa') && err.path === pkiPaths(dir).caCert,
    );
  });

  test('an invalid host fails before anything is written', async () => {
    for (const host of ['https://api.example.com', 'api.example.com:6443', 'under_score.example', '', 'fe80::1%eth0']) {
      await assert.rejects(ensurePki({ dir, hosts: [host] }), (err) => isPkiError(err, 'InvalidHost'), host);
    }
    await assert.rejects(stat(dir), { code: 'ENOENT' });
  });
});

function sanOf(certPem: string): string[] {
  const san = new x509.X509Certificate(certPem).getExtension(x509.SubjectAlternativeNameExtension);
  return (san?.names.items ?? []).map((n) => `${n.type}:${n.value}`);
}

function fingerprint(certPem: string): string {
  return new X509Certificate(certPem).fingerprint256;
}

async function modeOf(path: string): Promise<number> {
  return (await stat(path)).mode & 0o777;
}
