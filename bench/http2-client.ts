/**
 * @module bench/http2-client
 *
 * The load generator's HTTP/2 client: node:http2 over TLS with the admin client certificate from
 * the data dir's pki, and plain request/response helpers. Flow-control windows are set as Go's
 * HTTP/2 transport (kubectl, client-go) sets them, 4 MiB per stream and ~1 GiB per connection, so
 * a large LIST is not throttled by Node's 64 KiB default.
 */
import { connect as http2Connect, constants, type ClientHttp2Session } from 'node:http2';
import { readFileSync } from 'node:fs';
import { pkiPaths } from '../src/apiserver/pki/index.js';

export interface ClientCredentials {
  readonly ca: string;
  readonly cert: string;
  readonly key: string;
}

export function readCredentials(pkiDir: string): ClientCredentials {
  const paths = pkiPaths(pkiDir);
  return { ca: readFileSync(paths.caCert, 'utf8'), cert: readFileSync(paths.adminCert, 'utf8'), key: readFileSync(paths.adminKey, 'utf8') };
}

const STREAM_WINDOW = 4 * 1024 * 1024;
const CONNECTION_WINDOW = 2 ** 30;

export function connect(url: string, credentials: ClientCredentials): Promise<ClientHttp2Session> {
  return new Promise((resolve, reject) => {
    const session = http2Connect(url, {
      ...credentials,
      settings: { initialWindowSize: STREAM_WINDOW, enablePush: false },
      peerMaxConcurrentStreams: 1000,
      maxSessionMemory: 256,
    });
    session.once('error', reject);
    session.once('connect', () => {
      session.off('error', reject);
      session.setLocalWindowSize(CONNECTION_WINDOW);
      // A session error after connect shows up as failed requests, which every job counts.
      session.on('error', () => {});
      resolve(session);
    });
  });
}

export interface Response {
  readonly status: number;
  readonly body: Buffer;
}

/** One request; rejects only when the stream fails (a non-2xx status is a normal Response). */
export function request(session: ClientHttp2Session, method: string, path: string, body?: string): Promise<Response> {
  return new Promise((resolve, reject) => {
    const stream = session.request({
      [constants.HTTP2_HEADER_METHOD]: method,
      [constants.HTTP2_HEADER_PATH]: path,
      accept: 'application/json',
      ...(body !== undefined && { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }),
    });
    let status = 0;
    const chunks: Buffer[] = [];
    stream.once('response', (headers) => (status = Number(headers[constants.HTTP2_HEADER_STATUS])));
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.once('end', () => resolve({ status, body: chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks) }));
    stream.once('error', reject);
    stream.end(body);
  });
}

/** A request whose status must be `expected`; returns the parsed JSON body. */
export async function requestJson<T>(session: ClientHttp2Session, method: string, path: string, body: unknown, expected: number): Promise<T> {
  const res = await request(session, method, path, body === undefined ? undefined : JSON.stringify(body));
  if (res.status !== expected) throw new Error(`${method} ${path}: HTTP ${res.status} (expected ${expected}): ${res.body.toString('utf8', 0, 300)}`);
  return JSON.parse(res.body.toString('utf8')) as T;
}
