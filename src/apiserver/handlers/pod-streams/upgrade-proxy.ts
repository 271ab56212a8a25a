/**
 * @module apiserver/handlers/pod-streams/upgrade-proxy
 *
 * pods/{name}/exec, pods/{name}/attach and pods/{name}/portforward: HTTP/1.1 upgrade requests
 * (kubectl 1.32 tries a WebSocket first — `v5.channel.k8s.io` for exec and attach,
 * `SPDY/3.1+portforward.k8s.io` for port-forward — then falls back to `Upgrade: SPDY/3.1`).
 * The API server checks the request against the pod, then passes the upgrade to the node's
 * kubelet and, once the kubelet answers, splices the two connections together byte for byte
 * (upstream's upgrade-aware proxy): whatever protocol the kubelet agreed to runs end to end. A
 * kubelet that refuses answers the client directly (its Status passes through), and either side
 * closing closes the other.
 */
import { connect, type TLSSocket } from 'node:tls';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { ApiError, apiErrors } from '../../../api/errors.js';
import { isPlainObject } from '../../../api/object.js';
import type { Registry } from '../../../registry/registry.js';
import type { ResourceRequest } from '../../request-info.js';
import { selectContainer } from './containers.js';
import type { KubeletClient } from './kubelet-client.js';

/** Request headers the kubelet needs to agree to the same upgrade. */
const FORWARDED_HEADERS = [
  'upgrade',
  'connection',
  'sec-websocket-key',
  'sec-websocket-version',
  'sec-websocket-protocol',
  'x-stream-protocol-version',
] as const;

export const STREAMING_SUBRESOURCES = new Set(['exec', 'attach', 'portforward']);

/** The kubelet paths of the container-bound subresources, and the query keys passed on to them. */
const CONTAINER_STREAMS: Readonly<Record<string, { readonly path: string; readonly keys: readonly string[] }>> = {
  exec: { path: 'exec', keys: ['command', 'stdin', 'stdout', 'stderr', 'tty'] },
  attach: { path: 'attach', keys: ['stdin', 'stdout', 'stderr', 'tty'] },
};

export interface UpgradeDeps {
  readonly registry: Registry;
  readonly kubelet: KubeletClient;
}

/** Resolves where the upgrade goes, then splices; throws an ApiError before anything was sent. */
export async function proxyPodUpgrade(
  req: IncomingMessage,
  client: Duplex,
  head: Buffer,
  info: ResourceRequest,
  query: URLSearchParams,
  deps: UpgradeDeps,
): Promise<void> {
  const sub = info.subresource!;
  if (info.verb !== 'get' && info.verb !== 'create') {
    throw apiErrors.methodNotAllowed(req.method ?? '', { group: '', plural: `pods/${sub}` });
  }
  const name = info.name!;
  const namespace = info.namespace!;
  const pod = await deps.registry.store('', 'v1', 'pods')!.get(namespace, name);
  const spec = isPlainObject(pod.spec) ? pod.spec : {};
  let path: string;
  const containerStream = CONTAINER_STREAMS[sub];
  if (containerStream) {
    const container = selectContainer(pod, query.get('container'));
    const forwarded = new URLSearchParams();
    for (const key of containerStream.keys) for (const value of query.getAll(key)) forwarded.append(key, value);
    path = `/${containerStream.path}/${[namespace, name, container].map(encodeURIComponent).join('/')}?${forwarded.toString()}`;
  } else {
    path = `/portForward/${[namespace, name].map(encodeURIComponent).join('/')}`;
  }
  const nodeName = typeof spec.nodeName === 'string' ? spec.nodeName : '';
  if (!nodeName) throw apiErrors.badRequest(`pod ${name} does not have a host assigned`);
  const location = await deps.kubelet.locate(deps.registry, nodeName);
  const { certPem, keyPem } = await deps.kubelet.clientCertificate();

  const kubelet = await new Promise<TLSSocket>((resolve, reject) => {
    const socket = connect({
      host: location.host,
      port: location.port,
      cert: certPem,
      key: keyPem,
      rejectUnauthorized: false,
      ALPNProtocols: ['http/1.1'],
    });
    socket.once('secureConnect', () => {
      socket.off('error', reject);
      resolve(socket);
    });
    socket.once('error', (err) =>
      reject(new ApiError(500, 'InternalError', `error dialing backend: dial tcp ${location.host}:${location.port}: ${err.message}`)),
    );
  });

  const lines = [`${req.method ?? 'GET'} ${path} HTTP/1.1`, `Host: ${location.host}:${location.port}`];
  for (const header of FORWARDED_HEADERS) {
    const value = req.headers[header];
    for (const v of ([] as string[]).concat(value ?? [])) lines.push(`${header}: ${v}`);
  }
  kubelet.write(`${lines.join('\r\n')}\r\n\r\n`);
  if (head.length > 0) kubelet.write(head);
  splice(client, kubelet);
}

/** Pipes both ways; the first side to close or fail closes the other. */
function splice(client: Duplex, kubelet: TLSSocket): void {
  const close = () => {
    client.destroy();
    kubelet.destroy();
  };
  client.on('error', close);
  kubelet.on('error', close);
  client.once('close', close);
  kubelet.once('close', close);
  client.pipe(kubelet);
  kubelet.pipe(client);
}

/** Answers an upgrade request that will not be upgraded, on the raw socket, with a Status. */
export function rejectUpgrade(socket: Duplex, err: ApiError): void {
  const body = JSON.stringify(err.toStatus());
  const reason = err.reason.replace(/[^\w ]/g, '');
  socket.end(
    `HTTP/1.1 ${err.code} ${reason}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
  );
}
