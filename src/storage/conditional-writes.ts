/**
 * @module storage/conditional-writes
 *
 * create, update and delete expressed once on top of an engine's single-key compare-and-swap, so
 * every engine turns a failed comparison into the same error.
 */
import { storageErrors } from './errors.js';
import type { KeyValue, TxnRequest, TxnResult } from './interface.js';

export interface ConditionalWrites {
  create(key: string, value: Uint8Array): Promise<KeyValue>;
  update(key: string, value: Uint8Array, expectedModRevision: number): Promise<KeyValue>;
  delete(key: string, expectedModRevision?: number): Promise<KeyValue>;
}

export function conditionalWrites(txn: (request: TxnRequest) => Promise<TxnResult>): ConditionalWrites {
  return {
    async create(key, value) {
      const res = await txn({ key, expectedModRevision: 0, op: 'put', value });
      if (!res.succeeded) throw storageErrors.keyExists(key, res.kv);
      return res.kv!;
    },

    async update(key, value, expectedModRevision) {
      if (expectedModRevision === 0) {
        // 0 would mean "must not exist" to txn; an update always needs an existing key.
        throw storageErrors.conflict(key, expectedModRevision, undefined);
      }
      const res = await txn({ key, expectedModRevision, op: 'put', value });
      if (res.succeeded) return res.kv!;
      if (!res.kv) throw storageErrors.keyNotFound(key);
      throw storageErrors.conflict(key, expectedModRevision, res.kv);
    },

    async delete(key, expectedModRevision) {
      const res = await txn({ key, op: 'delete', ...(expectedModRevision !== undefined && { expectedModRevision }) });
      if (res.succeeded) return res.kv!;
      if (!res.kv) throw storageErrors.keyNotFound(key);
      throw storageErrors.conflict(key, expectedModRevision ?? 0, res.kv);
    },
  };
}
