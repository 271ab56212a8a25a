/**
 * @module client/errors
 *
 * The errors the client library throws, each once, with a stable code:
 *   - `ApiStatusError`: the server answered with a failure Status (404, 409, 410, 429, 5xx…);
 *     it carries that Status as sent (code, reason, message, details) and any Retry-After;
 *   - `TransportError`: no complete answer — dial failed, connection lost, timed out, aborted,
 *     or the transport was closed; `requestSent` tells whether any byte of the request may have
 *     reached the server (a mutating request is retried only when it cannot have);
 *   - `WatchDecodeError`: a watch line that is not a watch event. Never ignored.
 */
import type { IncomingHttpHeaders } from 'node:http2';
import type { Status, StatusDetails } from '../api/errors.js';
import { isPlainObject } from '../api/object.js';

export type { Status, StatusDetails };

/** Upstream's reason for an HTTP code, for answers whose body is not a Status (a proxy's 502). */
const REASONS: Readonly<Record<number, string>> = {
  400: 'BadRequest',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'NotFound',
  405: 'MethodNotAllowed',
  406: 'NotAcceptable',
  409: 'Conflict',
  410: 'Expired',
  413: 'RequestEntityTooLarge',
  415: 'UnsupportedMediaType',
  422: 'Invalid',
  429: 'TooManyRequests',
  500: 'InternalError',
  503: 'ServiceUnavailable',
  504: 'Timeout',
};

export class ApiStatusError extends Error {
  override readonly name = 'ApiStatusError';
  /** The HTTP status code (the Status's `code`). */
  readonly code: number;
  readonly reason: string;
  readonly details: StatusDetails | undefined;
  /** Seconds the server asked us to wait (Retry-After header, else details.retryAfterSeconds). */
  readonly retryAfterSeconds: number | undefined;

  constructor(readonly status: Status, retryAfterSeconds?: number) {
    super(status.message ?? `the server answered ${status.code} ${status.reason ?? ''}`.trim());
    this.code = status.code;
    this.reason = status.reason ?? REASONS[status.code] ?? 'Unknown';
    this.details = status.details;
    this.retryAfterSeconds = retryAfterSeconds ?? status.details?.retryAfterSeconds;
  }

  /** From an HTTP error answer: its Status body when it has one, else a Status made from the code. */
  static fromResponse(httpStatus: number, headers: IncomingHttpHeaders, body: Buffer | string): ApiStatusError {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    const retryAfter = parseRetryAfter(headers['retry-after']);
    if (isStatus(parsed)) return new ApiStatusError({ ...parsed, code: parsed.code || httpStatus }, retryAfter);
    return new ApiStatusError(
      {
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Failure',
        code: httpStatus,
        reason: REASONS[httpStatus] ?? 'Unknown',
        message: text.trim().length > 0 ? `the server answered ${httpStatus}: ${text.trim().slice(0, 500)}` : `the server answered ${httpStatus}`,
      },
      retryAfter,
    );
  }

  /** From the object of a watch ERROR event. */
  static fromWatchError(object: unknown): ApiStatusError {
    if (isStatus(object)) return new ApiStatusError(object);
    return new ApiStatusError({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', code: 500, reason: 'InternalError', message: `watch ERROR event without a Status: ${JSON.stringify(object)}` });
  }
}

function isStatus(value: unknown): value is Status {
  return isPlainObject(value) && value.kind === 'Status' && typeof value.code === 'number';
}

/** Retry-After as seconds: delta-seconds or an HTTP date. */
export function parseRetryAfter(header: string | string[] | undefined, now = Date.now()): number | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  if (value === undefined || value.trim() === '') return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim());
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, Math.ceil((date - now) / 1000));
}

export function isApiStatusError(err: unknown, code?: number): err is ApiStatusError {
  return err instanceof ApiStatusError && (code === undefined || err.code === code);
}
export const isNotFound = (err: unknown): boolean => isApiStatusError(err, 404);
export const isAlreadyExists = (err: unknown): boolean => isApiStatusError(err, 409) && err.reason === 'AlreadyExists';
/** A 409 because of an optimistic-concurrency conflict (stale resourceVersion). */
export const isConflict = (err: unknown): boolean => isApiStatusError(err, 409) && err.reason === 'Conflict';
/** 410: the resourceVersion (or continue token) is older than the server's history; relist. */
export const isResourceExpired = (err: unknown): boolean => isApiStatusError(err, 410);
export const isTooManyRequests = (err: unknown): boolean => isApiStatusError(err, 429);
export const isInvalid = (err: unknown): boolean => isApiStatusError(err, 422);
/** 504 "Too large resource version": the server has not caught up with the revision asked for. */
export const isTooLargeResourceVersion = (err: unknown): boolean =>
  isApiStatusError(err, 504) && /too large resource version/i.test(err.message);

export type TransportErrorCode =
  /** The connection could not be established (refused, TLS failure, dial timeout). Nothing was sent. */
  | 'ConnectFailed'
  /** The connection or stream broke before the answer was complete. */
  | 'ConnectionLost'
  /** The per-request timeout expired. */
  | 'Timeout'
  /** The caller's AbortSignal aborted. */
  | 'Aborted'
  /** The transport was closed by its owner. */
  | 'Closed';

export class TransportError extends Error {
  override readonly name = 'TransportError';
  constructor(
    readonly code: TransportErrorCode,
    message: string,
    /** Whether any byte of the request may have reached the server. */
    readonly requestSent: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export function isTransportError(err: unknown, code?: TransportErrorCode): err is TransportError {
  return err instanceof TransportError && (code === undefined || err.code === code);
}

/** The request was cancelled by its caller's signal. */
export const isAborted = (err: unknown): boolean => isTransportError(err, 'Aborted');

export class WatchDecodeError extends Error {
  override readonly name = 'WatchDecodeError';
  constructor(
    message: string,
    readonly line: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
