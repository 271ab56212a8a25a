/**
 * @module test/client/support/fake-server
 *
 * A tiny HTTPS + HTTP/2 server that answers whatever a test scripts (429 with Retry-After, 503,
 * then 200…), with its own throwaway CA, and a ClientConfig that trusts it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createSecureServer, type Http2SecureServer, type Http2ServerRequest, type Http2ServerResponse, type ServerHttp2Session } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensurePki } from '../../../src/apiserver/pki/index.js';
import type { ClientConfig } from '../../../src/client/kubeconfig.js';

export interface SeenRequest {
  readonly method: string;
  readonly path: string;
  readonly body: string;
  /** Wall time (ms) the request arrived, for measuring gaps between attempts. */
  readonly at: number;
}

export type Script = (req: SeenRequest, index: number, res: Http2ServerResponse) => void;

export class FakeServer {
  readonly requests: SeenRequest[] = [];

  private constructor(
    private readonly server: Http2SecureServer,
    private readonly sessions: Set<ServerHttp2Session>,
    readonly config: ClientConfig,
    private readonly dir: string,
  ) {}

  static async start(script: Script): Promise<FakeServer> {
    const dir = mkdtempSync(join(tmpdir(), 'tskube-fake-'));
    const pki = await ensurePki({ dir, hosts: ['127.0.0.1'] });
    const holder: { fake?: FakeServer } = {};
    const server = createSecureServer({ cert: pki.serving.certPem, key: pki.serving.keyPem });
    const sessions = new Set<ServerHttp2Session>();
    server.on('session', (s: ServerHttp2Session) => {
      sessions.add(s);
      s.once('close', () => sessions.delete(s));
    });
    server.on('request', (req: Http2ServerRequest, res: Http2ServerResponse) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const seen = { method: req.method, path: req.url, body: Buffer.concat(chunks).toString(), at: Date.now() };
        holder.fake!.requests.push(seen);
        script(seen, holder.fake!.requests.length - 1, res);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    const fake = new FakeServer(server, sessions, { server: `https://127.0.0.1:${port}`, ca: Buffer.from(pki.ca.certPem), namespace: 'default' }, dir);
    holder.fake = fake;
    return fake;
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      // Idle HTTP/2 sessions would keep close() waiting.
      for (const s of this.sessions) s.destroy();
    });
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Sends a JSON body. */
export function reply(res: Http2ServerResponse, code: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(code, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

export function status(code: number, reason: string, message: string): Record<string, unknown> {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', code, reason, message };
}
