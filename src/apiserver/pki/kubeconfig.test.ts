import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { statSync } from 'node:fs';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { newRequestAuthenticator } from '../authn/request-authenticator.js';
import { reply, startTlsServer, type TlsServer } from '../authn/testing/tls-fixture.js';
import { createCertificateAuthority, issueClientCertificate } from './certificates.js';
import { ensurePki, type Pki } from './ensure.js';
import { isPkiError } from './errors.js';
import { renderKubeconfig, writeKubeconfig, type KubeconfigOptions } from './kubeconfig.js';

const run = promisify(execFile);

function optionsFor(pki: Pki, server: string): KubeconfigOptions {
  return {
    server,
    caPem: pki.ca.certPem,
    clientCertPem: pki.admin.certPem,
    clientKeyPem: pki.admin.keyPem,
    clusterName: 'tskube',
    userName: 'kubernetes-admin',
    contextName: 'kubernetes-admin@tskube',
  };
}

describe('kubeconfig', () => {
  let dir: string;
  let pki: Pki;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tskube-kubeconfig-'));
    pki = await ensurePki({ dir: join(dir, 'pki'), hosts: [] });
  });
  after(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test('is a v1 Config with embedded, base64 credentials and a current context', async () => {
    const path = join(dir, 'admin.conf');
    await writeKubeconfig(path, { ...optionsFor(pki, 'https://127.0.0.1:6443'), namespace: 'kube-system' });
    assert.equal((await stat(path)).mode & 0o777, 0o600);
    const config = parse(await readFile(path, 'utf8'));
    const decode = (b64: string) => Buffer.from(b64, 'base64').toString('utf8');
    assert.equal(config.apiVersion, 'v1');
    assert.equal(config.kind, 'Config');
    assert.equal(config['current-context'], 'kubernetes-admin@tskube');
    assert.deepEqual(config.contexts, [
      {
        name: 'kubernetes-admin@tskube',
        context: { cluster: 'tskube', user: 'kubernetes-admin', namespace: 'kube-system' },
      },
    ]);
    assert.equal(config.clusters[0].name, 'tskube');
    assert.equal(config.clusters[0].cluster.server, 'https://127.0.0.1:6443');
    assert.equal(decode(config.clusters[0].cluster['certificate-authority-data']), pki.ca.certPem);
    assert.equal(config.users[0].name, 'kubernetes-admin');
    assert.equal(decode(config.users[0].user['client-certificate-data']), pki.admin.certPem);
    assert.equal(decode(config.users[0].user['client-key-data']), pki.admin.keyPem);
  });

  test('rewriting replaces the file atomically and keeps it private', async () => {
    const path = join(dir, 'nested', 'dir', 'config');
    await writeKubeconfig(path, optionsFor(pki, 'https://127.0.0.1:6443'));
    await writeKubeconfig(path, optionsFor(pki, 'https://127.0.0.1:7443'));
    assert.equal(parse(await readFile(path, 'utf8')).clusters[0].cluster.server, 'https://127.0.0.1:7443');
    assert.equal((await stat(path)).mode & 0o777, 0o600);
  });

  test('refuses a server that is not https and empty names', () => {
    assert.throws(() => renderKubeconfig(optionsFor(pki, 'http://127.0.0.1:6443')), (err) => isPkiError(err, 'InvalidArgument'));
    assert.throws(() => renderKubeconfig(optionsFor(pki, '127.0.0.1:6443')), (err) => isPkiError(err, 'InvalidArgument'));
    assert.throws(() => renderKubeconfig({ ...optionsFor(pki, 'https://x'), contextName: '' }), (err) => isPkiError(err, 'InvalidArgument'));
  });
});

const kubectl = findOnPath('kubectl');

describe('kubectl accepts the generated certificates and kubeconfig', { skip: kubectl === undefined && 'kubectl not on PATH' }, () => {
  let dir: string;
  let pki: Pki;
  let server: TlsServer;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tskube-kubectl-'));
    pki = await ensurePki({ dir: join(dir, 'pki'), hosts: [] });
    server = await startTlsServer({
      certPem: pki.serving.certPem,
      keyPem: pki.serving.keyPem,
      clientCaPem: pki.ca.certPem,
      authenticator: newRequestAuthenticator({ clientCaPem: pki.ca.certPem }),
      onAuthenticated: (req, res, user) => {
        if (req.url !== '/version') return reply(res, 404, { reason: 'NotFound' });
        res.setHeader('x-authenticated-user', user.name);
        reply(res, 200, { major: '1', minor: '32', gitVersion: 'v1.32.0' });
      },
    });
  });
  after(async () => {
    await server?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  async function kubectlGetVersion(kubeconfig: string): Promise<{ code: number; stdout: string; stderr: string }> {
    const home = await mkdtemp(join(dir, 'home-'));
    try {
      const { stdout, stderr } = await run(kubectl ?? 'kubectl', ['--kubeconfig', kubeconfig, 'get', '--raw', '/version'], {
        env: { PATH: process.env.PATH ?? '', HOME: home },
        timeout: 30_000,
      });
      return { code: 0, stdout, stderr };
    } catch (err) {
      const failure = err as { code?: number; stdout?: string; stderr?: string };
      return { code: failure.code ?? -1, stdout: failure.stdout ?? '', stderr: failure.stderr ?? '' };
    }
  }

  for (const host of ['127.0.0.1', 'localhost']) {
    test(`kubectl get --raw /version succeeds via ${host} with the admin kubeconfig`, async () => {
      const path = join(dir, `admin-${host}.conf`);
      await writeKubeconfig(path, optionsFor(pki, `https://${host}:${server.port}`));
      const result = await kubectlGetVersion(path);
      assert.equal(result.code, 0, result.stderr);
      assert.deepEqual(JSON.parse(result.stdout), { major: '1', minor: '32', gitVersion: 'v1.32.0' });
    });
  }

  test('kubectl with a client certificate from another CA gets 401 Unauthorized', async () => {
    const otherCa = await createCertificateAuthority();
    const impostor = await issueClientCertificate(otherCa, {
      commonName: 'kubernetes-admin',
      organizations: ['system:masters'],
      validityDays: 1,
    });
    const path = join(dir, 'impostor.conf');
    await writeKubeconfig(path, {
      ...optionsFor(pki, server.url),
      clientCertPem: impostor.certPem,
      clientKeyPem: impostor.keyPem,
    });
    const result = await kubectlGetVersion(path);
    assert.notEqual(result.code, 0);
    assert.match(result.stderr, /You must be logged in to the server/);
  });

  test('kubectl refuses a server whose certificate another CA signed', async () => {
    const otherCa = await createCertificateAuthority();
    const path = join(dir, 'wrong-ca.conf');
    await writeKubeconfig(path, { ...optionsFor(pki, server.url), caPem: otherCa.certPem });
    const result = await kubectlGetVersion(path);
    assert.notEqual(result.code, 0);
    assert.match(result.stderr, /certificate signed by unknown authority/);
  });
});

function findOnPath(command: string): string | undefined {
  for (const entry of (process.env.PATH ?? '').split(delimiter)) {
    const candidate = join(entry, command);
    try {
      // Synchronous on purpose: the result decides, at load time, whether the suite is skipped.
      if (statSync(candidate).isFile()) return candidate;
    } catch {
      // not in this PATH entry
    }
  }
  return undefined;
}
