/**
 * @module apiserver/authn/testing/tls-fixture
 *
 * Test support: a real HTTPS server set up the way the API server will be (node:http2
 * `createSecureServer`, HTTP/2 and HTTP/1.1 on one port, client certificates requested but not
 * required) that runs an authenticator on every request, plus one-shot HTTP/2 and HTTP/1.1
 * clients. Every socket is tracked so `close()` returns promptly even with clients still attached.
 */
import { once } from 'node:events';
import type { IncomingMessage } from 'node:http';
import { connect, createSecureServer, type Http2ServerRequest, type Http2ServerResponse } from 'node:http2';
import { request as httpsRequest } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import type { Authenticator, UserInfo } from '../authenticator.js';
import { isAuthenticationError } from '../errors.js';

export interface TlsServerOptions {
  readonly certPem: string;
  readonly keyPem: string;
  /** Trusted client CAs for the TLS handshake (the server's `ca` option). */
  readonly clientCaPem: string | readonly string[];
  readonly authenticator: Authenticator;
  /** Answers authenticated requests; default: 200 with `{ user, httpVersion }`. */
  readonly onAuthenticated?: (req: Http2ServerRequest, res: Http2ServerResponse, user: UserInfo) => void;
}

export interface TlsServer {
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

/** The body of every answer: the user, or why there is none. */
export interface WhoAmI {
  readonly user?: UserInfo;
  readonly httpVersion?: string;
  readonly reason?: string;
  readonly code?: string;
  /** On 401s: whether the TLS layer had verified a client certificate (`socket.authorized`). */
  readonly tlsAuthorized?: boolean;
}

export async function startTlsServer(options: TlsServerOptions): Promise<TlsServer> {
  const sockets = new Set<TLSSocket>();
  const server = createSecureServer(
    {
      allowHTTP1: true,
      cert: options.certPem,
      key: options.keyPem,
      ca: typeof options.clientCaPem === 'string' ? options.clientCaPem : [...options.clientCaPem],
      requestCert: true,
      rejectUnauthorized: false,
    },
    (req, res) => {
      const tlsAuthorized = (req.socket as TLSSocket).authorized;
      options.authenticator.authenticate(req).then(
        (user) => {
          if (user === undefined) return reply(res, 401, { reason: 'Unauthorized', tlsAuthorized });
          if (options.onAuthenticated) return options.onAuthenticated(req, res, user);
          reply(res, 200, { user, httpVersion: req.httpVersion });
        },
        (err: unknown) => {
          if (isAuthenticationError(err)) reply(res, 401, { reason: 'Unauthorized', code: err.code, tlsAuthorized });
          else reply(res, 500, { reason: String(err) });
        },
      );
    },
  );
  server.on('secureConnection', (socket: TLSSocket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `https://127.0.0.1:${port}`,
    port,
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      await closed;
    },
  };
}

export function reply(res: Http2ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

export interface ClientOptions {
  readonly caPem: string;
  readonly certPem?: string;
  readonly keyPem?: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly path?: string;
}

export interface Answer {
  readonly status: number;
  readonly body: WhoAmI;
}

/** One GET over a fresh HTTP/2 session, closed afterwards. */
export async function http2Get(url: string, options: ClientOptions): Promise<Answer> {
  const session = connect(url, {
    ca: options.caPem,
    ...(options.certPem !== undefined && { cert: options.certPem }),
    ...(options.keyPem !== undefined && { key: options.keyPem }),
  });
  try {
    const stream = session.request({ ':method': 'GET', ':path': options.path ?? '/', ...options.headers });
    stream.setEncoding('utf8');
    let status = 0;
    stream.on('response', (headers) => {
      status = Number(headers[':status']);
    });
    let text = '';
    stream.on('data', (chunk: string) => {
      text += chunk;
    });
    await once(stream, 'end');
    return { status, body: JSON.parse(text) as WhoAmI };
  } finally {
    session.close();
  }
}

/** One GET over HTTP/1.1 (ALPN picks it: node's https client offers no h2), no keep-alive. */
export async function http1Get(url: string, options: ClientOptions): Promise<Answer> {
  const req = httpsRequest(`${url}${options.path ?? '/'}`, {
    agent: false,
    ca: options.caPem,
    ...(options.certPem !== undefined && { cert: options.certPem }),
    ...(options.keyPem !== undefined && { key: options.keyPem }),
    ...(options.headers && { headers: { ...options.headers } }),
  });
  req.end();
  const [res] = (await once(req, 'response')) as [IncomingMessage];
  res.setEncoding('utf8');
  let text = '';
  res.on('data', (chunk: string) => {
    text += chunk;
  });
  await once(res, 'end');
  return { status: res.statusCode ?? 0, body: JSON.parse(text) as WhoAmI };
}
