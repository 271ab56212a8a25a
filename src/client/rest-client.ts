/**
 * @module client/rest-client
 *
 * The REST client: one API server connection (the health-checked HTTP/2 transport), credentials,
 * and the retry policy every call goes through. `client.resource(group, version, plural)` gives
 * the typed verbs of one resource from the served table (`ResourceClient`, resource-client.ts).
 * Failures are `ApiStatusError`s carrying the server's Status, or `TransportError`s.
 *
 * Retries (bounded, exponential backoff with jitter, `Retry-After` honoured):
 *   - idempotent requests (GET, LIST, establishing a WATCH): on connection errors, 5xx and 429;
 *   - mutating requests: only on 429 (the server did not process it) or when the request cannot
 *     have reached the server (dial failed, stream refused);
 *   - never on a per-request timeout or an abort: the caller's budget is spent.
 */
import type { KubeObject } from '../api/object.js';
import { findResource, groupVersion } from '../api/resources.js';
import { createLogger, type Logger } from '../log.js';
import { backoffDelay, type BackoffOptions } from './backoff.js';
import { realClock, type Clock } from './clock.js';
import { ApiStatusError, TransportError } from './errors.js';
import type { ClientConfig } from './kubeconfig.js';
import { loadKubeconfig, type LoadKubeconfigOptions } from './kubeconfig.js';
import { ResourceClient } from './resource-client.js';
import { Http2Transport, type TransportOptions, type TransportResponse, type TransportStream } from './transport.js';

export interface RetryPolicy {
  /** Retries after the first attempt; default 5. */
  readonly maxRetries: number;
  /** Backoff between attempts when the server gives no Retry-After; default 250 ms → 8 s. */
  readonly backoff: BackoffOptions;
  /** The longest Retry-After honoured; longer ones are capped. Default 60 s. */
  readonly maxRetryAfterMs: number;
}

export interface RestClientOptions {
  /** Where and how to connect (see `loadKubeconfig`). */
  readonly config: ClientConfig;
  /** Health check and dial settings of the transport (defaults: read idle 30 s, ping timeout 15 s). */
  readonly transport?: Omit<TransportOptions, 'server' | 'ca' | 'cert' | 'key' | 'insecureSkipTLSVerify' | 'tlsServerName' | 'log'>;
  /** Per-request timeout (per attempt); default 30 s; 0 = none. Watches use it until their headers. */
  readonly timeoutMs?: number;
  readonly retry?: Partial<RetryPolicy>;
  readonly userAgent?: string;
  /** Injected for tests: retries wait with `clock.sleep`. */
  readonly clock?: Clock;
  readonly log?: Logger;
}

/** What one API call needs; `idempotent` decides the retry policy. */
export interface ApiRequest {
  readonly method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  readonly path: string;
  readonly query?: URLSearchParams;
  readonly body?: unknown;
  readonly contentType?: string;
  readonly idempotent: boolean;
  readonly signal?: AbortSignal;
  readonly timeoutMs?: number;
}

const DEFAULT_RETRY: RetryPolicy = {
  maxRetries: 5,
  backoff: { initialMs: 250, maxMs: 8_000 },
  maxRetryAfterMs: 60_000,
};

/** Error bodies are Status objects of a few hundred bytes; never buffer more than this of one. */
const MAX_ERROR_BODY = 64 * 1024;

export class RestClient {
  readonly transport: Http2Transport;
  readonly config: ClientConfig;
  private readonly log: Logger;
  private readonly retry: RetryPolicy;
  private readonly clock: Clock;
  private readonly timeoutMs: number;
  private readonly baseHeaders: Record<string, string>;

  constructor(options: RestClientOptions) {
    this.config = options.config;
    this.log = options.log ?? createLogger('client');
    this.retry = { ...DEFAULT_RETRY, ...options.retry };
    this.clock = options.clock ?? realClock;
    this.timeoutMs = options.timeoutMs ?? 30_000;
    const { config } = options;
    this.transport = new Http2Transport({
      ...options.transport,
      server: config.server,
      ...(config.ca && { ca: config.ca }),
      ...(config.cert && { cert: config.cert }),
      ...(config.key && { key: config.key }),
      ...(config.insecureSkipTLSVerify && { insecureSkipTLSVerify: true }),
      ...(config.tlsServerName && { tlsServerName: config.tlsServerName }),
      log: this.log,
    });
    this.baseHeaders = {
      accept: 'application/json',
      'user-agent': options.userAgent ?? 'tskube-client',
      ...(config.token && { authorization: `Bearer ${config.token}` }),
    };
  }

  static async fromKubeconfig(kubeconfig: LoadKubeconfigOptions = {}, options: Omit<RestClientOptions, 'config'> = {}): Promise<RestClient> {
    return new RestClient({ ...options, config: await loadKubeconfig(kubeconfig) });
  }

  /** A client for one resource of the served table. Throws for a resource tskube does not serve. */
  resource<T extends KubeObject = KubeObject>(group: string, version: string, plural: string): ResourceClient<T> {
    const info = findResource(group, version, plural);
    if (!info) throw new TypeError(`no served resource ${plural} in ${groupVersion({ group, version })}`);
    return new ResourceClient<T>(this, info);
  }

  /** Closes every connection; pending requests fail. */
  close(): void {
    this.transport.close();
  }

  /** Sends a request (with retries) and decodes its JSON answer. */
  async request<R>(req: ApiRequest): Promise<R> {
    const res = (await this.send(req, false)) as TransportResponse;
    const text = res.body.toString('utf8');
    return (text.length > 0 ? JSON.parse(text) : undefined) as R;
  }

  /** Establishes a stream (with the idempotent retry policy) and hands back its answer. */
  async requestStream(req: ApiRequest): Promise<TransportStream> {
    return (await this.send(req, true)) as TransportStream;
  }

  private async send(req: ApiRequest, streaming: boolean): Promise<TransportResponse | TransportStream> {
    const query = req.query?.toString();
    const path = query ? `${req.path}?${query}` : req.path;
    const body = req.body === undefined ? undefined : typeof req.body === 'string' ? req.body : JSON.stringify(req.body);
    const headers = { ...this.baseHeaders, ...(body !== undefined && { 'content-type': req.contentType ?? 'application/json' }) };
    const timeoutMs = req.timeoutMs ?? this.timeoutMs;
    for (let attempt = 0; ; attempt++) {
      let failure: ApiStatusError | TransportError;
      try {
        const transportReq = { method: req.method, path, headers, ...(body !== undefined && { body }), timeoutMs, ...(req.signal && { signal: req.signal }) };
        if (streaming) {
          const res = await this.transport.stream(transportReq);
          if (res.status < 400) return res;
          failure = ApiStatusError.fromResponse(res.status, res.headers, await readBounded(res));
        } else {
          const res = await this.transport.request(transportReq);
          if (res.status < 400) return res;
          failure = ApiStatusError.fromResponse(res.status, res.headers, res.body);
        }
      } catch (err) {
        if (!(err instanceof TransportError)) throw err;
        failure = err;
      }
      const delay = this.retryDelay(failure, req.idempotent, attempt);
      if (delay === undefined) throw failure;
      this.log.debug({ method: req.method, path: req.path, attempt: attempt + 1, delayMs: Math.round(delay), err: failure.message }, 'retrying request');
      await this.clock.sleep(delay, req.signal);
      if (req.signal?.aborted) throw new TransportError('Aborted', `${req.method} ${req.path} aborted`, false, { cause: req.signal.reason });
    }
  }

  /** Milliseconds to wait before retrying, or undefined when the failure is final. */
  private retryDelay(failure: ApiStatusError | TransportError, idempotent: boolean, attempt: number): number | undefined {
    if (attempt >= this.retry.maxRetries) return undefined;
    let retriable: boolean;
    if (failure instanceof TransportError) {
      if (failure.code === 'Timeout' || failure.code === 'Aborted' || failure.code === 'Closed') return undefined;
      retriable = idempotent || !failure.requestSent;
    } else {
      retriable = failure.code === 429 || (idempotent && failure.code >= 500 && failure.code !== 501);
    }
    if (!retriable) return undefined;
    // The server said how long to wait: that, not our guess (capped, so a bad header cannot stall us for hours).
    if (failure instanceof ApiStatusError && failure.retryAfterSeconds !== undefined) {
      return Math.min(this.retry.maxRetryAfterMs, failure.retryAfterSeconds * 1000);
    }
    return backoffDelay(this.retry.backoff, attempt);
  }
}

async function readBounded(res: TransportStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of res.body as AsyncIterable<Buffer>) {
      chunks.push(chunk);
      size += chunk.length;
      if (size > MAX_ERROR_BODY) break;
    }
  } catch {
    // A body cut short still says what it can; the status code is what matters.
  } finally {
    res.close();
  }
  return Buffer.concat(chunks);
}
