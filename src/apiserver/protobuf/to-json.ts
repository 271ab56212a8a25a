/**
 * @module apiserver/protobuf/to-json
 *
 * Turns a decoded message into the JSON that upstream's Go structs would marshal to, so a
 * protobuf body and the JSON body of the same object reach the handler as the same value.
 *
 * Upstream's (gogo) protobuf marshals every value field, even a zero one, and a pointer, slice or
 * map only when set; JSON then follows `encoding/json`: a value field with `omitempty` disappears
 * when it is zero, a struct never does (hence `"resources": {}` and `"creationTimestamp": null`),
 * a nil pointer, slice or map without `omitempty` is `null`, `[]byte` is base64, map keys are
 * sorted. The input is what protobufjs' `toObject` gives with `longs: String, bytes: String`:
 * a key is present exactly when the field was on the wire (empty slices and maps are absent).
 */
import { protobufDecodeErrors } from './errors.js';
import type { FieldSchema, MessageSchema, Schema } from './schema.js';
import type { ValueMessageName } from './messages/meta.js';

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

/** A message as protobufjs `toObject` returns it. */
export type PlainMessage = { readonly [field: string]: unknown };

const isPlainMessage = (v: unknown): v is PlainMessage => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Converts a decoded `message` of type `name`; `path` (starting with the kind) names it in errors. */
export function messageToJson(schema: Schema, name: string, message: PlainMessage | undefined, path: string): JsonValue {
  const convert = valueMessages.get(name);
  if (convert !== undefined) return convert(message, path);
  return structToJson(schema, schema.message(name), message, path);
}

function structToJson(schema: Schema, msg: MessageSchema, message: PlainMessage | undefined, path: string): JsonObject {
  const out: JsonObject = {};
  for (const f of msg.fields) {
    const raw = message?.[f.json];
    if (f.inline) {
      // An embedded struct: its fields belong to this object, and errors name this object's path.
      Object.assign(out, structToJson(schema, schema.message(f.type), isPlainMessage(raw) ? raw : undefined, path));
      continue;
    }
    const value = fieldToJson(schema, f, raw, `${path}.${f.json}`);
    if (value !== omit) out[f.json] = value;
  }
  return out;
}

const omit = Symbol('omit');

function fieldToJson(schema: Schema, f: FieldSchema, raw: unknown, path: string): JsonValue | typeof omit {
  const element = (v: unknown, p: string): JsonValue =>
    f.isMessage ? messageToJson(schema, f.type, isPlainMessage(v) ? v : undefined, p) : scalarToJson(f.type, v, p);
  switch (f.shape) {
    case 'slice': {
      if (!Array.isArray(raw) || raw.length === 0) return f.omitEmpty ? omit : null;
      return raw.map((v, i) => element(v, `${path}[${i}]`));
    }
    case 'map': {
      if (!isPlainMessage(raw)) return f.omitEmpty ? omit : null;
      const keys = Object.keys(raw).sort();
      if (keys.length === 0) return f.omitEmpty ? omit : null;
      const out: JsonObject = {};
      for (const k of keys) out[k] = element(raw[k], `${path}[${JSON.stringify(k)}]`);
      return out;
    }
    case 'pointer':
      if (raw === undefined) return f.omitEmpty ? omit : null;
      return element(raw, path);
    case 'value': {
      // A struct is never empty to encoding/json, so it is always written, as its zero value if unset.
      if (f.isMessage) return element(raw, path);
      const value = raw === undefined ? scalarZero(f.type) : scalarToJson(f.type, raw, path);
      return f.omitEmpty && isEmptyScalar(value) ? omit : value;
    }
  }
}

/** Go's zero value as JSON; a nil `[]byte` is `null`. */
function scalarZero(type: string): JsonValue {
  switch (type) {
    case 'string':
      return '';
    case 'bool':
      return false;
    case 'bytes':
      return null;
    default:
      return 0;
  }
}

const isEmptyScalar = (v: JsonValue) => v === '' || v === 0 || v === false || v === null;

function scalarToJson(type: string, raw: unknown, path: string): JsonValue {
  switch (type) {
    case 'int64':
      return int64ToNumber(raw, path);
    case 'string':
    case 'bytes': // base64, from toObject's `bytes: String`, which is how encoding/json writes []byte
      if (typeof raw !== 'string') throw protobufDecodeErrors.invalidData(path, `expected ${type}`);
      return raw;
    case 'int32':
      if (typeof raw !== 'number') throw protobufDecodeErrors.invalidData(path, 'expected int32');
      return raw;
    case 'bool':
      if (typeof raw !== 'boolean') throw protobufDecodeErrors.invalidData(path, 'expected bool');
      return raw;
    default:
      throw new Error(`protobuf schema: no JSON rule for scalar type ${type}`);
  }
}

/** int64 arrives as a decimal string; JSON numbers in JavaScript hold it exactly only up to 2^53. */
function int64ToNumber(raw: unknown, path: string): number {
  const n = typeof raw === 'string' ? Number(raw) : raw;
  if (typeof n !== 'number' || !Number.isSafeInteger(n)) {
    throw protobufDecodeErrors.invalidData(path, `int64 ${String(raw)} cannot be represented exactly as a JSON number`);
  }
  return n;
}

// --- value messages: JSON forms that are not objects -------------------------------------------

/** `0001-01-01T00:00:00Z`, Go's zero time, which metav1 writes as `null`. */
const goZeroTimeSeconds = -62135596800;
const minSeconds = -62167219200; // 0000-01-01T00:00:00Z
const maxSeconds = 253402300799; // 9999-12-31T23:59:59Z

/** RFC 3339 in UTC as Go's `time.RFC3339` (no fraction) or metav1's RFC3339Micro (six digits). */
function formatTime(message: PlainMessage, micro: boolean, path: string): string | null {
  let seconds = message.seconds === undefined ? 0 : int64ToNumber(message.seconds, path);
  let nanos = typeof message.nanos === 'number' ? message.nanos : 0;
  // metav1.Time keeps whole seconds only; MicroTime truncates to microseconds. time.Unix normalises nanos.
  if (!micro) nanos = 0;
  seconds += Math.floor(nanos / 1e9);
  nanos = ((nanos % 1e9) + 1e9) % 1e9;
  const micros = Math.trunc(nanos / 1000);
  if (seconds === goZeroTimeSeconds && micros === 0) return null;
  if (seconds < minSeconds || seconds > maxSeconds) {
    throw protobufDecodeErrors.invalidData(path, `time ${seconds}s is outside years 0000-9999`);
  }
  const base = new Date(seconds * 1000).toISOString().slice(0, 19);
  return micro ? `${base}.${String(micros).padStart(6, '0')}Z` : `${base}Z`;
}

/** Upstream's Quantity grammar: a signed decimal number and an optional SI, binary or exponent suffix. */
const quantityPattern = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[numkMGTPE]|[KMGTPE]i|[eE][+-]?\d+)?$/;

/** JSON bytes embedded as-is by upstream (RawExtension, FieldsV1); anything else cannot be JSON. */
function embeddedJson(message: PlainMessage | undefined, field: string, what: string, path: string): JsonValue {
  const raw = message?.[field];
  if (typeof raw !== 'string') return null; // a nil Raw marshals as null
  const text = Buffer.from(raw, 'base64').toString('utf8');
  try {
    return JSON.parse(text) as JsonValue;
  } catch (cause) {
    throw protobufDecodeErrors.invalidData(path, `${what} does not hold JSON, which is all tskube can embed`, cause);
  }
}

type ValueConverter = (message: PlainMessage | undefined, path: string) => JsonValue;

const valueConverters: Record<ValueMessageName, ValueConverter> = {
  // An unset Time is written as zero bytes on the wire, so no field at all means Go's zero time.
  Time: (m, path) => (m === undefined || Object.keys(m).length === 0 ? null : formatTime(m, false, path)),
  MicroTime: (m, path) => (m === undefined || Object.keys(m).length === 0 ? null : formatTime(m, true, path)),
  Quantity: (m, path) => {
    if (m?.string === undefined) return '0'; // the zero Quantity
    const s = m.string;
    if (typeof s !== 'string' || !quantityPattern.test(s)) {
      throw protobufDecodeErrors.invalidData(path, `quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$' (got ${JSON.stringify(s)})`);
    }
    return s;
  },
  IntOrString: (m, path) => {
    const type = m?.type === undefined ? 0 : int64ToNumber(m.type, path);
    if (type === 0) return typeof m?.intVal === 'number' ? m.intVal : 0;
    if (type === 1) return typeof m?.strVal === 'string' ? m.strVal : '';
    throw protobufDecodeErrors.invalidData(path, `impossible IntOrString.Type ${type}`);
  },
  RawExtension: (m, path) => embeddedJson(m, 'raw', 'RawExtension', path),
  FieldsV1: (m, path) => embeddedJson(m, 'raw', 'FieldsV1', path),
};

const valueMessages: ReadonlyMap<string, ValueConverter> = new Map(Object.entries(valueConverters));
