/**
 * @module images/echo/server
 *
 * The tskube/echo HTTP server. Every path answers with JSON naming the pod, namespace, node and
 * zone that served it and echoing the request; /healthz and /readyz are for probes. Query
 * parameters shape an answer: `?status=503` sets its status, `?delayMs=500` delays it (an
 * in-flight request for graceful-shutdown tests). One line per request goes to stdout.
 *
 * Shutdown is graceful: stop accepting connections, let in-flight requests finish (their answers
 * say `Connection: close`), close idle keep-alive connections, then resolve.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { hostname } from 'node:os';
import type { EchoOptions } from './options.js';

export interface EchoServer {
  readonly server: Server;
  readonly address: AddressInfo;
  /** Readiness turns 503 at once; the listener closes after the shutdown delay. */
  shutdown(): Promise<void>;
}

export async function startEchoServer(options: EchoOptions, startedAt: number): Promise<EchoServer> {
  let shuttingDown = false;
  const server = createServer((req, res) => handle(req, res));

  function handle(req: IncomingMessage, res: ServerResponse): void {
    const began = Date.now();
    const url = new URL(req.url ?? '/', 'http://echo');
    res.on('finish', () => {
      const remote = `${req.socket.remoteAddress ?? '-'}`;
      process.stdout.write(`${new Date().toISOString()} ${remote} "${req.method} ${req.url} HTTP/${req.httpVersion}" ${res.statusCode} ${Date.now() - began}ms\n`);
      // Shutting down: a keep-alive connection whose answer is done closes now, not after its
      // keep-alive timeout (it may have been busy when the listener closed).
      if (shuttingDown) setImmediate(() => server.closeIdleConnections());
    });
    if (shuttingDown) res.setHeader('Connection', 'close');
    const uptime = Date.now() - startedAt;
    if (url.pathname === '/healthz') {
      const failing = options.failLivenessAfterMs !== undefined && uptime >= options.failLivenessAfterMs;
      return reply(res, failing ? 500 : 200, failing ? 'unhealthy\n' : 'ok\n');
    }
    if (url.pathname === '/readyz') {
      const ready = !shuttingDown && !options.failReadiness && uptime >= options.readyAfterMs;
      return reply(res, ready ? 200 : 503, ready ? 'ok\n' : shuttingDown ? 'shutting down\n' : 'not ready\n');
    }
    const status = Number(url.searchParams.get('status') ?? 200);
    const delayMs = Number(url.searchParams.get('delayMs') ?? 0);
    const body = `${JSON.stringify({
      pod: options.pod,
      namespace: options.namespace,
      node: options.node,
      zone: options.zone,
      podIP: options.podIP,
      hostname: process.env.HOSTNAME || hostname(),
      ...(options.message === undefined ? {} : { message: options.message }),
      request: { method: req.method, path: req.url, headers: req.headers, remoteAddress: req.socket.remoteAddress },
    }, null, 2)}\n`;
    const code = Number.isInteger(status) && status >= 100 && status <= 599 ? status : 200;
    if (!(Number.isFinite(delayMs) && delayMs > 0)) return reply(res, code, body, 'application/json');
    // A delayed answer sends its headers at once and its body later: the client knows its
    // request is in flight (what graceful-shutdown tests wait for).
    res.writeHead(code, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
    res.flushHeaders();
    const timer = setTimeout(() => res.end(body), Math.min(delayMs, 10 * 60_000));
    res.once('close', () => clearTimeout(timer));
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });

  return {
    server,
    address: server.address() as AddressInfo,
    async shutdown() {
      shuttingDown = true;
      if (options.shutdownDelayMs > 0) await new Promise((resolve) => setTimeout(resolve, options.shutdownDelayMs));
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      // Idle keep-alive connections close now; busy ones after their answer (Connection: close).
      server.closeIdleConnections();
      await closed;
    },
  };
}

function reply(res: ServerResponse, status: number, body: string, type = 'text/plain; charset=utf-8'): void {
  res.writeHead(status, { 'Content-Type': type, 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}
