/**
 * @module bench/apiserver-seed
 *
 * Child process: writes pods straight into a data dir's SQLite store before the API server opens
 * it (the store takes an exclusive lock, so this runs while no server does). Namespaces go
 * through the Registry, as the server would create them; pods are written as stored JSON under
 * the registry's key layout, 1,000 per group-commit batch, already scheduled and running.
 * argv: DATA_DIR FROM TO (pod indices, TO exclusive). Result: seconds and bytes written.
 */
import { join } from 'node:path';
import { ApiError } from '../src/api/errors.js';
import type { StoredObject } from '../src/api/object.js';
import { encodeObject } from '../src/registry/codec.js';
import { Registry } from '../src/registry/registry.js';
import { SqliteKV } from '../src/storage/sqlite/sqlite-kv.js';
import { POD_NAMESPACES, podNamespace, runningPod } from './apiserver-fixtures.js';
import { runEntry } from './children.js';
import { round } from './stats.js';

const BATCH = 1000;

runEntry(async () => {
  const [dataDir, fromArg, toArg] = process.argv.slice(2);
  const from = Number(fromArg);
  const to = Number(toArg);
  if (!dataDir || !Number.isSafeInteger(from) || !Number.isSafeInteger(to)) throw new Error('usage: apiserver-seed.ts DATA_DIR FROM TO');
  const t0 = performance.now();
  const kv = new SqliteKV({ path: join(dataDir, 'state.sqlite') });
  try {
    const registry = new Registry(kv);
    await registry.ensureDefaultNamespaces();
    for (let n = 0; n < POD_NAMESPACES; n++) {
      try {
        await registry.namespaces.create(undefined, { metadata: { name: podNamespace(n) } });
      } catch (err) {
        if (!(err instanceof ApiError && err.reason === 'AlreadyExists')) throw err;
      }
    }
    const pods = registry.store('', 'v1', 'pods')!;
    const now = new Date();
    let bytes = 0;
    for (let i = from; i < to; i += BATCH) {
      const writes: Promise<unknown>[] = [];
      for (let j = i; j < Math.min(i + BATCH, to); j++) {
        const pod = runningPod(j, now);
        const value = encodeObject(pod as StoredObject);
        bytes += value.length;
        writes.push(kv.create(pods.key(pod.metadata.namespace, pod.metadata.name), value));
      }
      await Promise.all(writes);
    }
    return { pods: to - from, seconds: round((performance.now() - t0) / 1000), meanPodBytes: Math.round(bytes / Math.max(1, to - from)) };
  } finally {
    await kv.close();
  }
});
