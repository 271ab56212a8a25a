/**
 * @module proxy/http-forwarder
 *
 * HTTP/1.x connection recycling (seed 001's nginx `keepalive_requests` lesson). A recycled
 * Service port's client connections are served by node's own HTTP machinery instead of a byte
 * pipe: an in-process http.Server parses the client's requests, and each client connection gets
 * its own keep-alive agent with one socket to the endpoint picked when the client connected, so
 * the endpoint side keeps the client's connection pattern (one client connection, one endpoint
 * connection), exactly as the byte pipe would.
 *
 * The response that ends the budget (the Nth, or the first after the age) carries
 * `Connection: close`; node's server closes the client connection once that response is sent,
 * and the agent's endpoint connection goes with it. The client's next request opens a new
 * connection, which the balancer places afresh: new replicas start receiving traffic, and no
 * request fails. A connection that sits idle past its age is closed (FIN) between requests.
 *
 * Upgrades (WebSocket) are passed through as bytes to the same endpoint and never recycled.
 */
import http from 'node:http';
import net from 'node:net';
import type { Logger } from '../log.js';
import type { RecyclingPolicy } from './recycling.js';
import type { ServiceEndpoint } from './types.js';

/** Hop-by-hop headers (RFC 9110 §7.6.1): they describe one connection and are not forwarded. */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'te', 'trailer', 'upgrade']);

interface ClientConnection {
  readonly endpoint: ServiceEndpoint;
  readonly policy: RecyclingPolicy;
  readonly agent: http.Agent;
  readonly openedAt: number;
  responses: number;
  inFlight: number;
  ageTimer?: NodeJS.Timeout;
}

function forwardHeaders(raw: readonly string[], extraHopByHop: ReadonlySet<string>): string[] {
  const out: string[] = [];
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i]!.toLowerCase();
    if (HOP_BY_HOP.has(name) || extraHopByHop.has(name)) continue;
    out.push(raw[i]!, raw[i + 1]!);
  }
  return out;
}

/** Header names a Connection header lists are hop-by-hop too. */
function connectionTokens(value: string | string[] | undefined): Set<string> {
  const text = Array.isArray(value) ? value.join(',') : (value ?? '');
  return new Set(text.split(',').map((t) => t.trim().toLowerCase()).filter(Boolean));
}

export class HttpForwarder {
  private readonly server: http.Server;
  private readonly connections = new WeakMap<net.Socket, ClientConnection>();
  private readonly sockets = new Set<net.Socket>();
  /** Responses that carried Connection: close because a budget ended. */
  recycled = 0;

  constructor(private readonly log: Logger) {
    // The proxy imposes no timeouts of its own: the client and the endpoint decide, as with a pipe.
    this.server = http.createServer({ requestTimeout: 0, headersTimeout: 0, keepAliveTimeout: 0 } as http.ServerOptions, (req, res) => this.onRequest(req, res));
    this.server.keepAliveTimeout = 0;
    this.server.on('upgrade', (req: http.IncomingMessage, socket: net.Socket, head: Buffer) => this.onUpgrade(req, socket, head));
    this.server.on('clientError', (_err, socket: net.Socket) => socket.destroy());
  }

  /** Takes over an accepted client connection bound for `endpoint`. */
  handle(socket: net.Socket, endpoint: ServiceEndpoint, policy: RecyclingPolicy): void {
    const conn: ClientConnection = {
      endpoint,
      policy,
      agent: new http.Agent({ keepAlive: true, maxSockets: 1, maxFreeSockets: 1 }),
      openedAt: Date.now(),
      responses: 0,
      inFlight: 0,
    };
    this.connections.set(socket, conn);
    this.sockets.add(socket);
    socket.setNoDelay(true);
    socket.once('close', () => {
      this.sockets.delete(socket);
      clearTimeout(conn.ageTimer);
      conn.agent.destroy();
    });
    if (policy.maxAgeMs !== undefined) this.armAgeTimer(socket, conn, policy.maxAgeMs);
    this.server.emit('connection', socket);
  }

  /** Past the age and idle: close between requests (the client's next request reconnects). */
  private armAgeTimer(socket: net.Socket, conn: ClientConnection, delayMs: number): void {
    conn.ageTimer = setTimeout(() => {
      if (conn.inFlight === 0) {
        this.recycled++;
        socket.end();
      } else {
        this.armAgeTimer(socket, conn, 100); // the response in flight carries Connection: close
      }
    }, delayMs);
    conn.ageTimer.unref();
  }

  private budgetEnded(conn: ClientConnection): boolean {
    const { maxRequests, maxAgeMs } = conn.policy;
    if (maxRequests !== undefined && conn.responses >= maxRequests) return true;
    return maxAgeMs !== undefined && Date.now() - conn.openedAt >= maxAgeMs;
  }

  private onRequest(req: http.IncomingMessage, res: http.ServerResponse): void {
    const conn = this.connections.get(req.socket);
    if (!conn) {
      res.destroy();
      return;
    }
    conn.inFlight++;
    res.once('close', () => conn.inFlight--);
    const upstream = http.request({
      host: conn.endpoint.ip,
      port: conn.endpoint.port,
      method: req.method,
      path: req.url,
      headers: forwardHeaders(req.rawHeaders, connectionTokens(req.headers.connection)) as unknown as http.OutgoingHttpHeaders,
      agent: conn.agent,
      setHost: false,
    });
    upstream.on('response', (answer) => {
      conn.responses++;
      const headers = forwardHeaders(answer.rawHeaders, connectionTokens(answer.headers.connection));
      if (this.budgetEnded(conn)) {
        this.recycled++;
        headers.push('Connection', 'close');
      }
      res.writeHead(answer.statusCode ?? 502, answer.statusMessage, headers);
      answer.pipe(res);
      answer.on('error', () => res.destroy());
    });
    upstream.on('error', (err) => {
      this.log.debug({ endpoint: `${conn.endpoint.ip}:${conn.endpoint.port}`, err: err.message }, 'endpoint request failed');
      if (!res.headersSent) {
        res.writeHead(502, { 'content-type': 'text/plain', connection: 'close' });
        res.end('upstream connection failed\n');
      } else {
        res.destroy();
      }
    });
    req.pipe(upstream);
  }

  private onUpgrade(req: http.IncomingMessage, socket: net.Socket, head: Buffer): void {
    const conn = this.connections.get(socket);
    if (!conn) return void socket.destroy();
    clearTimeout(conn.ageTimer);
    const upstream = net.connect({ host: conn.endpoint.ip, port: conn.endpoint.port, noDelay: true });
    this.sockets.add(upstream);
    upstream.once('close', () => this.sockets.delete(upstream));
    const lines = [`${req.method} ${req.url} HTTP/${req.httpVersion}`];
    for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) lines.push(`${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}`);
    upstream.write(`${lines.join('\r\n')}\r\n\r\n`);
    if (head.length > 0) upstream.write(head);
    upstream.on('error', () => socket.destroy());
    socket.on('error', () => upstream.destroy());
    upstream.pipe(socket);
    socket.pipe(upstream);
  }

  destroyAll(): void {
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
  }
}
