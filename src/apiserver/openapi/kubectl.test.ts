/**
 * The installed kubectl against the served OpenAPI documents, through a bare HTTP server that
 * answers only what kubectl needs: /version (the installed kubectl dispatches on it), legacy
 * discovery for pods and deployments, /openapi/v3 and the group/version documents, and one
 * Deployment for client-side apply.
 */
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openApiDocument, openApiRoot } from './document.js';

const KUBECTL = process.env.KUBECTL ?? 'kubectl';
const kubectlMissing = spawnSync(KUBECTL, ['version', '--client'], { encoding: 'utf8', timeout: 30_000 }).status !== 0;

const LEGACY_DISCOVERY: Record<string, object> = {
  '/version': { major: '1', minor: '32', gitVersion: 'v1.32.0' },
  '/api': { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: '127.0.0.1' }] },
  '/apis': {
    kind: 'APIGroupList',
    apiVersion: 'v1',
    groups: [{ name: 'apps', versions: [{ groupVersion: 'apps/v1', version: 'v1' }], preferredVersion: { groupVersion: 'apps/v1', version: 'v1' } }],
  },
  '/api/v1': {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion: 'v1',
    resources: [{ name: 'pods', singularName: 'pod', namespaced: true, kind: 'Pod', verbs: ['get', 'list', 'patch'], shortNames: ['po'] }],
  },
  '/apis/apps/v1': {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion: 'apps/v1',
    resources: [{ name: 'deployments', singularName: 'deployment', namespaced: true, kind: 'Deployment', verbs: ['create', 'get', 'list', 'patch'] }],
  },
};

const DEPLOYMENT_PATH = '/apis/apps/v1/namespaces/default/deployments/web';

/** The live Deployment, as a previous `kubectl apply` left it (env A and B, a rolling update). */
function liveDeployment(): object {
  const applied = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { annotations: {}, name: 'web', namespace: 'default' },
    spec: {
      selector: { matchLabels: { app: 'web' } },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1 } },
      template: {
        metadata: { labels: { app: 'web' } },
        spec: { containers: [{ name: 'web', image: 'nginx', env: [{ name: 'A', value: '1' }, { name: 'B', value: '2' }] }] },
      },
    },
  };
  const annotations = { 'kubectl.kubernetes.io/last-applied-configuration': `${JSON.stringify(applied)}\n` };
  return { ...applied, metadata: { ...applied.metadata, annotations, uid: 'uid-1', resourceVersion: '7', creationTimestamp: '2024-01-01T00:00:00Z' } };
}

interface Recorded {
  readonly method: string;
  readonly url: string;
  readonly contentType: string | undefined;
  readonly body: string;
}

describe('kubectl reads the served OpenAPI documents', { skip: kubectlMissing && `${KUBECTL} is not installed` }, () => {
  let server: Server;
  let home: string;
  let serverUrl: string;
  const requests: Recorded[] = [];

  function handle(req: IncomingMessage, res: ServerResponse, body: string): void {
    const url = new URL(req.url ?? '/', 'http://localhost');
    requests.push({ method: req.method ?? '', url: req.url ?? '', contentType: req.headers['content-type'], body });
    const send = (code: number, payload: string | object) => {
      res.writeHead(code, { 'content-type': 'application/json' });
      res.end(typeof payload === 'string' ? payload : JSON.stringify(payload));
    };
    const document = url.pathname.startsWith('/openapi/v3/') ? openApiDocument(url.pathname.slice('/openapi/v3/'.length)) : undefined;
    if (document) return send(200, document.body);
    if (url.pathname === '/openapi/v3') return send(200, openApiRoot());
    if (url.pathname === DEPLOYMENT_PATH) return send(200, liveDeployment());
    const discovery = LEGACY_DISCOVERY[url.pathname];
    if (discovery) return send(200, discovery);
    send(404, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', reason: 'NotFound', code: 404, message: 'the server could not find the requested resource' });
  }

  before(async () => {
    home = mkdtempSync(join(tmpdir(), 'tskube-openapi-'));
    server = createServer((req, res) => {
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (chunk: string) => (body += chunk));
      req.on('end', () => handle(req, res, body));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    serverUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  after(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    rmSync(home, { recursive: true, force: true });
  });

  /** Runs kubectl against the test server without blocking it (the server lives in this process). */
  function kubectl(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    const env = { ...process.env, HOME: home, KUBECONFIG: join(home, 'no-kubeconfig') };
    return new Promise((resolve) => {
      execFile(KUBECTL, ['--server', serverUrl, ...args], { env, timeout: 60_000 }, (err, stdout, stderr) => {
        resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
      });
    });
  }

  it('explain pod.spec.containers shows the field docs from the api/v1 document', async () => {
    const res = await kubectl(['explain', 'pod.spec.containers']);
    assert.equal(res.code, 0, res.stderr);
    assert.match(res.stdout, /^KIND:\s+Pod$/m);
    assert.match(res.stdout, /^VERSION:\s+v1$/m);
    assert.match(res.stdout, /^FIELD: containers <\[\]Container>$/m);
    assert.match(res.stdout, /List of containers belonging to the pod\./);
    assert.match(res.stdout, /^ {2}name\t<string> -required-$/m);
    assert.match(res.stdout, /^ {2}image\t<string>$/m);
    assert.match(res.stdout, /Container image name\./);
    assert.match(res.stdout, /^ {2}env\t<\[\]EnvVar>$/m);
    assert.match(res.stdout, /^ {2}resources\t<ResourceRequirements>$/m);
    const hash = openApiDocument('api/v1')?.hash;
    assert.ok(requests.some((r) => r.url.startsWith(`/openapi/v3/api/v1?hash=${hash}`)), 'fetched the document by its hashed URL');
  });

  it('explain deployment.spec.strategy shows the apps/v1 docs, down to IntOrString fields', async () => {
    const res = await kubectl(['explain', 'deployment.spec.strategy']);
    assert.equal(res.code, 0, res.stderr);
    assert.match(res.stdout, /^GROUP:\s+apps$/m);
    assert.match(res.stdout, /^KIND:\s+Deployment$/m);
    assert.match(res.stdout, /^FIELD: strategy <DeploymentStrategy>$/m);
    assert.match(res.stdout, /The deployment strategy to use to replace existing pods with new ones\./);
    assert.match(res.stdout, /^ {2}rollingUpdate\t<RollingUpdateDeployment>$/m);
    assert.match(res.stdout, /^ {2}type\t<string>$/m);

    const surge = await kubectl(['explain', 'deployment.spec.strategy.rollingUpdate.maxSurge']);
    assert.equal(surge.code, 0, surge.stderr);
    assert.match(surge.stdout, /^FIELD: maxSurge <IntOrString>$/m);
    assert.match(surge.stdout, /maximum number of pods that can be scheduled above the desired number/);
  });

  it('apply asks for strict server validation and merges lists by the served merge keys', async () => {
    const manifest = join(home, 'web.yaml');
    writeFileSync(
      manifest,
      `apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: default}
spec:
  selector: {matchLabels: {app: web}}
  strategy: {type: Recreate}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: web
        image: nginx
        env: [{name: B, value: "2"}, {name: C, value: "3"}]
      - name: sidecar
        image: busybox
`,
    );
    const res = await kubectl(['apply', '-f', manifest]);
    assert.equal(res.code, 0, res.stderr);
    const patch = requests.find((r) => r.method === 'PATCH' && r.url.startsWith(DEPLOYMENT_PATH));
    assert.ok(patch, `no PATCH among ${requests.map((r) => `${r.method} ${r.url}`).join(', ')}`);
    assert.equal(patch.contentType, 'application/strategic-merge-patch+json');
    assert.equal(new URL(patch.url, serverUrl).searchParams.get('fieldValidation'), 'Strict');
    const body = JSON.parse(patch.body) as { spec: { strategy: unknown; template: { spec: Record<string, unknown> } } };
    // strategy is retainKeys: switching to Recreate drops rollingUpdate.
    assert.deepEqual(body.spec.strategy, { $retainKeys: ['type'], rollingUpdate: null, type: 'Recreate' });
    const podSpec = body.spec.template.spec;
    // containers merge by name, env by name: only the differences travel, with the final order.
    assert.deepEqual(podSpec['$setElementOrder/containers'], [{ name: 'web' }, { name: 'sidecar' }]);
    assert.deepEqual(podSpec.containers, [
      {
        '$setElementOrder/env': [{ name: 'B' }, { name: 'C' }],
        env: [{ name: 'C', value: '3' }, { $patch: 'delete', name: 'A' }],
        name: 'web',
      },
      { image: 'busybox', name: 'sidecar' },
    ]);
  });
});
