/**
 * @module apiserver/protobuf/testing/fake-apiserver
 *
 * Just enough of an API server for the real kubectl to create objects against: `/version` (1.32,
 * so the installed kubectl dispatcher runs kubectl 1.32), legacy discovery for the resources
 * `kubectl create` needs, a GET for the `default` ServiceAccount (`kubectl create token` reads it
 * first), and POSTs that are captured, decoded with the protobuf decoder and echoed back as JSON.
 * Plain HTTP on 127.0.0.1, an ephemeral port; for tests only.
 */
import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { decodeKubernetesProtobuf, kubernetesProtobufContentType } from '../decode.js';
import { isProtobufDecodeError } from '../errors.js';

export interface CapturedRequest {
  readonly method: string;
  /** Path and query, as sent. */
  readonly url: string;
  readonly contentType: string;
  /** Says which kubectl sent it: `kubectl/v1.32.4 (linux/amd64) kubernetes/...`. */
  readonly userAgent: string;
  readonly body: Buffer;
}

export interface FakeApiServer {
  /** `http://127.0.0.1:<port>`. */
  readonly url: string;
  /** Every POST, in arrival order. */
  readonly posts: readonly CapturedRequest[];
  close(): Promise<void>;
}

interface ResourceEntry {
  readonly name: string;
  readonly singularName: string;
  readonly namespaced: boolean;
  readonly kind: string;
  readonly verbs: readonly string[];
  readonly group?: string;
  readonly version?: string;
  readonly shortNames?: readonly string[];
}

const verbs = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];
const resource = (name: string, singularName: string, kind: string, namespaced = true, shortNames?: string[]): ResourceEntry => ({
  name,
  singularName,
  namespaced,
  kind,
  verbs,
  ...(shortNames && { shortNames }),
});

/** Legacy discovery, per group version: each resource before its subresources (see kubectl-compat §1.3). */
const groupVersions: Readonly<Record<string, readonly ResourceEntry[]>> = {
  v1: [
    resource('namespaces', 'namespace', 'Namespace', false, ['ns']),
    resource('configmaps', 'configmap', 'ConfigMap', true, ['cm']),
    resource('secrets', 'secret', 'Secret'),
    resource('serviceaccounts', 'serviceaccount', 'ServiceAccount', true, ['sa']),
    {
      name: 'serviceaccounts/token',
      singularName: '',
      namespaced: true,
      group: 'authentication.k8s.io',
      version: 'v1',
      kind: 'TokenRequest',
      verbs: ['create'],
    },
    resource('services', 'service', 'Service', true, ['svc']),
    resource('resourcequotas', 'resourcequota', 'ResourceQuota', true, ['quota']),
  ],
  'apps/v1': [resource('deployments', 'deployment', 'Deployment', true, ['deploy'])],
  'batch/v1': [resource('jobs', 'job', 'Job')],
  'scheduling.k8s.io/v1': [resource('priorityclasses', 'priorityclass', 'PriorityClass', false, ['pc'])],
  'authentication.k8s.io/v1': [resource('tokenreviews', 'tokenreview', 'TokenReview', false)],
  'authorization.k8s.io/v1': [resource('selfsubjectaccessreviews', 'selfsubjectaccessreview', 'SelfSubjectAccessReview', false)],
};

const apiGroupList = {
  kind: 'APIGroupList',
  apiVersion: 'v1',
  groups: Object.keys(groupVersions)
    .filter((gv) => gv.includes('/'))
    .map((groupVersion) => {
      const [name = '', version = ''] = groupVersion.split('/');
      const v = { groupVersion, version };
      return { name, versions: [v], preferredVersion: v };
    }),
};

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

const status = (code: number, reason: string, message: string) => ({
  kind: 'Status',
  apiVersion: 'v1',
  metadata: {},
  status: 'Failure',
  message,
  reason,
  code,
});

function handleGet(path: string, res: ServerResponse): void {
  if (path === '/version') {
    return sendJson(res, 200, { major: '1', minor: '32', gitVersion: 'v1.32.0', platform: 'linux/amd64' });
  }
  if (path === '/api') return sendJson(res, 200, { kind: 'APIVersions', versions: ['v1'] });
  if (path === '/apis') return sendJson(res, 200, apiGroupList);
  const gv = path === '/api/v1' ? 'v1' : path.startsWith('/apis/') ? path.slice('/apis/'.length) : undefined;
  const resources = gv === undefined ? undefined : groupVersions[gv];
  if (resources !== undefined && gv !== undefined) {
    return sendJson(res, 200, { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: gv, resources });
  }
  const sa = /^\/api\/v1\/namespaces\/([^/]+)\/serviceaccounts\/([^/]+)$/.exec(path);
  if (sa !== null) {
    return sendJson(res, 200, {
      kind: 'ServiceAccount',
      apiVersion: 'v1',
      metadata: { name: sa[2], namespace: sa[1], uid: '00000000-0000-0000-0000-000000000001' },
    });
  }
  sendJson(res, 404, status(404, 'NotFound', 'the server could not find the requested resource'));
}

function handlePost(req: CapturedRequest, res: ServerResponse): void {
  if (req.contentType !== kubernetesProtobufContentType) {
    return sendJson(res, 201, JSON.parse(req.body.toString('utf8')));
  }
  try {
    const { object } = decodeKubernetesProtobuf(req.body);
    // kubectl create token prints status.token from the reply.
    if (object.kind === 'TokenRequest') object.status = { token: 'fake-token', expirationTimestamp: '2030-01-01T00:00:00Z' };
    sendJson(res, 201, object);
  } catch (err) {
    if (!isProtobufDecodeError(err)) throw err;
    const code = err.code === 'UnknownKind' ? 415 : 400;
    sendJson(res, code, status(code, code === 415 ? 'UnsupportedMediaType' : 'BadRequest', err.message));
  }
}

export async function startFakeApiServer(): Promise<FakeApiServer> {
  const posts: CapturedRequest[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = req.url ?? '/';
      const path = new URL(url, 'http://x').pathname;
      try {
        if (req.method === 'GET') return handleGet(path, res);
        if (req.method === 'POST') {
          const captured: CapturedRequest = {
            method: 'POST',
            url,
            contentType: (req.headers['content-type'] ?? '').split(';')[0]!.trim(),
            userAgent: req.headers['user-agent'] ?? '',
            body: Buffer.concat(chunks),
          };
          posts.push(captured);
          return handlePost(captured, res);
        }
        sendJson(res, 405, status(405, 'MethodNotAllowed', `${req.method ?? ''} is not supported here`));
      } catch (err) {
        sendJson(res, 500, status(500, 'InternalError', err instanceof Error ? err.message : String(err)));
      }
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    posts,
    async close() {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}
