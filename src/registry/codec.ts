/**
 * @module registry/codec
 *
 * How objects are stored: JSON without resourceVersion (the storage revision IS the
 * resourceVersion, so storing it would only go stale). Decoding sets it back from modRevision.
 */
import type { StoredObject } from '../api/object.js';
import type { KeyValue } from '../storage/interface.js';

export function encodeObject(obj: StoredObject): Buffer {
  const { resourceVersion: _rv, ...metadata } = obj.metadata;
  return Buffer.from(JSON.stringify({ ...obj, metadata }));
}

export function decodeObject(kv: Pick<KeyValue, 'value' | 'modRevision'>): StoredObject {
  const obj = JSON.parse(Buffer.from(kv.value.buffer, kv.value.byteOffset, kv.value.byteLength).toString('utf8')) as StoredObject;
  obj.metadata.resourceVersion = String(kv.modRevision);
  return obj;
}
