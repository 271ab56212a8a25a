/**
 * @module images/echo/server
 *
 * The tskube/echo HTTP server. Every path answers with JSON naming the pod, namespace, node and
 * zone that served it and echoing the request; /healthz and /readyz are for probes. Query
 * parameters shape an answer: `?status=503` sets its status, `?delayMs=500` delays it (an
 * in-flight request for graceful-shutdown tests). One line per request goes to stdout.
 *
 * Shutdown is graceful: stop accepting connections, let in-flight requests finish, answer every
 * request from then on with `Connection: close` (the connection closes cleanly after that answer),
 * and close a keep-alive connection only once it has been idle for SHUTDOWN_IDLE_CLOSE_MS. Not at
 * once, as `http.Server#close` does since Node 19: a client keeps sending on its keep-alive
 * connection, and closing it while its next request is on the way makes that request fail with
 * ECONNRESET — the failed requests of seed 001's rollouts. A client that keeps sending gets its
 * close with an answer; only one idle for a second races with the close, as with any keep-alive
 * timeout.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { Server as NetServer, type AddressInfo, type Socket } from 'node:net';
import { hostname } from 'node:os';
import type { EchoOptions } from './options.js';

export interface EchoServer {
  readonly server: Server;
  readonly address: AddressInfo;
  /** Readiness turns 503 at once; the listener closes after the shutdown delay. */
  shutdown(): Promise<void>;
}

/** While shutting down, a keep-alive connection idle this long is closed. */
export const SHUTDOWN_IDLE_CLOSE_MS = 1_000;

/** A client connection: requests in progress on it, and since when it has had none. */
interface ConnectionState {
  busy: number;
  idleSince: number;
}

export async function startEchoServer(options: EchoOptions, startedAt: number): Promise<EchoServer> {
  let shuttingDown = false;
  const server = createServer((req, res) => handle(req, res));
  const connections = new Map<Socket, ConnectionState>();
  server.on('connection', (socket: Socket) => {
    connections.set(socket, { busy: 0, idleSince: Date.now() });
    socket.once('close', () => connections.delete(socket));
  });

  function handle(req: IncomingMessage, res: ServerResponse): void {
    const began = Date.now();
    const url = new URL(req.url ?? '/', 'http://echo');
    const connection = connections.get(req.socket);
    if (connection) connection.busy++;
    res.once('close', () => {
      if (!connection) return;
      connection.busy--;
      connection.idleSince = Date.now();
    });
    res.on('finish', () => {
      const remote = `${req.socket.remoteAddress ?? '-'}`;
      process.stdout.write(`${new Date().toISOString()} ${remote} "${req.method} ${req.url} HTTP/${req.httpVersion}" ${res.statusCode} ${Date.now() - began}ms\n`);
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
      // Only the listener closes now (net.Server's close, not http.Server's, which would also
      // drop idle keep-alive connections at once); the callback runs when the last connection is gone.
      const closed = new Promise<void>((resolve) => NetServer.prototype.close.call(server, () => resolve()));
      const sweep = setInterval(() => {
        const now = Date.now();
        for (const [socket, state] of connections) {
          if (state.busy > 0 || now - state.idleSince < SHUTDOWN_IDLE_CLOSE_MS || socket.writableEnded) continue;
          socket.end();
          setTimeout(() => socket.destroy(), SHUTDOWN_IDLE_CLOSE_MS).unref(); // a client that never closes its side
        }
      }, 100);
      await closed;
      clearInterval(sweep);
    },
  };
}

function reply(res: ServerResponse, status: number, body: string, type = 'text/plain; charset=utf-8'): void {
  res.writeHead(status, { 'Content-Type': type, 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}
