/**
 * @module apiserver/patch/json
 *
 * The JSON view the strategic merge works on, and the few helpers it needs. Keys are read and
 * written as own properties only: a patch is user input, and a key such as "__proto__" or
 * "constructor" must be an ordinary field, never a way into Object.prototype.
 */
import { patchErrors } from './errors.js';

export type JsonPrimitive = string | number | boolean | null;
export type JsonValue = JsonPrimitive | JsonValue[] | JsonObject;
export interface JsonObject {
  [key: string]: JsonValue;
}

/** What upstream compares with reflect.TypeOf: values of different kinds never merge. */
export type JsonKind = 'object' | 'array' | 'string' | 'number' | 'boolean' | 'null';

export function kindOf(value: JsonValue): JsonKind {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  switch (typeof value) {
    case 'string':
      return 'string';
    case 'number':
      return 'number';
    case 'boolean':
      return 'boolean';
    default:
      return 'object';
  }
}

export function isJsonObject(value: JsonValue | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The value of an own property, or undefined. */
export function own(object: JsonObject, key: string): JsonValue | undefined {
  return Object.hasOwn(object, key) ? object[key] : undefined;
}

/** Sets an own, enumerable property, even for "__proto__". */
export function setOwn(object: JsonObject, key: string, value: JsonValue): void {
  Object.defineProperty(object, key, { value, enumerable: true, writable: true, configurable: true });
}

/**
 * A private deep copy of caller data, checked to be JSON. The merge edits its copies in place (as
 * upstream edits its decoded maps), so copying here is what keeps the caller's objects untouched.
 * Properties whose value is undefined are absent, as JSON.stringify would have it.
 */
export function copyJson(value: unknown, what: string): JsonValue {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw patchErrors.invalidDocument(`${what} holds a number JSON cannot represent`);
    return value;
  }
  if (Array.isArray(value)) return value.map((element: unknown) => copyJson(element ?? null, what));
  if (typeof value === 'object') {
    const copy: JsonObject = {};
    for (const [key, field] of Object.entries(value)) {
      if (field !== undefined) setOwn(copy, key, copyJson(field, what));
    }
    return copy;
  }
  throw patchErrors.invalidDocument(`${what} holds a ${typeof value}, which is not JSON`);
}

/** The field path of a child, in upstream's field-error notation (spec.containers[0].env). */
export function childPath(path: string, key: string): string {
  return path === '' ? key : `${path}.${key}`;
}

export function elementPath(path: string, index: number): string {
  return `${path}[${index}]`;
}

/** "a list", "an object", "null", ...: for messages about a value of the wrong type. */
export function describeKind(value: JsonValue): string {
  const kind = kindOf(value);
  if (kind === 'null') return 'null';
  if (kind === 'array') return 'a list';
  return kind === 'object' ? 'an object' : `a ${kind}`;
}
