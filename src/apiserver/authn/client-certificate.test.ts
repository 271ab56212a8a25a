import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { PeerCertificate } from 'node:tls';
import { createCertificateAuthority, ensurePki, issueClientCertificate, issueServingCertificate, type Pki } from '../pki/index.js';
import type { TlsPeer } from './authenticator.js';
import { clientCertificateAuthenticator } from './client-certificate.js';
import { AuthnConfigError, isAuthenticationError } from './errors.js';
import { newRequestAuthenticator } from './request-authenticator.js';
import { http1Get, http2Get, startTlsServer, type TlsServer } from './testing/tls-fixture.js';
import { parseTokenFile } from './token-file.js';

describe('client certificate and token authentication over real TLS', () => {
  let dir: string;
  let pki: Pki;
  let server: TlsServer;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tskube-authn-'));
    pki = await ensurePki({ dir: join(dir, 'pki'), hosts: [] });
    const tokens = parseTokenFile('s3cret-token,alice,uid-1,"dev,ops"\n', 'test tokens');
    server = await startTlsServer({
      certPem: pki.serving.certPem,
      keyPem: pki.serving.keyPem,
      clientCaPem: pki.ca.certPem,
      authenticator: newRequestAuthenticator({ clientCaPem: pki.ca.certPem, tokenFile: tokens.authenticator }),
    });
  });

  after(async () => {
    await server?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const adminUser = {
    name: 'kubernetes-admin',
    groups: ['system:masters', 'system:authenticated'],
  };

  test('the admin certificate authenticates as kubernetes-admin over HTTP/2', async () => {
    const answer = await http2Get(server.url, {
      caPem: pki.ca.certPem,
      certPem: pki.admin.certPem,
      keyPem: pki.admin.keyPem,
    });
    assert.equal(answer.status, 200);
    assert.deepEqual(answer.body.user, adminUser);
    assert.equal(answer.body.httpVersion, '2.0');
  });

  test('the admin certificate authenticates as kubernetes-admin over HTTP/1.1 on the same port', async () => {
    const answer = await http1Get(server.url, {
      caPem: pki.ca.certPem,
      certPem: pki.admin.certPem,
      keyPem: pki.admin.keyPem,
    });
    assert.equal(answer.status, 200);
    assert.deepEqual(answer.body.user, adminUser);
    assert.equal(answer.body.httpVersion, '1.1');
  });

  test('a node certificate carries every organization as a group', async () => {
    const node = await issueClientCertificate(pki.ca, {
      commonName: 'system:node:worker-1',
      organizations: ['system:nodes', 'rack-7'],
      validityDays: 1,
    });
    const answer = await http2Get(server.url, { caPem: pki.ca.certPem, certPem: node.certPem, keyPem: node.keyPem });
    assert.deepEqual(answer.body.user, {
      name: 'system:node:worker-1',
      groups: ['system:nodes', 'rack-7', 'system:authenticated'],
    });
  });

  test('no certificate and no token is anonymous: the authenticator returns undefined', async () => {
    for (const get of [http2Get, http1Get]) {
      const answer = await get(server.url, { caPem: pki.ca.certPem });
      assert.equal(answer.status, 401);
      assert.deepEqual(answer.body, { reason: 'Unauthorized', tlsAuthorized: false });
    }
  });

  test('a certificate from another CA is anonymous, not an error', async () => {
    const otherCa = await createCertificateAuthority({ commonName: 'tskube-ca' });
    const impostor = await issueClientCertificate(otherCa, {
      commonName: 'kubernetes-admin',
      organizations: ['system:masters'],
      validityDays: 1,
    });
    const answer = await http2Get(server.url, { caPem: pki.ca.certPem, certPem: impostor.certPem, keyPem: impostor.keyPem });
    assert.equal(answer.status, 401);
    assert.deepEqual(answer.body, { reason: 'Unauthorized', tlsAuthorized: false });
  });

  test('a serving certificate offered as a client certificate authenticates nobody', async () => {
    const serving = await issueServingCertificate(pki.ca, {
      commonName: 'kubernetes-admin',
      subjectAltNames: { dnsNames: ['localhost'], ipAddresses: [] },
    });
    const answer = await http2Get(server.url, { caPem: pki.ca.certPem, certPem: serving.certPem, keyPem: serving.keyPem });
    assert.equal(answer.status, 401);
    // OpenSSL's purpose check already refuses it at the handshake; the authenticator's own
    // extended-key-usage check is covered below with a fake peer.
    assert.equal(answer.body.tlsAuthorized, false);
  });

  test('a bearer token from the token file authenticates, over both protocols', async () => {
    for (const get of [http2Get, http1Get]) {
      const answer = await get(server.url, {
        caPem: pki.ca.certPem,
        headers: { authorization: 'Bearer s3cret-token' },
      });
      assert.equal(answer.status, 200);
      assert.deepEqual(answer.body.user, { name: 'alice', uid: 'uid-1', groups: ['dev', 'ops', 'system:authenticated'] });
    }
  });

  test('an unknown bearer token is a 401 with a reason, not anonymous', async () => {
    const answer = await http2Get(server.url, { caPem: pki.ca.certPem, headers: { authorization: 'Bearer nope' } });
    assert.equal(answer.status, 401);
    assert.equal(answer.body.code, 'InvalidBearerToken');
  });

  test('a valid certificate wins over a bad token on the same request', async () => {
    const answer = await http2Get(server.url, {
      caPem: pki.ca.certPem,
      certPem: pki.admin.certPem,
      keyPem: pki.admin.keyPem,
      headers: { authorization: 'Bearer nope' },
    });
    assert.equal(answer.status, 200);
    assert.deepEqual(answer.body.user, adminUser);
  });
});

describe('client certificate authenticator defences', () => {
  let dir: string;
  let pki: Pki;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tskube-authn-'));
    pki = await ensurePki({ dir, hosts: [] });
  });
  after(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test('a CA the TLS layer trusts but the authenticator does not is not enough', async (t) => {
    // The server trusts both CAs for the handshake (as a server that forgot `ca` trusts the
    // public web roots); only the cluster CA may vouch for users.
    const otherCa = await createCertificateAuthority();
    const outsider = await issueClientCertificate(otherCa, { commonName: 'mallory', validityDays: 1 });
    const server = await startTlsServer({
      certPem: pki.serving.certPem,
      keyPem: pki.serving.keyPem,
      clientCaPem: [pki.ca.certPem, otherCa.certPem],
      authenticator: clientCertificateAuthenticator({ clientCaPem: pki.ca.certPem }),
    });
    t.after(() => server.close());
    const answer = await http2Get(server.url, { caPem: pki.ca.certPem, certPem: outsider.certPem, keyPem: outsider.keyPem });
    assert.deepEqual(answer.body, { reason: 'Unauthorized', tlsAuthorized: true });
    const admin = await http2Get(server.url, { caPem: pki.ca.certPem, certPem: pki.admin.certPem, keyPem: pki.admin.keyPem });
    assert.deepEqual(admin.body.user, { name: 'kubernetes-admin', groups: ['system:masters'] });
  });

  test('a certificate that expired while its connection stayed open is rejected per request', async () => {
    const later = new Date(Date.now() + 400 * 24 * 60 * 60 * 1000);
    const authenticator = clientCertificateAuthenticator({ clientCaPem: pki.ca.certPem, now: () => later });
    await assert.rejects(authenticator.authenticate({ socket: peerOf(pki.admin.certPem), headers: {} }), (err) =>
      isAuthenticationError(err, 'InvalidClientCertificate'),
    );
  });

  test('only socket.authorized === true is trusted', async () => {
    const authenticator = clientCertificateAuthenticator({ clientCaPem: pki.ca.certPem });
    const socket = { ...peerOf(pki.admin.certPem), authorized: false };
    assert.equal(await authenticator.authenticate({ socket, headers: {} }), undefined);
    assert.equal(await authenticator.authenticate({ socket: {}, headers: {} }), undefined);
  });

  test('a certificate issued for server auth only is rejected even if TLS let it through', async () => {
    const serving = await issueServingCertificate(pki.ca, { subjectAltNames: { dnsNames: ['x'], ipAddresses: [] } });
    const authenticator = clientCertificateAuthenticator({ clientCaPem: pki.ca.certPem });
    await assert.rejects(authenticator.authenticate({ socket: peerOf(serving.certPem), headers: {} }), (err) =>
      isAuthenticationError(err, 'InvalidClientCertificate'),
    );
  });

  test('an empty client CA bundle is a configuration error', () => {
    assert.throws(() => clientCertificateAuthenticator({ clientCaPem: '' }), AuthnConfigError);
  });
});

/**
 * A TlsPeer that presents `certPem` as verified, with the subject shaped as node shapes it
 * (repeated attributes as arrays), for cases real TLS cannot produce on demand.
 */
function peerOf(certPem: string): TlsPeer {
  const cert = new X509Certificate(certPem);
  const subject: Record<string, string | string[]> = {};
  for (const line of cert.subject.split('\n')) {
    const [key = '', value = ''] = line.split('=');
    const existing = subject[key];
    subject[key] = existing === undefined ? value : [...(Array.isArray(existing) ? existing : [existing]), value];
  }
  return {
    authorized: true,
    getPeerCertificate: () => ({
      raw: cert.raw,
      fingerprint256: cert.fingerprint256,
      valid_from: cert.validFrom,
      valid_to: cert.validTo,
      // Node's declarations type each attribute as a string; at runtime repeats are arrays.
      subject: subject as unknown as PeerCertificate['subject'],
    }),
  };
}
