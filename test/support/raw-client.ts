/**
 * @module test/support/raw-client
 *
 * A bare HTTP/2 client with the admin certificate, for tests that must send exactly the bytes
 * they choose (malformed bodies, odd headers) — things no real client library would send.
 */
import { readFileSync } from 'node:fs';
import { connect, type ClientHttp2Session } from 'node:http2';
import { join } from 'node:path';
import { pkiPaths } from '../../src/apiserver/pki/index.js';

export interface RawResponse {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
}

export class RawClient {
  private readonly session: ClientHttp2Session;

  constructor(url: string, dataDir: string, options: { anonymous?: boolean } = {}) {
    const paths = pkiPaths(join(dataDir, 'pki'));
    this.session = connect(url, {
      ca: readFileSync(paths.caCert),
      ...(!options.anonymous && { cert: readFileSync(paths.adminCert), key: readFileSync(paths.adminKey) }),
    });
    this.session.on('error', () => {});
  }

  request(method: string, path: string, body?: string | Buffer, headers: Record<string, string> = {}): Promise<RawResponse> {
    return new Promise((resolve, reject) => {
      // Node closes GET, HEAD and DELETE requests at once unless told a body follows (kubectl sends DeleteOptions).
      const stream = this.session.request(
        { ':method': method, ':path': path, ...(body !== undefined && { 'content-type': 'application/json' }), ...headers },
        { endStream: body === undefined },
      );
      let status = 0;
      let responseHeaders: Record<string, string | string[] | undefined> = {};
      const chunks: Buffer[] = [];
      stream.on('response', (h) => {
        status = Number(h[':status']);
        responseHeaders = h;
      });
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => resolve({ status, headers: responseHeaders, body: Buffer.concat(chunks).toString() }));
      // The server may answer (e.g. 413) and reset the stream before the whole body is sent.
      stream.on('error', (err) => (status ? resolve({ status, headers: responseHeaders, body: Buffer.concat(chunks).toString() }) : reject(err)));
      stream.setTimeout(30_000, () => stream.close());
      if (body !== undefined) stream.end(body);
    });
  }

  close(): void {
    this.session.close();
  }
}
