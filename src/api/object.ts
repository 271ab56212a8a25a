/**
 * @module api/object
 *
 * The shape every stored object shares. Per-kind types come from `kubernetes-types`; the generic
 * machinery (registry, watch cache, handlers) works on this common view.
 */
import type { ObjectMeta as ClientObjectMeta } from 'kubernetes-types/meta/v1.js';

/**
 * kubernetes-types marks the fields the server sets (uid, resourceVersion, ...) read-only, as
 * clients should see them. The server is the one that sets them, so it works on this view.
 */
export type ObjectMeta = { -readonly [K in keyof ClientObjectMeta]: ClientObjectMeta[K] };

export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata?: ObjectMeta;
  [field: string]: unknown;
}

/** An object as stored and served: metadata is always present. */
export interface StoredObject extends KubeObject {
  metadata: ObjectMeta;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A deep copy of JSON data (objects here are always JSON-serialisable). */
export function deepCopy<T>(value: T): T {
  return structuredClone(value);
}

/** Structural equality of JSON values, ignoring key order. */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) {
    return Array.isArray(b) && a.length === b.length && a.every((v, i) => jsonEqual(v, b[i]));
  }
  if (isPlainObject(a) && isPlainObject(b)) {
    const ka = Object.keys(a).filter((k) => a[k] !== undefined);
    const kb = Object.keys(b).filter((k) => b[k] !== undefined);
    return ka.length === kb.length && ka.every((k) => jsonEqual(a[k], b[k]));
  }
  return false;
}
