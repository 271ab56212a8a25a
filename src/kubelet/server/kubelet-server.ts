/**
 * @module kubelet/server/kubelet-server
 *
 * The kubelet API of one node: HTTPS on the node's address, every request authenticated by a
 * client certificate signed by the cluster CA (the API server presents its
 * kube-apiserver-kubelet-client certificate). Routes, as upstream kubelet's:
 *   GET /healthz
 *   GET /containerLogs/{namespace}/{pod}/{container}
 *   GET|POST /exec/{namespace}/{pod}/{container}   (WebSocket upgrade)
 *   GET|POST /attach/{namespace}/{pod}/{container} (WebSocket upgrade)
 *   GET|POST /portForward/{namespace}/{pod}        (WebSocket or SPDY upgrade)
 * A process running many virtual nodes runs one of these per node.
 */
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import { createLogger, type Logger } from '../../log.js';
import { serveContainerLogs } from './container-logs.js';
import { upgradeAttach } from './attach.js';
import { kubeletErrors, rejectUpgrade, sendKubeletError, toKubeletError } from './errors.js';
import { upgradeExec } from './exec.js';
import type { KubeletPodLookup } from './lookup.js';
import { upgradePortForward } from './port-forward.js';
import { selfSignedServingCert, type ServingKeyPair } from './serving-cert.js';

export interface KubeletServerOptions {
  /** The node's address (host mode: its loopback InternalIP, e.g. 127.0.1.3). */
  readonly host: string;
  /** 0 (default) picks a free port; report the actual one as status.daemonEndpoints.kubeletEndpoint.Port. */
  readonly port?: number;
  readonly lookup: KubeletPodLookup;
  /** The cluster CA (PEM) that must have signed every client certificate (upstream's --client-ca-file). */
  readonly clientCaPem: string | Buffer;
  /** Serving certificate and key (upstream's --tls-cert-file/--tls-private-key-file); default self-signed. */
  readonly tls?: ServingKeyPair;
  readonly log?: Logger;
}

export interface RunningKubeletServer {
  readonly host: string;
  readonly port: number;
  close(): Promise<void>;
}

export async function startKubeletServer(options: KubeletServerOptions): Promise<RunningKubeletServer> {
  const log = options.log ?? createLogger('kubelet-server');
  const tls = options.tls ?? (await selfSignedServingCert());
  const stop = new AbortController();
  const sockets = new Set<Duplex>();
  const server: Server = createServer({
    cert: tls.certPem,
    key: tls.keyPem,
    ca: options.clientCaPem,
    requestCert: true,
    // Checked per request instead, so a missing certificate gets a 401 rather than a TLS alert.
    rejectUnauthorized: false,
  });
  server.on('secureConnection', (socket: TLSSocket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    void handleRequest(req, res).catch((err: unknown) => {
      const error = toKubeletError(err);
      if (error.code >= 500) log.error({ err, url: req.url }, 'kubelet API request failed');
      if (res.headersSent) res.destroy();
      else sendKubeletError(res, error);
    });
  });
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    try {
      handleUpgrade(req, socket, head);
    } catch (err) {
      const error = toKubeletError(err);
      if (error.code >= 500) log.error({ err, url: req.url }, 'kubelet API upgrade failed');
      rejectUpgrade(socket, error);
    }
  });

  async function handleRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!authorized(req)) throw kubeletErrors.unauthorized();
    const { route, query } = parse(req);
    if (route[0] === 'healthz' && route.length === 1) {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('ok');
      return;
    }
    if (route[0] === 'containerLogs' && route.length === 4) {
      return serveContainerLogs(req, res, { namespace: route[1]!, pod: route[2]!, container: route[3]! }, query, options.lookup);
    }
    if (route[0] === 'exec' || route[0] === 'attach' || route[0] === 'portForward') throw kubeletErrors.badRequest('Upgrade request required');
    throw kubeletErrors.notFound(`no route for ${req.url ?? ''}`);
  }

  function handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    if (!authorized(req)) throw kubeletErrors.unauthorized();
    const { route, query } = parse(req);
    if (route[0] === 'exec' && route.length === 4) {
      return upgradeExec(req, socket, head, { namespace: route[1]!, pod: route[2]!, container: route[3]! }, query, options.lookup, log);
    }
    if (route[0] === 'attach' && route.length === 4) {
      return upgradeAttach(req, socket, head, { namespace: route[1]!, pod: route[2]!, container: route[3]! }, query, options.lookup, log);
    }
    if (route[0] === 'portForward' && route.length === 3) {
      return upgradePortForward(req, socket, head, { namespace: route[1]!, pod: route[2]! }, options.lookup, log, stop.signal);
    }
    throw kubeletErrors.notFound(`no route for ${req.url ?? ''}`);
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  log.debug({ host: options.host, port }, 'kubelet API listening');
  return {
    host: options.host,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        stop.abort();
        server.close(() => resolve());
        // Followed logs, exec and attach sessions and tunnels would keep close() waiting.
        for (const socket of sockets) socket.destroy();
      }),
  };
}

function authorized(req: IncomingMessage): boolean {
  return (req.socket as TLSSocket).authorized === true;
}

function parse(req: IncomingMessage): { route: string[]; query: URLSearchParams } {
  const url = new URL(req.url ?? '/', 'https://kubelet');
  const route = url.pathname
    .split('/')
    .filter((p) => p.length > 0)
    .map((p) => decodeURIComponent(p));
  return { route, query: url.searchParams };
}
