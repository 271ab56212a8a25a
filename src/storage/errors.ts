/**
 * @module storage/errors
 *
 * The storage error catalogue. Each code has one meaning across engines; the API server maps them
 * to Kubernetes Status reasons at one boundary (KeyNotFound → 404 NotFound, KeyExists → 409
 * AlreadyExists, Conflict → 409 Conflict, Compacted → 410 Expired, Unavailable → 503, ...).
 */
import type { KeyValue } from './interface.js';

export const StorageErrorCode = {
  /** The key does not exist (at the requested revision). */
  KeyNotFound: 'KeyNotFound',
  /** A create found the key already present. */
  KeyExists: 'KeyExists',
  /** A conditional write found a different modRevision than expected. */
  Conflict: 'Conflict',
  /** The requested revision is older than the compacted revision. */
  Compacted: 'Compacted',
  /** The requested revision is newer than the store's current revision. */
  FutureRevision: 'FutureRevision',
  /** The value exceeds the engine's size limit (1.5 MiB, etcd's default). */
  ValueTooLarge: 'ValueTooLarge',
  /** The key is empty, too long, or contains bytes outside printable ASCII. */
  InvalidKey: 'InvalidKey',
  /** Some other argument is out of range (negative limit, empty prefix, ...). */
  InvalidArgument: 'InvalidArgument',
  /** A watcher fell too far behind and was dropped; it must watch again from its last revision. */
  WatchOverflow: 'WatchOverflow',
  /** The engine cannot be reached or is failing; the request may succeed later. */
  Unavailable: 'Unavailable',
  /** The store was closed. */
  Closed: 'Closed',
} as const;
export type StorageErrorCode = (typeof StorageErrorCode)[keyof typeof StorageErrorCode];

export interface StorageErrorDetails {
  readonly key?: string;
  /** For Compacted: the compacted revision; for FutureRevision: the current revision. */
  readonly revision?: number;
  /** For Conflict and KeyExists: the key's current value. */
  readonly current?: KeyValue;
  readonly cause?: unknown;
}

export class StorageError extends Error {
  override readonly name = 'StorageError';
  readonly key: string | undefined;
  readonly revision: number | undefined;
  readonly current: KeyValue | undefined;

  constructor(
    readonly code: StorageErrorCode,
    message: string,
    details: StorageErrorDetails = {},
  ) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.key = details.key;
    this.revision = details.revision;
    this.current = details.current;
  }
}

export function isStorageError(err: unknown, code?: StorageErrorCode): err is StorageError {
  return err instanceof StorageError && (code === undefined || err.code === code);
}

export const storageErrors = {
  keyNotFound: (key: string) => new StorageError('KeyNotFound', `key not found: ${key}`, { key }),
  keyExists: (key: string, current?: KeyValue) =>
    new StorageError('KeyExists', `key already exists: ${key}`, { key, ...(current && { current }) }),
  conflict: (key: string, expected: number, current: KeyValue | undefined) =>
    new StorageError(
      'Conflict',
      `modRevision of ${key} is ${current?.modRevision ?? 'absent'}, expected ${expected}`,
      { key, ...(current && { current }) },
    ),
  compacted: (requested: number, compactRevision: number) =>
    new StorageError(
      'Compacted',
      `required revision ${requested} has been compacted (compacted revision is ${compactRevision})`,
      { revision: compactRevision },
    ),
  futureRevision: (requested: number, current: number) =>
    new StorageError(
      'FutureRevision',
      `required revision ${requested} is a future revision (current revision is ${current})`,
      { revision: current },
    ),
  closed: () => new StorageError('Closed', 'storage is closed'),
  unavailable: (message: string, cause?: unknown) =>
    new StorageError('Unavailable', `storage unavailable: ${message}`, { cause }),
  watchOverflow: (prefix: string, lastRevision: number) =>
    new StorageError(
      'WatchOverflow',
      `watcher on ${prefix} fell behind and was dropped after revision ${lastRevision}`,
      { revision: lastRevision },
    ),
};
