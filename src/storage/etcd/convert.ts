/**
 * @module storage/etcd/convert
 *
 * Translation between tskube's values and etcd's wire messages. etcd keys and values are bytes
 * and its 64-bit counters arrive as decimal strings; revisions stay far below 2^53, so plain
 * numbers are exact. Keys are converted as latin1, one byte per character, so any byte string a
 * foreign client wrote under our prefix survives the round trip and sorts the same way.
 */
import type { IEvent, IKeyValue } from 'etcd3';
import type { KeyValue, WatchEvent } from '../interface.js';

export function keyBytes(key: string): Buffer {
  return Buffer.from(key, 'latin1');
}

/** A Buffer over the caller's bytes, without copying, for the request encoder. */
export function valueBytes(value: Uint8Array): Buffer {
  return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
}

export function toKeyValue(kv: IKeyValue): KeyValue {
  return {
    key: kv.key.toString('latin1'),
    // A plain Uint8Array view of the decoded message; no copy.
    value: new Uint8Array(kv.value.buffer, kv.value.byteOffset, kv.value.byteLength),
    createRevision: Number(kv.create_revision),
    modRevision: Number(kv.mod_revision),
    version: Number(kv.version),
  };
}

/**
 * A watch event as the interface describes it. etcd's delete event carries only the key and the
 * delete's revision, so the deleted value comes from prevKv. `EtcdWatch` never passes an update or
 * delete without prevKv (etcd omits it only for an event exactly at the compact revision); should
 * one get here anyway, the update has no prevKv and the delete an empty value.
 */
export function toWatchEvent(event: IEvent): WatchEvent {
  const prevKv = event.prev_kv ? toKeyValue(event.prev_kv) : undefined;
  if (event.type === 'Delete') {
    const modRevision = Number(event.kv.mod_revision);
    const kv: KeyValue = prevKv
      ? { ...prevKv, modRevision }
      : { key: event.kv.key.toString('latin1'), value: new Uint8Array(), createRevision: 0, modRevision, version: 0 };
    return { type: 'delete', kv, prevKv };
  }
  const kv = toKeyValue(event.kv);
  return { type: kv.version === 1 ? 'create' : 'update', kv, prevKv };
}
