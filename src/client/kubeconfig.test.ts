/**
 * Kubeconfig loading: embedded data and files relative to the kubeconfig, tokens, contexts, and
 * errors that say what is wrong.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { stringify } from 'yaml';
import { KubeconfigError, loadKubeconfig, parseKubeconfig } from './kubeconfig.js';

const dir = mkdtempSync(join(tmpdir(), 'tskube-kubeconfig-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const b64 = (s: string) => Buffer.from(s).toString('base64');

function config(overrides: { cluster?: object; user?: object; context?: object; current?: string } = {}): string {
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      { name: 'one', cluster: { server: 'https://10.0.0.1:6443', 'certificate-authority-data': b64('CA'), ...overrides.cluster } },
      { name: 'two', cluster: { server: 'https://10.0.0.2:6443', 'insecure-skip-tls-verify': true } },
    ],
    users: [
      { name: 'admin', user: { 'client-certificate-data': b64('CERT'), 'client-key-data': b64('KEY'), ...overrides.user } },
      { name: 'bot', user: { token: 'secret-token' } },
    ],
    contexts: [
      { name: 'main', context: { cluster: 'one', user: 'admin', ...overrides.context } },
      { name: 'other', context: { cluster: 'two', user: 'bot', namespace: 'kube-system' } },
    ],
    'current-context': overrides.current ?? 'main',
  });
}

describe('kubeconfig', () => {
  it('reads the current context with embedded credentials', async () => {
    const c = await parseKubeconfig(config());
    assert.equal(c.server, 'https://10.0.0.1:6443');
    assert.equal(c.ca?.toString(), 'CA');
    assert.equal(c.cert?.toString(), 'CERT');
    assert.equal(c.key?.toString(), 'KEY');
    assert.equal(c.namespace, 'default');
    assert.equal(c.contextName, 'main');
  });

  it('reads another context, with a token and a namespace', async () => {
    const c = await parseKubeconfig(config(), { context: 'other' });
    assert.equal(c.server, 'https://10.0.0.2:6443');
    assert.equal(c.token, 'secret-token');
    assert.equal(c.insecureSkipTLSVerify, true);
    assert.equal(c.namespace, 'kube-system');
  });

  it('reads certificate, key and token files relative to the kubeconfig', async () => {
    writeFileSync(join(dir, 'ca.crt'), 'CA-FILE');
    writeFileSync(join(dir, 'admin.crt'), 'CERT-FILE');
    writeFileSync(join(dir, 'admin.key'), 'KEY-FILE');
    writeFileSync(join(dir, 'token'), 'file-token\n');
    const path = join(dir, 'config');
    writeFileSync(
      path,
      config({
        cluster: { 'certificate-authority-data': undefined, 'certificate-authority': 'ca.crt' },
        user: { 'client-certificate-data': undefined, 'client-key-data': undefined, 'client-certificate': 'admin.crt', 'client-key': join(dir, 'admin.key'), tokenFile: 'token' },
      }),
    );
    const c = await loadKubeconfig({ path });
    assert.equal(c.ca?.toString(), 'CA-FILE');
    assert.equal(c.cert?.toString(), 'CERT-FILE');
    assert.equal(c.key?.toString(), 'KEY-FILE');
    assert.equal(c.token, 'file-token');
  });

  it('says what is wrong', async () => {
    await assert.rejects(parseKubeconfig(config({ current: 'nope' })), (e: unknown) => e instanceof KubeconfigError && /no context named "nope"/.test(e.message));
    await assert.rejects(parseKubeconfig(config({ cluster: { server: 'ftp://x' } })), /not an http\(s\) URL/);
    await assert.rejects(parseKubeconfig(config({ user: { 'client-key-data': undefined } })), /certificate without a key/);
    await assert.rejects(parseKubeconfig(config({ user: { exec: { command: 'aws' } } })), /exec or auth-provider/);
    await assert.rejects(parseKubeconfig('- just a list'), /not a kubeconfig/);
    await assert.rejects(loadKubeconfig({ path: join(dir, 'missing') }), /cannot read kubeconfig/);
  });
});
