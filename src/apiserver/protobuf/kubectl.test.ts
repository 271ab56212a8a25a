/**
 * The decoder against the real kubectl 1.32: every `kubectl create` generator that sends protobuf
 * posts to a fake server, and the captured body must decode to exactly the JSON that
 * `kubectl create ... --dry-run=client -o json` prints for the same command (kubectl marshals the
 * same Go object both ways), key order included. Commands without a dry run (`create token`,
 * `auth can-i`) are compared with the JSON upstream's types marshal to, written out here.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { decodeKubernetesProtobuf, kubernetesProtobufContentType } from './decode.js';
import { startFakeApiServer, type CapturedRequest, type FakeApiServer } from './testing/fake-apiserver.js';

const run = promisify(execFile);
const kubectlPath = '/usr/bin/kubectl';

describe('kubectl 1.32 protobuf bodies', { skip: !existsSync(kubectlPath) && `${kubectlPath} is not installed` }, () => {
  let server: FakeApiServer;
  let home: string;

  before(async () => {
    server = await startFakeApiServer();
    // A fresh HOME: kubectl caches /version and discovery per server URL under ~/.kube/cache.
    home = await mkdtemp(join(tmpdir(), 'tskube-protobuf-kubectl-'));
  });
  after(async () => {
    await server?.close();
    if (home !== undefined) await rm(home, { recursive: true, force: true });
  });

  async function kubectl(args: readonly string[]): Promise<string> {
    const { stdout } = await run(kubectlPath, ['--server', server.url, ...args], {
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home },
      timeout: 60_000,
    });
    return stdout;
  }

  /** Runs a command that must POST exactly once, as protobuf, from kubectl 1.32. */
  async function capturePost(args: readonly string[]): Promise<CapturedRequest> {
    const first = server.posts.length;
    await kubectl(args);
    const posts = server.posts.slice(first);
    assert.equal(posts.length, 1, `one POST from kubectl ${args.join(' ')}`);
    const post = posts[0]!;
    assert.equal(post.contentType, kubernetesProtobufContentType);
    assert.match(post.userAgent, /^kubectl\/v1\.32\./, 'the dispatcher ran kubectl 1.32');
    return post;
  }

  /** Adds flags before a `--` that starts the container command, or at the end. */
  function withFlags(args: readonly string[], flags: readonly string[]): string[] {
    const dashes = args.indexOf('--');
    return dashes === -1 ? [...args, ...flags] : [...args.slice(0, dashes), ...flags, ...args.slice(dashes)];
  }

  function assertSameJson(actual: unknown, expected: unknown): void {
    assert.deepEqual(actual, expected);
    assert.equal(JSON.stringify(actual), JSON.stringify(expected), 'same key order as Go marshals');
  }

  const generators: readonly (readonly string[])[] = [
    ['create', 'deployment', 'web', '--image=tskube/echo', '--replicas=6', '--port=8080'],
    ['create', 'deployment', 'multi', '--image=tskube/a', '--image=tskube/b'],
    ['create', 'deployment', 'cmd', '--image=busybox', '--', 'sh', '-c', 'sleep 3600'],
    ['create', 'namespace', 'team-a'],
    ['create', 'configmap', 'settings', '--from-literal=mode=fast', '--from-literal=level=3'],
    ['create', 'secret', 'generic', 'creds', '--from-literal=user=admin', '--from-literal=password=s3cr=t'],
    ['create', 'secret', 'generic', 'typed', '--type=example.com/custom', '--from-literal=k=v'],
    ['create', 'secret', 'docker-registry', 'pull', '--docker-server=r.example.com', '--docker-username=u', '--docker-password=p'],
    ['create', 'serviceaccount', 'builder'],
    ['create', 'service', 'clusterip', 'web', '--tcp=80:8080'],
    ['create', 'service', 'clusterip', 'headless', '--clusterip=None'],
    ['create', 'service', 'nodeport', 'np', '--tcp=80:http', '--node-port=30080'],
    ['create', 'service', 'externalname', 'ext', '--external-name=example.com'],
    ['create', 'job', 'once', '--image=busybox', '--', 'echo', 'hi'],
    ['create', 'quota', 'q', '--hard=pods=10,cpu=2,memory=1Gi', '--scopes=NotBestEffort'],
    ['create', 'priorityclass', 'high', '--value=1000', '--description=top', '--preemption-policy=Never'],
    ['create', 'poddisruptionbudget', 'web', '--selector=app=web', '--min-available=2'],
    ['create', 'pdb', 'pct', '--selector=app=web,tier in (a,b)', '--max-unavailable=25%'],
    ['create', 'priorityclass', 'default-low', '--value=10', '--global-default'],
  ];

  for (const args of generators) {
    test(`kubectl ${args.join(' ')} decodes to its --dry-run=client JSON`, async () => {
      const expected: unknown = JSON.parse(await kubectl(withFlags(args, ['--dry-run=client', '-o', 'json'])));
      const post = await capturePost(args);
      const decoded = decodeKubernetesProtobuf(post.body);
      assertSameJson(decoded.object, expected);
      assert.equal(decoded.kind, (expected as { kind: string }).kind);
      assert.equal(decoded.apiVersion, (expected as { apiVersion: string }).apiVersion);
    });
  }

  test('kubectl create configmap --from-file with binary content decodes binaryData as base64', async () => {
    const file = join(home, 'blob.bin');
    await writeFile(file, Buffer.from([0x00, 0xff, 0xfe, 0x62, 0x69, 0x6e]));
    const args = ['create', 'configmap', 'blob', `--from-file=${file}`, '--from-literal=a=b'];
    const expected: unknown = JSON.parse(await kubectl([...args, '--dry-run=client', '-o', 'json']));
    assert.deepEqual((expected as { binaryData: unknown }).binaryData, { 'blob.bin': 'AP/+Ymlu' });
    assertSameJson(decodeKubernetesProtobuf((await capturePost(args)).body).object, expected);
  });

  // `create token` has no dry run: the expected JSON is what authentication/v1 TokenRequest marshals
  // to, whose spec fields have no omitempty (nil is null) and whose status is a struct.
  test('kubectl create token default decodes to an empty TokenRequest', async () => {
    const post = await capturePost(['create', 'token', 'default']);
    assert.match(post.url, /^\/api\/v1\/namespaces\/default\/serviceaccounts\/default\/token(\?|$)/);
    assertSameJson(decodeKubernetesProtobuf(post.body).object, {
      kind: 'TokenRequest',
      apiVersion: 'authentication.k8s.io/v1',
      metadata: { creationTimestamp: null },
      spec: { audiences: null, expirationSeconds: null, boundObjectRef: null },
      status: { token: '', expirationTimestamp: null },
    });
  });

  test('kubectl create token with audiences, duration and a bound object decodes every spec field', async () => {
    const post = await capturePost([
      'create',
      'token',
      'default',
      '--audience=api',
      '--audience=vault',
      '--duration=10m',
      '--bound-object-kind=Pod',
      '--bound-object-name=web-0',
      '--bound-object-uid=0b5c6f3e-1d2a-4c8e-9f00-000000000001',
    ]);
    assertSameJson(decodeKubernetesProtobuf(post.body).object, {
      kind: 'TokenRequest',
      apiVersion: 'authentication.k8s.io/v1',
      metadata: { creationTimestamp: null },
      spec: {
        audiences: ['api', 'vault'],
        expirationSeconds: 600,
        boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'web-0', uid: '0b5c6f3e-1d2a-4c8e-9f00-000000000001' },
      },
      status: { token: '', expirationTimestamp: null },
    });
  });

  test('kubectl auth can-i decodes to a SelfSubjectAccessReview', async () => {
    const first = server.posts.length;
    // The fake server echoes the review without status.allowed, so kubectl answers "no" and exits 1.
    await assert.rejects(kubectl(['auth', 'can-i', 'create', 'deployments.apps', '--subresource=scale']));
    const post = server.posts[first];
    assert.ok(post !== undefined && post.contentType === kubernetesProtobufContentType);
    assertSameJson(decodeKubernetesProtobuf(post.body).object, {
      kind: 'SelfSubjectAccessReview',
      apiVersion: 'authorization.k8s.io/v1',
      metadata: { creationTimestamp: null },
      spec: {
        resourceAttributes: {
          namespace: 'default',
          verb: 'create',
          group: 'apps',
          resource: 'deployments',
          subresource: 'scale',
        },
      },
      status: { allowed: false },
    });
  });
});
