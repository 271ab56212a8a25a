/**
 * @module apiserver/errors
 *
 * Every error the API returns is a `metav1.Status` with upstream's code, reason and message
 * wording. `ApiError` carries one; the constructors below are the catalogue, and
 * `fromStorageError` is the single place storage errors become API errors.
 */
import { formatInvalidMessage, toStatusCauses, type FieldError } from './validation/field-errors.js';
import { isStorageError } from '../storage/errors.js';

export interface StatusCause {
  readonly reason?: string;
  readonly message?: string;
  readonly field?: string;
}

export interface StatusDetails {
  readonly name?: string;
  readonly group?: string;
  readonly kind?: string;
  readonly uid?: string;
  readonly causes?: readonly StatusCause[];
  readonly retryAfterSeconds?: number;
}

export interface Status {
  readonly kind: 'Status';
  readonly apiVersion: 'v1';
  readonly metadata: Record<string, never>;
  readonly status: 'Success' | 'Failure';
  readonly message?: string;
  readonly reason?: string;
  readonly details?: StatusDetails;
  readonly code: number;
}

export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
    readonly details?: StatusDetails,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  toStatus(): Status {
    return {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: this.message,
      reason: this.reason,
      ...(this.details && { details: this.details }),
      code: this.code,
    };
  }
}

/** The resource a message is about: `pods` or `deployments.apps`, as upstream's qualified names. */
export interface ResourceRef {
  readonly group: string;
  readonly plural: string;
}

const qualified = (r: ResourceRef) => (r.group ? `${r.plural}.${r.group}` : r.plural);

export const apiErrors = {
  badRequest: (message: string) => new ApiError(400, 'BadRequest', message),
  unauthorized: () => new ApiError(401, 'Unauthorized', 'Unauthorized'),
  forbidden: (message: string) => new ApiError(403, 'Forbidden', message),
  notFound: (r: ResourceRef, name: string) =>
    new ApiError(404, 'NotFound', `${qualified(r)} "${name}" not found`, { name, group: r.group, kind: r.plural }),
  /** A path no route serves (upstream's generic 404). */
  pathNotFound: () => new ApiError(404, 'NotFound', 'the server could not find the requested resource', {}),
  alreadyExists: (r: ResourceRef, name: string) =>
    new ApiError(409, 'AlreadyExists', `${qualified(r)} "${name}" already exists`, { name, group: r.group, kind: r.plural }),
  conflict: (r: ResourceRef, name: string, why: string) =>
    new ApiError(409, 'Conflict', `Operation cannot be fulfilled on ${qualified(r)} "${name}": ${why}`, {
      name,
      group: r.group,
      kind: r.plural,
    }),
  modified: (r: ResourceRef, name: string) =>
    apiErrors.conflict(r, name, 'the object has been modified; please apply your changes to the latest version and try again'),
  gone: (message: string) => new ApiError(410, 'Expired', message),
  invalid: (kind: string, group: string, name: string, errs: readonly FieldError[]) =>
    new ApiError(422, 'Invalid', formatInvalidMessage({ kind, group }, name, errs), {
      name,
      group,
      kind,
      causes: toStatusCauses(errs),
    }),
  /** 422 for a request that is well-formed but cannot be applied (a failing JSON patch test). */
  unprocessable: (message: string) => new ApiError(422, 'Invalid', message),
  methodNotAllowed: (method: string, r?: ResourceRef) =>
    new ApiError(405, 'MethodNotAllowed', `${method} is not supported by the server${r ? ` for ${qualified(r)}` : ''}`),
  notAcceptable: (accepted: string) =>
    new ApiError(406, 'NotAcceptable', `only the following media types are accepted: ${accepted}`),
  unsupportedMediaType: (type: string, accepted: string) =>
    new ApiError(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: ${accepted}`, {
      causes: [{ reason: 'UnexpectedServerResponse', message: type }],
    }),
  tooLarge: (limit: number) => new ApiError(413, 'RequestEntityTooLarge', `Request entity too large: limit is ${limit}`),
  tooManyRequests: (retryAfterSeconds: number) =>
    new ApiError(429, 'TooManyRequests', 'Too many requests, please try again later.', { retryAfterSeconds }),
  internal: (message: string, cause?: unknown) =>
    new ApiError(500, 'InternalError', `Internal error occurred: ${message}`, { causes: [{ message }] }, { cause }),
  unavailable: (message: string, cause?: unknown) =>
    new ApiError(503, 'ServiceUnavailable', message, { retryAfterSeconds: 1 }, { cause }),
  timeout: (message: string) => new ApiError(504, 'Timeout', message),
};

/**
 * The one boundary where storage errors become API errors. `name` is the object the request was
 * about; unexpected errors become 500 without leaking internals to the client.
 */
export function fromStorageError(err: unknown, r: ResourceRef, name: string): ApiError {
  if (err instanceof ApiError) return err;
  if (!isStorageError(err)) return apiErrors.internal(err instanceof Error ? err.message : String(err), err);
  switch (err.code) {
    case 'KeyNotFound':
      return apiErrors.notFound(r, name);
    case 'KeyExists':
      return apiErrors.alreadyExists(r, name);
    case 'Conflict':
      return apiErrors.modified(r, name);
    case 'Compacted':
      return apiErrors.gone('The resourceVersion for the provided list is too old.');
    case 'FutureRevision':
      return apiErrors.timeout(`Too large resource version: ${err.message}`);
    case 'ValueTooLarge':
      return apiErrors.tooLarge(1.5 * 1024 * 1024);
    case 'InvalidKey':
    case 'InvalidArgument':
      return apiErrors.badRequest(err.message);
    case 'Unavailable':
    case 'Closed':
    case 'WatchOverflow':
      return apiErrors.unavailable(`storage is unavailable: ${err.message}`, err);
  }
}
