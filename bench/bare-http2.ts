/**
 * @module bench/bare-http2
 *
 * Child process: the ceiling the API server is compared with. A bare node:http2 TLS server, set
 * up as tskube's (same certificates, client certificates requested, HTTP/1.1 allowed, the
 * compatibility request/response API), that answers a Lease PUT or POST with the object echoed
 * back: parsed, a new resourceVersion set, serialised. No authentication, routing, validation or
 * storage. argv[2] is the data dir whose pki/ holds the certificates.
 */
import { readFileSync } from 'node:fs';
import { createSecureServer } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { pkiPaths } from '../src/apiserver/pki/index.js';
import { answerStatsQueries, runEntry, tellDriver } from './children.js';

runEntry(async () => {
  const dataDir = process.argv[2];
  if (!dataDir) throw new Error('usage: bare-http2.ts DATA_DIR');
  const paths = pkiPaths(join(dataDir, 'pki'));
  const server = createSecureServer({
    allowHTTP1: true,
    cert: readFileSync(paths.servingCert),
    key: readFileSync(paths.servingKey),
    ca: readFileSync(paths.caCert),
    requestCert: true,
    rejectUnauthorized: false,
  });
  let revision = 0;
  server.on('request', (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.method !== 'PUT' && req.method !== 'POST') {
        res.writeHead(405).end();
        return;
      }
      const obj = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { metadata: Record<string, unknown> };
      obj.metadata.resourceVersion = String(++revision);
      const payload = JSON.stringify(obj);
      res.writeHead(req.method === 'POST' ? 201 : 200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) });
      res.end(payload);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  process.once('SIGTERM', () => process.exit(0));
  answerStatsQueries();
  await tellDriver({ type: 'ready', url: `https://127.0.0.1:${(server.address() as AddressInfo).port}` });
});
