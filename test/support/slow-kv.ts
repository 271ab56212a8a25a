/**
 * @module test/support/slow-kv
 *
 * A KV that adds a fixed delay before every write reaches the engine underneath: a slow disk or a
 * far-away etcd, for the latency scenario (seed 002). Reads and watches pass straight through.
 */
import type { KV, KeyValue, TxnRequest, TxnResult } from '../../src/storage/interface.js';

export function slowWrites(kv: KV, delayMs: number): KV {
  const later = <T>(fn: () => Promise<T>) => new Promise<T>((resolve, reject) => setTimeout(() => fn().then(resolve, reject), delayMs));
  return {
    engine: `${kv.engine}+${delayMs}ms`,
    get: (key, options) => kv.get(key, options),
    list: (prefix, options) => kv.list(prefix, options),
    count: (prefix, options) => kv.count(prefix, options),
    watch: (prefix, options) => kv.watch(prefix, options),
    stats: () => kv.stats(),
    compact: (revision) => kv.compact(revision),
    close: () => kv.close(),
    txn: (request: TxnRequest): Promise<TxnResult> => later(() => kv.txn(request)),
    create: (key: string, value: Uint8Array): Promise<KeyValue> => later(() => kv.create(key, value)),
    update: (key: string, value: Uint8Array, rev: number): Promise<KeyValue> => later(() => kv.update(key, value, rev)),
    delete: (key: string, rev?: number): Promise<KeyValue> => later(() => kv.delete(key, rev)),
  };
}
