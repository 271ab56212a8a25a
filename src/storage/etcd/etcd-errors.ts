/**
 * @module storage/etcd/etcd-errors
 *
 * What an error from etcd (or from the gRPC transport in front of it) means for tskube: which
 * `StorageError` it becomes, and whether the request may be sent again. The second question is the
 * one that matters during a failover: a read can always be repeated, but a write may only be
 * repeated when etcd certainly never saw it. Repeating a compare-and-swap that did apply would make
 * its own success look like a Conflict, so any write whose fate is unknown is reported as
 * "Unavailable" and never retried here.
 */
import { StorageError } from '../errors.js';

/** gRPC status codes this engine looks at (https://grpc.github.io/grpc/core/md_doc_statuscodes.html). */
export const GrpcCode = {
  Cancelled: 1,
  Unknown: 2,
  DeadlineExceeded: 4,
  Unavailable: 14,
} as const;

/** A failed gRPC call, keeping the numeric status code that the etcd3 library's own errors drop. */
export class GrpcCallError extends Error {
  override readonly name = 'GrpcCallError';

  constructor(
    readonly code: number,
    readonly details: string,
    cause?: unknown,
  ) {
    super(`gRPC status ${code}: ${details}`, cause === undefined ? undefined : { cause });
  }

  /** Wraps whatever the transport threw; grpc-js errors carry `code` and `details`. */
  static from(err: unknown): GrpcCallError {
    if (err instanceof GrpcCallError) return err;
    if (err instanceof Error) {
      const { code, details } = err as Error & { code?: unknown; details?: unknown };
      if (typeof code === 'number') {
        return new GrpcCallError(code, typeof details === 'string' ? details : err.message, err);
      }
    }
    return new GrpcCallError(GrpcCode.Unknown, err instanceof Error ? err.message : String(err), err);
  }
}

/** The request was not sent because every endpoint was recently unreachable. */
export class NoHealthyEndpointError extends Error {
  override readonly name = 'NoHealthyEndpointError';

  constructor(endpoint: string) {
    super(`etcd endpoint ${endpoint} failed recently and is skipped for now`);
  }
}

// etcd's error strings (server/etcdserver/api/v3rpc/rpctypes); stable across 3.4 and 3.5.
const COMPACTED = 'etcdserver: mvcc: required revision has been compacted';
const FUTURE_REVISION = 'etcdserver: mvcc: required revision is a future revision';
const REQUEST_TOO_LARGE = 'etcdserver: request is too large';

/**
 * Rejections etcd gives before a request enters the raft log, so the request had no effect:
 * the member has no leader, raft dropped the proposal (no leader known), the member is
 * overloaded, or it is still starting.
 */
const REJECTED_BEFORE_PROPOSAL = [
  'etcdserver: no leader',
  'raft proposal dropped',
  'etcdserver: too many requests',
  'etcdserver: not capable',
];

/**
 * Transport failures of a call that never reached a server: grpc-js reports a channel that could
 * not connect this way. A connection that breaks after the request was written reports
 * "Connection dropped", ECONNRESET or RST_STREAM instead, which stay ambiguous.
 */
const NOT_CONNECTED = [/No connection established/i, /ECONNREFUSED/, /failed to connect/i, /Name resolution failed/i];

export function isCompacted(err: unknown): boolean {
  return err instanceof GrpcCallError && err.details.includes(COMPACTED);
}

export function isFutureRevision(err: unknown): boolean {
  return err instanceof GrpcCallError && err.details.includes(FUTURE_REVISION);
}

/** True when etcd certainly did not apply the request, so even a write may be sent again. */
export function wasNotApplied(err: unknown): boolean {
  if (err instanceof NoHealthyEndpointError) return true;
  if (!(err instanceof GrpcCallError)) return false;
  if (REJECTED_BEFORE_PROPOSAL.some((m) => err.details.includes(m))) return true;
  return err.code === GrpcCode.Unavailable && !err.details.startsWith('etcdserver:') && NOT_CONNECTED.some((re) => re.test(err.details));
}

/**
 * True for failures that may go away on another attempt or another member (no leader, timeouts,
 * lost connections). Only reads and idempotent requests may be retried on all of them.
 */
export function isTransient(err: unknown): boolean {
  if (wasNotApplied(err)) return true;
  if (!(err instanceof GrpcCallError)) return false;
  if (err.code === GrpcCode.Unavailable || err.code === GrpcCode.DeadlineExceeded || err.code === GrpcCode.Cancelled) {
    return true;
  }
  // "request timed out", "leader changed" and friends come with code Unavailable in 3.4, but
  // proxies and older servers have sent them as Unknown.
  return /etcdserver: (request timed out|leader changed|server stopped)/.test(err.details);
}

/**
 * True when the endpoint itself looks unusable (not connected, or a member without a leader),
 * so the next request should prefer another endpoint.
 */
export function isEndpointFailure(err: unknown): boolean {
  if (!(err instanceof GrpcCallError)) return false;
  if (err.details.includes('etcdserver: no leader')) return true;
  return err.code === GrpcCode.Unavailable && !err.details.startsWith('etcdserver:');
}

export interface ErrorContext {
  /** What was being done, for the message ("get", "txn", "compact", ...). */
  readonly op: string;
  readonly key?: string;
  /** A write whose failure may have come after etcd applied it. */
  readonly write?: boolean;
}

/**
 * The `StorageError` for a failure other than the revision errors the engine handles itself.
 * A write that failed ambiguously says so in its message: the caller must read the key again
 * before deciding whether its write happened.
 */
export function toStorageError(err: unknown, context: ErrorContext): StorageError {
  if (err instanceof StorageError) return err;
  const where = context.key === undefined ? context.op : `${context.op} ${context.key}`;
  const keyDetail = context.key === undefined ? {} : { key: context.key };
  if (err instanceof GrpcCallError && err.details.includes(REQUEST_TOO_LARGE)) {
    return new StorageError('ValueTooLarge', `${where}: etcd refused the request as too large`, { ...keyDetail, cause: err });
  }
  const detail = err instanceof Error ? err.message : String(err);
  const unknownOutcome = context.write && isTransient(err) && !wasNotApplied(err);
  const note = unknownOutcome ? ' (the write may or may not have been applied)' : '';
  return new StorageError('Unavailable', `storage unavailable: ${where}: ${detail}${note}`, { ...keyDetail, cause: err });
}
