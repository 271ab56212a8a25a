/**
 * @module client/transport
 *
 * HTTP/2 to one API server, built for incident 1 (a load balancer that silently stopped
 * forwarding on existing connections) and incident 3 (packet loss):
 *
 *   - all requests share one HTTP/2 session, as Go's transport does; it is dialled on first use;
 *   - every request has its own timeout (until the whole answer, or until the headers of a
 *     stream) and an optional AbortSignal;
 *   - health check (Go's ReadIdleTimeout/PingTimeout): when nothing has been read on the session
 *     for `readIdleTimeoutMs`, an HTTP/2 PING is sent; no answer within `pingTimeoutMs` and the
 *     session is destroyed, failing its streams with `ConnectionLost` so callers retry on a new
 *     connection instead of waiting on a dead one;
 *   - a session that ends (GOAWAY, socket error, failed ping) is dropped and the next request
 *     dials anew; `closeAllConnections()` does the same on demand (the kubelet's answer to a
 *     failed heartbeat, kubernetes PR 63492).
 *
 * Errors are `TransportError`s whose `requestSent` says whether the server may have seen the
 * request: false when the dial failed, when the session was already unusable, or when the server
 * refused the stream (REFUSED_STREAM, GOAWAY). HTTP/1.1 is not spoken; tskube's server speaks
 * HTTP/2 on every port.
 */
import {
  connect,
  constants as h2,
  type ClientHttp2Session,
  type ClientHttp2Stream,
  type IncomingHttpHeaders,
  type OutgoingHttpHeaders,
  type SecureClientSessionOptions,
} from 'node:http2';
import type { Readable } from 'node:stream';
import { isIP } from 'node:net';
import { createLogger, type Logger } from '../log.js';
import { TransportError } from './errors.js';

export interface TransportOptions {
  /** https://host:port (TLS, ALPN h2) or http://host:port (HTTP/2 with prior knowledge). */
  readonly server: string;
  readonly ca?: Buffer | string;
  readonly cert?: Buffer | string;
  readonly key?: Buffer | string;
  readonly insecureSkipTLSVerify?: boolean;
  readonly tlsServerName?: string;
  /** Send a PING after this long without reading anything; 0 disables the health check. Default 30 s. */
  readonly readIdleTimeoutMs?: number;
  /** Declare the connection dead when a PING is unanswered this long. Default 15 s. */
  readonly pingTimeoutMs?: number;
  /** Give up on a dial (TCP + TLS + HTTP/2 settings) after this long. Default 30 s. */
  readonly dialTimeoutMs?: number;
  readonly log?: Logger;
}

export interface TransportRequest {
  readonly method: string;
  /** Path and query, e.g. /api/v1/namespaces/default/pods?limit=500 */
  readonly path: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string | Buffer;
  /** For `request`: until the whole answer; for `stream`: until the answer's headers. 0 = none. */
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
}

export interface TransportResponse {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

/** An answer whose body is read incrementally (watches). */
export interface TransportStream {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: Readable;
  /** Cancels the stream (RST_STREAM CANCEL); the body then ends or errors. */
  close(): void;
}

export interface TransportStats {
  /** Sessions dialled so far. */
  readonly dials: number;
  /** Sessions destroyed because a PING went unanswered. */
  readonly healthCheckFailures: number;
  /** Sessions currently open (including ones draining after GOAWAY). */
  readonly openSessions: number;
  /** Requests and watches in flight. */
  readonly activeStreams: number;
}

interface Session {
  readonly id: number;
  readonly session: ClientHttp2Session;
  /** Streams in flight; the session keeps the process alive only while this is > 0. */
  active: number;
  /** No new streams: it received GOAWAY or is being closed. */
  retired: boolean;
  stopHealthCheck: () => void;
}

const DEFAULT_READ_IDLE_MS = 30_000;
const DEFAULT_PING_TIMEOUT_MS = 15_000;
const DEFAULT_DIAL_TIMEOUT_MS = 30_000;

export class Http2Transport {
  private readonly log: Logger;
  private readonly sessions = new Set<Session>();
  private current: Session | undefined;
  private dialing: Promise<Session> | undefined;
  private closed = false;
  private dialCount = 0;
  private pingFailures = 0;

  constructor(private readonly options: TransportOptions) {
    this.log = (options.log ?? createLogger('client')).child({ server: options.server });
  }

  get stats(): TransportStats {
    let activeStreams = 0;
    for (const s of this.sessions) activeStreams += s.active;
    return { dials: this.dialCount, healthCheckFailures: this.pingFailures, openSessions: this.sessions.size, activeStreams };
  }

  /** Sends a request and reads the whole answer. */
  request(req: TransportRequest): Promise<TransportResponse> {
    return this.exchange(req, false) as Promise<TransportResponse>;
  }

  /** Sends a request and resolves with the answer's headers; the body is read by the caller. */
  stream(req: TransportRequest): Promise<TransportStream> {
    return this.exchange(req, true) as Promise<TransportStream>;
  }

  /**
   * Destroys every session to the server: streams in flight fail with `ConnectionLost`, and the
   * next request dials a new connection.
   */
  closeAllConnections(reason = 'closeAllConnections'): void {
    if (this.sessions.size > 0) this.log.info({ sessions: this.sessions.size, reason }, 'closing all connections');
    this.current = undefined;
    for (const s of [...this.sessions]) {
      s.retired = true;
      s.session.destroy();
    }
  }

  /** Closes every connection; later requests fail with `Closed`. */
  close(): void {
    this.closed = true;
    this.closeAllConnections('transport closed');
  }

  private async session(): Promise<Session> {
    if (this.closed) throw new TransportError('Closed', 'the transport is closed', false);
    const current = this.current;
    if (current && !current.retired && !current.session.closed && !current.session.destroyed) return current;
    this.current = undefined;
    this.dialing ??= this.dial().finally(() => (this.dialing = undefined));
    return this.dialing;
  }

  private dial(): Promise<Session> {
    const { server, dialTimeoutMs = DEFAULT_DIAL_TIMEOUT_MS } = this.options;
    const url = new URL(server);
    const id = ++this.dialCount;
    const host = url.hostname.replace(/^\[|\]$/g, '');
    const tls: SecureClientSessionOptions = {
      ...(this.options.ca !== undefined && { ca: this.options.ca }),
      ...(this.options.cert !== undefined && { cert: this.options.cert }),
      ...(this.options.key !== undefined && { key: this.options.key }),
      rejectUnauthorized: !this.options.insecureSkipTLSVerify,
      // SNI must not carry an IP address (RFC 6066); verification still checks IP SANs.
      ...(this.options.tlsServerName ? { servername: this.options.tlsServerName } : isIP(host) ? {} : { servername: host }),
    };
    return new Promise<Session>((resolve, reject) => {
      const session = connect(server, { ...tls, settings: { enablePush: false } });
      const entry: Session = { id, session, active: 0, retired: false, stopHealthCheck: () => {} };
      this.sessions.add(entry);
      let connected = false;
      const timer = setTimeout(() => session.destroy(new Error(`dial timed out after ${dialTimeoutMs} ms`)), dialTimeoutMs);
      const fail = (message: string, cause?: unknown) => {
        if (connected) return;
        connected = true; // settle once
        clearTimeout(timer);
        reject(new TransportError('ConnectFailed', `cannot connect to ${server}: ${message}`, false, { cause }));
      };
      session.once('connect', () => {
        if (connected) return;
        connected = true;
        clearTimeout(timer);
        this.log.debug({ session: id }, 'connected');
        if (entry.active === 0) session.unref();
        entry.stopHealthCheck = this.startHealthCheck(entry);
        if (!this.closed) this.current = entry;
        resolve(entry);
      });
      session.on('error', (err) => {
        if (!connected) return fail(err.message, err);
        this.log.warn({ session: id, err: err.message }, 'connection failed');
      });
      session.once('goaway', (code: number) => {
        // The server is going away: let streams in flight finish, send new ones elsewhere.
        this.log.debug({ session: id, code }, 'received GOAWAY');
        this.retire(entry);
      });
      session.once('close', () => {
        clearTimeout(timer);
        entry.stopHealthCheck();
        this.retire(entry);
        this.sessions.delete(entry);
        fail('the connection closed before it was established');
      });
    });
  }

  private retire(entry: Session): void {
    entry.retired = true;
    if (this.current === entry) this.current = undefined;
  }

  /**
   * Watches the session's read side. bytesRead counts every frame the server sends (data, PING
   * acks, window updates), which is exactly Go's "no frame received" signal.
   */
  private startHealthCheck(entry: Session): () => void {
    const readIdle = this.options.readIdleTimeoutMs ?? DEFAULT_READ_IDLE_MS;
    const pingTimeout = this.options.pingTimeoutMs ?? DEFAULT_PING_TIMEOUT_MS;
    if (readIdle <= 0) return () => {};
    const { session } = entry;
    const bytesRead = () => session.socket?.bytesRead ?? 0;
    const poll = Math.min(5_000, Math.max(10, readIdle / 4));
    let lastBytes = bytesRead();
    let lastRead = Date.now();
    let pinging = false;
    let pingTimer: NodeJS.Timeout | undefined;
    const tick = () => {
      if (session.destroyed || session.closed) return;
      const now = Date.now();
      const bytes = bytesRead();
      if (bytes !== lastBytes) {
        lastBytes = bytes;
        lastRead = now;
      }
      if (!pinging && now - lastRead >= readIdle) {
        pinging = true;
        const started = now;
        pingTimer = setTimeout(() => {
          this.pingFailures++;
          this.log.warn({ session: entry.id, readIdleMs: readIdle, pingTimeoutMs: pingTimeout }, 'HTTP/2 health check failed: no PING answer; closing the connection');
          this.retire(entry);
          session.destroy(new Error(`HTTP/2 PING unanswered after ${pingTimeout} ms`));
        }, pingTimeout);
        pingTimer.unref();
        session.ping((err) => {
          clearTimeout(pingTimer);
          pinging = false;
          if (err) {
            if (session.destroyed) return;
            this.log.warn({ session: entry.id, err: err.message }, 'HTTP/2 PING failed; closing the connection');
            this.retire(entry);
            session.destroy(err);
            return;
          }
          lastRead = Date.now();
          this.log.trace({ session: entry.id, ms: lastRead - started }, 'PING answered');
        });
      }
      timer = setTimeout(tick, poll);
      timer.unref();
    };
    let timer = setTimeout(tick, poll);
    timer.unref();
    return () => {
      clearTimeout(timer);
      clearTimeout(pingTimer);
    };
  }

  private exchange(req: TransportRequest, streaming: boolean): Promise<TransportResponse | TransportStream> {
    return new Promise((resolve, reject) => {
      let settled = false;
      let sent = false;
      let stream: ClientHttp2Stream | undefined;
      const fail = (err: TransportError) => {
        if (settled) return;
        settled = true;
        cleanup();
        if (stream && !stream.destroyed) stream.close(h2.NGHTTP2_CANCEL);
        reject(err);
      };
      const timeoutMs = req.timeoutMs ?? 0;
      const timer =
        timeoutMs > 0
          ? setTimeout(
              () => fail(new TransportError('Timeout', `${req.method} ${pathOnly(req.path)}: no ${streaming ? 'answer' : 'complete answer'} within ${timeoutMs} ms`, sent)),
              timeoutMs,
            )
          : undefined;
      const onAbort = () => fail(new TransportError('Aborted', `${req.method} ${pathOnly(req.path)} aborted`, sent, { cause: req.signal?.reason }));
      const cleanup = () => {
        clearTimeout(timer);
        req.signal?.removeEventListener('abort', onAbort);
      };
      if (req.signal?.aborted) return onAbort();
      req.signal?.addEventListener('abort', onAbort, { once: true });

      this.session().then(
        (entry) => {
          if (settled) return;
          const headers: OutgoingHttpHeaders = { ':method': req.method, ':path': req.path, ...req.headers };
          let s: ClientHttp2Stream;
          try {
            // Node would end GET/DELETE streams at once unless told a body follows.
            s = entry.session.request(headers, { endStream: req.body === undefined });
          } catch (err) {
            this.retire(entry);
            return fail(new TransportError('ConnectionLost', `${req.method} ${pathOnly(req.path)}: the connection is unusable: ${(err as Error).message}`, false, { cause: err }));
          }
          stream = s;
          if (entry.active++ === 0) entry.session.ref();
          s.once('close', () => {
            if (--entry.active === 0 && !entry.session.destroyed) entry.session.unref();
          });
          // On a connected session the stream gets its id (and its headers are queued) inside
          // request(), before 'ready' could be listened for.
          sent = !s.pending;
          s.once('ready', () => (sent = true));
          s.on('error', (err) => {
            // The server refused the stream (REFUSED_STREAM, or above GOAWAY's last stream id): not processed.
            const refused = s.rstCode === h2.NGHTTP2_REFUSED_STREAM;
            fail(new TransportError('ConnectionLost', `${req.method} ${pathOnly(req.path)}: ${err.message}`, sent && !refused, { cause: err }));
          });
          s.once('close', () => {
            const refused = s.rstCode === h2.NGHTTP2_REFUSED_STREAM;
            fail(new TransportError('ConnectionLost', `${req.method} ${pathOnly(req.path)}: the stream closed (code ${s.rstCode}) before the answer was complete`, sent && !refused));
          });
          s.once('response', (responseHeaders) => {
            const status = Number(responseHeaders[':status']);
            if (streaming) {
              settled = true;
              cleanup();
              resolve({ status, headers: responseHeaders, body: s, close: () => !s.destroyed && s.close(h2.NGHTTP2_CANCEL) });
              return;
            }
            const chunks: Buffer[] = [];
            s.on('data', (chunk: Buffer) => chunks.push(chunk));
            s.once('end', () => {
              if (settled) return;
              settled = true;
              cleanup();
              resolve({ status, headers: responseHeaders, body: Buffer.concat(chunks) });
            });
          });
          if (req.body !== undefined) s.end(req.body);
        },
        (err: unknown) => fail(err instanceof TransportError ? err : new TransportError('ConnectFailed', String(err), false, { cause: err })),
      );
    });
  }
}

function pathOnly(path: string): string {
  const q = path.indexOf('?');
  return q === -1 ? path : path.slice(0, q);
}
