/**
 * @module storage/validate
 *
 * Argument checks shared by every engine, so bad input is refused with the same error everywhere
 * and before anything is written.
 */
import { StorageError, storageErrors } from './errors.js';

/** etcd's default --max-request-bytes; Kubernetes objects larger than this cannot be stored. */
export const MAX_VALUE_BYTES = 1.5 * 1024 * 1024;
/** Keys are paths like /registry/pods/default/web-0; generous for any Kubernetes name. */
export const MAX_KEY_BYTES = 3 * 1024;

// Printable ASCII without space: byte order and UTF-16 order agree, so every engine sorts alike.
const KEY_PATTERN = /^[\x21-\x7e]+$/;

export function validateKey(key: string, what = 'key'): void {
  if (typeof key !== 'string' || key.length === 0) {
    throw new StorageError('InvalidKey', `${what} must not be empty`, { key });
  }
  if (key.length > MAX_KEY_BYTES) {
    throw new StorageError('InvalidKey', `${what} is ${key.length} bytes, more than the limit of ${MAX_KEY_BYTES}`, {
      key: key.slice(0, 64),
    });
  }
  if (!KEY_PATTERN.test(key)) {
    throw new StorageError('InvalidKey', `${what} ${JSON.stringify(key)} contains characters outside printable ASCII`, {
      key,
    });
  }
}

export function validateValue(key: string, value: Uint8Array): void {
  if (!(value instanceof Uint8Array)) {
    throw new StorageError('InvalidArgument', `value for ${key} must be bytes`, { key });
  }
  if (value.byteLength > MAX_VALUE_BYTES) {
    throw new StorageError(
      'ValueTooLarge',
      `value for ${key} is ${value.byteLength} bytes, more than the limit of ${MAX_VALUE_BYTES} bytes`,
      { key },
    );
  }
}

export function validateRevision(revision: number | undefined, what = 'revision'): number {
  if (revision === undefined) return 0;
  if (!Number.isSafeInteger(revision) || revision < 0) {
    throw new StorageError('InvalidArgument', `${what} must be a non-negative integer, got ${String(revision)}`);
  }
  return revision;
}

export function validateLimit(limit: number | undefined): number {
  if (limit === undefined) return 0;
  if (!Number.isSafeInteger(limit) || limit < 0) {
    throw new StorageError('InvalidArgument', `limit must be a non-negative integer, got ${String(limit)}`);
  }
  return limit;
}

/** A prefix may be any key-shaped string; the cursor `after` must lie inside the prefix's range. */
export function validateRange(prefix: string, after: string | undefined): void {
  validateKey(prefix, 'prefix');
  if (after !== undefined) {
    validateKey(after, 'after');
    if (!after.startsWith(prefix)) {
      throw new StorageError('InvalidArgument', `cursor ${JSON.stringify(after)} is outside the prefix ${JSON.stringify(prefix)}`);
    }
  }
}

/** The smallest string greater than every string that starts with `prefix` (etcd's range end). */
export function prefixEnd(prefix: string): string {
  const last = prefix.charCodeAt(prefix.length - 1);
  return prefix.slice(0, -1) + String.fromCharCode(last + 1);
}

/**
 * The revision a read is served at: the requested one, or the current one when none was asked for;
 * refused when compacted away or not yet written.
 */
export function resolveReadRevision(requested: number | undefined, current: number, compacted: number): number {
  const revision = validateRevision(requested) || current;
  if (revision > current) throw storageErrors.futureRevision(revision, current);
  if (revision < compacted) throw storageErrors.compacted(revision, compacted);
  return revision;
}

/** The first revision a watch delivers: the requested one, or the next write when none was asked for. */
export function resolveWatchStart(requested: number | undefined, current: number, compacted: number): number {
  const start = validateRevision(requested, 'startRevision') || current + 1;
  if (start < compacted) throw storageErrors.compacted(start, compacted);
  return start;
}
