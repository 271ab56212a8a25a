/**
 * @module faults/control-api
 *
 * The fault-injecting load balancer's control API: plain HTTP/1.1 and JSON, on loopback only (it
 * has no authentication). `tskube lb fault` and `tskube lb status` are clients of it; so can be
 * curl or a test.
 *
 * - `GET /status` → 200 with the LoadBalancerStatus: listen address, policy, backends with open and
 *   total connections, the fault in effect, connection counters, bytes each way, and every open
 *   connection (id, client, backend, state, fault mode, bytes, held bytes, error) followed by the
 *   most recently closed ones; with a backend owner (`tskube lb --service`), also `owner`: the
 *   Service, the port and every node with why it is or is not a backend.
 * - `POST /fault` with `{"mode", "scope"?: "all"|"established"|"new", "connections"?: [ids],
 *   "latencyMs"?, "probability"?, "retransmitMs"?, "durationSeconds"?}` → 200 with the FaultStatus
 *   now in effect (including `affected`, the open connections under it). Replaces any previous
 *   fault; `{"mode":"pass"}` lifts it.
 * - `POST /backends` with `{"backends": ["host:port", ...]}` → 200 with the new list; established
 *   connections keep their backend. 409 when something else owns the backends (a balancer that
 *   fronts a Service: `tskube lb --service`).
 *
 * POST bodies must be sent as `Content-Type: application/json` (which also keeps a web page from
 * posting to it). Errors are `{"error": "one line saying what to send instead"}` with 400 (bad
 * request), 404, 405, 413 or 415.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { AddressError, formatHostPort, isLoopback, parseHostPort, type HostPort } from './address.js';
import { FaultSpecError } from './fault.js';
import { LoadBalancerError, type LoadBalancer } from './load-balancer.js';

export interface ControlApiOptions {
  /** Must be a loopback address; port 0 picks a free port. */
  readonly listen: HostPort;
  readonly signal?: AbortSignal;
  /** Set when the backends follow something else (a Service): POST /backends is then refused. */
  readonly backendOwner?: BackendOwner;
}

/** Who keeps the balancer's backends, and what it reports under `GET /status`'s `owner`. */
export interface BackendOwner {
  /** For messages, e.g. "Service default/web". */
  readonly description: string;
  status(): object;
}

export interface ControlApi {
  readonly address: HostPort;
  /** `http://host:port` */
  readonly url: string;
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 64 * 1024;

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export async function startControlApi(lb: LoadBalancer, options: ControlApiOptions): Promise<ControlApi> {
  const { host, port } = options.listen;
  if (!isLoopback(host)) {
    throw new AddressError(`the control API has no authentication, so it only listens on loopback; use e.g. 127.0.0.1:${port || 9090}.`);
  }
  const server = http.createServer((req, res) => {
    handle(lb, req, options.backendOwner).then(
      (body) => send(res, 200, body),
      (err: unknown) => {
        if (err instanceof HttpError) return send(res, err.status, { error: err.message });
        if (err instanceof FaultSpecError || err instanceof LoadBalancerError || err instanceof AddressError) {
          return send(res, 400, { error: err.message });
        }
        send(res, 500, { error: err instanceof Error ? err.message : String(err) });
      },
    );
  });
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host, port }, () => {
      server.off('error', reject);
      resolve();
    });
  }).catch((err: NodeJS.ErrnoException) => {
    const where = formatHostPort(options.listen);
    if (err.code === 'EADDRINUSE') throw new AddressError(`cannot listen on ${where} for the control API: the address is in use; pick another port.`);
    throw new AddressError(`cannot listen on ${where} for the control API: ${err.message}`);
  });
  const info = server.address() as AddressInfo;
  const address = { host: info.address, port: info.port };
  let closed: Promise<void> | undefined;
  const close = () =>
    (closed ??= new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }));
  if (options.signal?.aborted) await close();
  else options.signal?.addEventListener('abort', () => void close(), { once: true });
  return { address, url: `http://${formatHostPort(address)}`, close };
}

async function handle(lb: LoadBalancer, req: http.IncomingMessage, owner: BackendOwner | undefined): Promise<unknown> {
  const path = new URL(req.url ?? '/', 'http://control').pathname;
  const route = ROUTES[path];
  if (!route) throw new HttpError(404, `no ${path} here; the control API has GET /status, POST /fault and POST /backends.`);
  if (req.method !== route.method) throw new HttpError(405, `${path} takes ${route.method}, not ${req.method}.`);
  const body = route.method === 'POST' ? await readJson(req) : undefined;
  return route.run(lb, body, owner);
}

type Route = { method: 'GET' | 'POST'; run: (lb: LoadBalancer, body: unknown, owner: BackendOwner | undefined) => unknown };

const ROUTES: Record<string, Route> = {
  '/status': { method: 'GET', run: (lb, _body, owner) => (owner ? { ...lb.status(), owner: owner.status() } : lb.status()) },
  '/fault': { method: 'POST', run: (lb, body) => lb.setFault(body as Parameters<LoadBalancer['setFault']>[0]) },
  '/backends': {
    method: 'POST',
    run: (lb, body, owner) => {
      if (owner) throw new HttpError(409, `the backends follow ${owner.description}; they cannot be set by hand (use tskube lb --backend for a balancer of your own).`);
      const list = (body as { backends?: unknown } | null)?.backends;
      if (!Array.isArray(list) || !list.every((b) => typeof b === 'string')) {
        throw new HttpError(400, 'send {"backends": ["host:port", ...]}, e.g. {"backends":["127.0.0.1:6443"]}.');
      }
      lb.setBackends(list.map((b: string) => parseHostPort(b)));
      return { backends: lb.status().backends };
    },
  },
};

async function readJson(req: http.IncomingMessage): Promise<unknown> {
  const type = req.headers['content-type'] ?? '';
  if (!/^application\/json\b/i.test(type)) {
    throw new HttpError(415, 'send the body as JSON with Content-Type: application/json.');
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new HttpError(413, `the body is larger than ${MAX_BODY_BYTES} bytes.`);
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new HttpError(400, `the body is not JSON (${JSON.stringify(text.slice(0, 40))}); send e.g. {"mode":"pass"}.`);
  }
}

function send(res: http.ServerResponse, status: number, body: unknown): void {
  const text = `${JSON.stringify(body, null, 2)}\n`;
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}
