/**
 * @module storage/etcd/connection
 *
 * The gRPC side of the etcd engine, on top of the etcd3 library's connection pool (endpoint
 * choice, channels, auth metadata). It issues the few RPCs the engine needs itself instead of
 * going through the library's request builders, for three reasons:
 * - every call carries etcd's "hasleader" metadata, so a member cut off from its leader refuses
 *   at once ("etcdserver: no leader": certainly not applied, safe to send elsewhere) instead of
 *   queueing the request until it times out, and drops our watch streams so they move to a member
 *   that still hears the leader;
 * - errors keep their gRPC status code (`GrpcCallError`), which the library's errors drop;
 * - `close()` can cancel every call still in flight, so none outlives the engine.
 */
import {
  Etcd3,
  type ICallable,
  type ICompactionRequest,
  type ICompactionResponse,
  type IRangeRequest,
  type IRangeResponse,
  type IStatusResponse,
  type ITxnRequest,
  type ITxnResponse,
  type IWatchCreateRequest,
  type IWatchRequest,
  type IWatchResponse,
  type KVClient,
  type Services,
} from 'etcd3';
import { EndpointGroup, passThrough } from './endpoint-health.js';
import { GrpcCallError, GrpcCode } from './etcd-errors.js';

// grpc-js types, reached through etcd3's declarations (tskube does not depend on grpc-js itself).
type ConnectionArgs = Parameters<Parameters<ICallable<unknown>['withConnection']>[1]>[0];
type Metadata = ConnectionArgs['metadata'];
type CallOptions = NonNullable<Parameters<KVClient['range']>[1]>;
type ServiceName = keyof typeof Services;

interface Cancellable {
  cancel(): void;
}
type UnaryMethod = (
  request: unknown,
  metadata: Metadata,
  options: CallOptions,
  callback: (err: Error | null, response?: unknown) => void,
) => Cancellable;

interface DuplexCall extends Cancellable {
  write(request: IWatchRequest): boolean;
  on(event: 'data', listener: (response: IWatchResponse) => void): this;
  on(event: 'error', listener: (err: Error) => void): this;
  on(event: 'end', listener: () => void): this;
}
type DuplexMethod = (metadata: Metadata, options: CallOptions) => DuplexCall;

/** An open watch stream. */
export interface WatchStream {
  /** Resolves when the stream ends: with the error that broke it, or undefined after `cancel()`. */
  readonly closed: Promise<GrpcCallError | undefined>;
  cancel(): void;
  /** Asks etcd for a progress notification (etcd 3.4+ RequestProgress). */
  requestProgress(): void;
}

export interface ConnectionOptions {
  readonly endpoints: readonly string[];
  /** How long an endpoint that failed to connect is skipped while others are usable. */
  readonly endpointCooldownMs: number;
}

// etcd 3.4 interceptor contract: rpctypes.MetadataRequireLeaderKey / MetadataHasLeader.
const REQUIRE_LEADER_KEY = 'hasleader';
const REQUIRE_LEADER_VALUE = 'true';

/** Exposes the pool that `Namespace` keeps protected; nothing else is changed. */
class PooledEtcd3 extends Etcd3 {
  get connections() {
    return this.pool;
  }
}

export class EtcdConnection {
  private readonly client: PooledEtcd3;
  private readonly inFlight = new Set<Cancellable>();
  private closed = false;

  constructor(options: ConnectionOptions) {
    const endpoints = new EndpointGroup(options.endpointCooldownMs);
    this.client = new PooledEtcd3({
      hosts: [...options.endpoints],
      faultHandling: { global: passThrough, host: endpoints.policyFor },
      grpcOptions: {
        // A watch response may batch many revisions; etcd's own client accepts up to 2 GiB.
        'grpc.max_receive_message_length': 2 ** 31 - 1,
        'grpc.max_send_message_length': 2 ** 31 - 1,
        // A member that dies without closing its sockets is noticed within ~15 s; etcd refuses
        // pings more often than every 5 s (--grpc-keepalive-min-time).
        'grpc.keepalive_time_ms': 10_000,
        'grpc.keepalive_timeout_ms': 5_000,
        // Reconnect to a restarted member within a second rather than grpc's two minutes.
        'grpc.initial_reconnect_backoff_ms': 100,
        'grpc.max_reconnect_backoff_ms': 1_000,
      },
    });
  }

  range(request: IRangeRequest, deadline: number): Promise<IRangeResponse> {
    return this.unary('KV', 'range', request, deadline);
  }

  txn(request: ITxnRequest, deadline: number): Promise<ITxnResponse> {
    return this.unary('KV', 'txn', request, deadline);
  }

  compact(request: ICompactionRequest, deadline: number): Promise<ICompactionResponse> {
    return this.unary('KV', 'compact', request, deadline);
  }

  status(deadline: number): Promise<IStatusResponse> {
    return this.unary('Maintenance', 'status', {}, deadline);
  }

  /**
   * Opens a watch stream with one watcher. `onResponse` sees every response, the first included;
   * the promise resolves once the first response arrived (the watcher exists on the server) and
   * rejects if the stream fails, `timeoutMs` passes or `signal` aborts before that.
   */
  openWatch(
    create: IWatchCreateRequest,
    onResponse: (response: IWatchResponse) => void,
    timeoutMs: number,
    signal: AbortSignal,
  ): Promise<WatchStream> {
    if (this.closed) return Promise.reject(new GrpcCallError(GrpcCode.Cancelled, 'connection closed'));
    return this.client.connections.withConnection('Watch', ({ client, metadata }) => {
      const method = (client as unknown as Record<string, DuplexMethod>)['watch']!;
      const call = method.call(client, requireLeader(metadata), {});
      this.inFlight.add(call);
      let settle: (err: GrpcCallError | undefined) => void = () => undefined;
      const closed = new Promise<GrpcCallError | undefined>((resolve) => (settle = resolve));
      let cancelled = false;
      const stream: WatchStream = {
        closed,
        cancel: () => {
          cancelled = true;
          call.cancel();
        },
        requestProgress: () => {
          if (!cancelled) call.write({ progress_request: {} });
        },
      };
      const finish = (err: GrpcCallError | undefined) => {
        this.inFlight.delete(call);
        settle(cancelled ? undefined : err);
      };
      call.on('error', (err) => finish(GrpcCallError.from(err)));
      call.on('end', () => finish(new GrpcCallError(GrpcCode.Unavailable, 'watch stream ended by the server')));
      return new Promise<WatchStream>((resolve, reject) => {
        const timer = setTimeout(() => {
          stream.cancel();
          reject(new GrpcCallError(GrpcCode.DeadlineExceeded, `watch not created within ${timeoutMs} ms`));
        }, timeoutMs);
        const onAbort = () => stream.cancel();
        signal.addEventListener('abort', onAbort, { once: true });
        let opening = true;
        const opened = () => {
          opening = false;
          clearTimeout(timer);
          signal.removeEventListener('abort', onAbort);
        };
        call.on('data', (response) => {
          onResponse(response);
          if (opening) {
            opened();
            resolve(stream);
          }
        });
        void closed.then((err) => {
          if (!opening) return;
          opened();
          reject(err ?? new GrpcCallError(GrpcCode.Cancelled, 'watch cancelled before it was created'));
        });
        if (signal.aborted) stream.cancel();
        else call.write({ create_request: create });
      });
    });
  }

  /** Cancels every call in flight and releases the channels; later calls fail as cancelled. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const call of this.inFlight) call.cancel();
    this.inFlight.clear();
    this.client.close();
  }

  private unary<T>(service: ServiceName, name: string, request: unknown, deadline: number): Promise<T> {
    if (this.closed) return Promise.reject(new GrpcCallError(GrpcCode.Cancelled, 'connection closed'));
    return this.client.connections.withConnection(service, ({ client, metadata }) => {
      const method = (client as unknown as Record<string, UnaryMethod>)[name]!;
      return new Promise<T>((resolve, reject) => {
        const call = method.call(client, request, requireLeader(metadata), { deadline }, (err, response) => {
          this.inFlight.delete(call);
          if (err) reject(GrpcCallError.from(err));
          else resolve(response as T);
        });
        this.inFlight.add(call);
      });
    });
  }
}

function requireLeader(metadata: Metadata): Metadata {
  // The pool may hand out one shared (auth) metadata object; never modify it.
  const md = metadata.clone();
  md.set(REQUIRE_LEADER_KEY, REQUIRE_LEADER_VALUE);
  return md;
}
