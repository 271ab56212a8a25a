/**
 * @module faults/control-client
 *
 * The client side of faults/control-api, for `tskube lb fault|status|backends` and for tests that
 * drive a balancer in another process. Every failure is a ControlApiError with one line that says
 * what went wrong and what to check.
 */
import http from 'node:http';
import { formatHostPort, type HostPort } from './address.js';
import type { FaultRequest } from './fault.js';
import type { BackendStatus, FaultStatus, LoadBalancerStatus } from './load-balancer.js';

export class ControlApiError extends Error {
  override readonly name = 'ControlApiError';
  readonly code = 'FAULTS_CONTROL_API';
  constructor(
    message: string,
    /** The HTTP status, when the API answered. */
    readonly status?: number,
  ) {
    super(message);
  }
}

export interface ControlClientOptions {
  /** Default 5000 ms. */
  readonly timeoutMs?: number;
}

export function getStatus(control: HostPort, options?: ControlClientOptions): Promise<LoadBalancerStatus> {
  return call(control, 'GET', '/status', undefined, options) as Promise<LoadBalancerStatus>;
}

export function postFault(control: HostPort, fault: FaultRequest, options?: ControlClientOptions): Promise<FaultStatus> {
  return call(control, 'POST', '/fault', fault, options) as Promise<FaultStatus>;
}

export function postBackends(control: HostPort, backends: readonly HostPort[], options?: ControlClientOptions): Promise<{ backends: BackendStatus[] }> {
  return call(control, 'POST', '/backends', { backends: backends.map(formatHostPort) }, options) as Promise<{ backends: BackendStatus[] }>;
}

function call(control: HostPort, method: 'GET' | 'POST', path: string, body: unknown, options: ControlClientOptions = {}): Promise<unknown> {
  const where = formatHostPort(control);
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: control.host,
        port: control.port,
        method,
        path,
        agent: false,
        timeout: options.timeoutMs ?? 5000,
        headers: payload === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json: unknown;
          try {
            json = JSON.parse(text);
          } catch {
            return reject(new ControlApiError(`${where} did not answer with JSON (HTTP ${res.statusCode}); is it a tskube lb control address?`, res.statusCode));
          }
          if (res.statusCode === 200) return resolve(json);
          const message = (json as { error?: unknown } | null)?.error;
          reject(new ControlApiError(typeof message === 'string' ? message : `HTTP ${res.statusCode} from ${where}`, res.statusCode));
        });
      },
    );
    req.on('timeout', () => req.destroy(new ControlApiError(`no answer from the lb control API at ${where} within ${options.timeoutMs ?? 5000} ms.`)));
    req.on('error', (err: NodeJS.ErrnoException) => {
      if (err instanceof ControlApiError) return reject(err);
      reject(new ControlApiError(`cannot reach the lb control API at ${where} (${err.code ?? err.message}); is \`tskube lb ... --control ${where}\` running?`));
    });
    req.end(payload);
  });
}
