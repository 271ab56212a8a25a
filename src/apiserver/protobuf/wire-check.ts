/**
 * @module apiserver/protobuf/wire-check
 *
 * Walks protobuf bytes against tskube's message types before protobufjs decodes them, because
 * protobufjs (like upstream's generated code) skips field numbers it does not know and does not
 * check wire types. Upstream skipping an unknown field loses a newer client's field; tskube
 * skipping one would lose a field its own definitions forgot, and create an object different
 * from the one the user asked for. So an unknown field is an error, unless the caller opts out.
 * This walk also turns "ran past the end" into a `Truncated` error with the path where it happened.
 */
import protobuf from 'protobufjs';
import { protobufDecodeErrors } from './errors.js';

export interface WireCheckOptions {
  /** `reject` (the default) fails on a field number the message does not define; `ignore` skips it as upstream does. */
  readonly unknownFields?: 'reject' | 'ignore';
}

const WireType = { Varint: 0, Fixed64: 1, LengthDelimited: 2, StartGroup: 3, EndGroup: 4, Fixed32: 5 } as const;

/** The wire type a field of scalar `type` is written with (protobufjs' own table). */
function scalarWireType(type: string): number | undefined {
  return (protobuf.types.basic as Record<string, number | undefined>)[type];
}

/** Throws unless `bytes` is a well-formed `type` message with only known fields. */
export function checkWire(type: protobuf.Type, bytes: Uint8Array, path: string, options: WireCheckOptions = {}): void {
  walk(type, bytes, path, options.unknownFields ?? 'reject');
}

/** Runs `read`, reporting protobufjs' RangeError ("index out of range": a read past the end) as truncation at `path`. */
function withinBounds(path: string, read: () => void): void {
  try {
    read();
  } catch (err) {
    if (err instanceof RangeError) throw protobufDecodeErrors.truncated(path, err);
    throw err;
  }
}

function walk(type: protobuf.Type, bytes: Uint8Array, path: string, unknownFields: 'reject' | 'ignore'): void {
  withinBounds(path, () => walkFields(type, bytes, path, unknownFields));
}

function walkFields(type: protobuf.Type, bytes: Uint8Array, path: string, unknownFields: 'reject' | 'ignore'): void {
  const reader = protobuf.Reader.create(bytes);
  const counts = new Map<number, number>();
  while (reader.pos < reader.len) {
    const tag = reader.uint32();
    const id = tag >>> 3;
    const wireType = tag & 7;
    if (id === 0) throw protobufDecodeErrors.invalidData(path, 'field number 0');
    if (wireType === WireType.StartGroup || wireType === WireType.EndGroup || wireType > WireType.Fixed32) {
      throw protobufDecodeErrors.invalidData(path, `field ${id} has wire type ${wireType}, which Kubernetes never uses`);
    }
    const field = type.fieldsById[id];
    if (field === undefined) {
      if (unknownFields === 'reject') throw protobufDecodeErrors.unknownField(path, type.name, id);
      reader.skipType(wireType);
      continue;
    }
    const index = counts.get(id) ?? 0;
    counts.set(id, index + 1);
    const isMap = field instanceof protobuf.MapField;
    const fieldPath = field.repeated || isMap ? `${path}.${field.name}[${index}]` : `${path}.${field.name}`;
    const sub = field.resolvedType;

    if (isMap) {
      expectWireType(wireType, WireType.LengthDelimited, fieldPath);
      walkMapEntry(field, readBytes(reader, fieldPath), fieldPath, unknownFields);
    } else if (sub instanceof protobuf.Type) {
      expectWireType(wireType, WireType.LengthDelimited, fieldPath);
      walk(sub, readBytes(reader, fieldPath), fieldPath, unknownFields);
    } else {
      const expected = scalarWireType(field.type);
      if (expected === undefined) throw new Error(`protobuf schema: ${type.name}.${field.name} has no wire type`);
      // A repeated number may also come packed into one length-delimited run.
      const packed = field.repeated && expected !== WireType.LengthDelimited && wireType === WireType.LengthDelimited;
      if (!packed) expectWireType(wireType, expected, fieldPath);
      reader.skipType(wireType);
    }
  }
}

/** A map entry is a message with the key as field 1 and the value as field 2. */
function walkMapEntry(field: protobuf.MapField, bytes: Uint8Array, path: string, unknownFields: 'reject' | 'ignore'): void {
  withinBounds(path, () => walkEntryFields(field, bytes, path, unknownFields));
}

function walkEntryFields(field: protobuf.MapField, bytes: Uint8Array, path: string, unknownFields: 'reject' | 'ignore'): void {
  const reader = protobuf.Reader.create(bytes);
  while (reader.pos < reader.len) {
    const tag = reader.uint32();
    const id = tag >>> 3;
    const wireType = tag & 7;
    const value = field.resolvedType;
    if (id === 1) {
      expectWireType(wireType, scalarWireType(field.keyType), path);
      reader.skipType(wireType);
    } else if (id === 2 && value instanceof protobuf.Type) {
      expectWireType(wireType, WireType.LengthDelimited, path);
      walk(value, readBytes(reader, path), path, unknownFields);
    } else if (id === 2) {
      expectWireType(wireType, scalarWireType(field.type), path);
      reader.skipType(wireType);
    } else if (unknownFields === 'reject') {
      throw protobufDecodeErrors.unknownField(path, `a ${field.name} map entry`, id);
    } else {
      reader.skipType(wireType);
    }
  }
}

function expectWireType(actual: number, expected: number | undefined, path: string): void {
  if (actual !== expected) {
    throw protobufDecodeErrors.invalidData(path, `wire type ${actual} where ${String(expected)} was expected`);
  }
}

/** Reads a length prefix and returns that many bytes, failing as truncated when they are not there. */
function readBytes(reader: protobuf.Reader, path: string): Uint8Array {
  const length = reader.uint32();
  const start = reader.pos;
  if (start + length > reader.len) throw protobufDecodeErrors.truncated(path);
  reader.skip(length);
  return reader.buf.subarray(start, start + length);
}
