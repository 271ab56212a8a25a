/**
 * @module bench/storage
 *
 * The storage benchmark: the same workload on the embedded SQLite engine and on a real etcd
 * started for this run, so the ratio between them is measured on the same machine at the same
 * time. Workload, per engine:
 *   - 1 and 64 concurrent writers, each updating its own key with 600-byte values (a node Lease),
 *     for a fixed time: writes/s and p50/p99 latency; a watcher on the prefix measures how long
 *     each event takes from the start of its write to its delivery (watch lag);
 *   - a LIST by prefix of 10,000 keys.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KV } from '../src/storage/interface.js';
import { EtcdKV } from '../src/storage/etcd/etcd-kv.js';
import { SqliteKV } from '../src/storage/sqlite/sqlite-kv.js';
import { startEtcd } from '../test/support/etcd.js';
import { Latencies, printTable, round } from './stats.js';

export interface StorageBenchOptions {
  readonly seconds: number;
  readonly listKeys: number;
}

interface WritePhase {
  writers: number;
  writesPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  watchLagP99Ms: number;
}

interface EngineResult {
  engine: string;
  phases: WritePhase[];
  list10kMs: number;
}

const VALUE = Buffer.alloc(600, 'l');

async function writePhase(kv: KV, prefix: string, writers: number, seconds: number): Promise<WritePhase> {
  const latencies = new Latencies();
  const startedAt = new Map<number, number>();
  const lag = new Latencies();
  const ac = new AbortController();
  const start = (await kv.stats()).revision + 1;
  const watcher = (async () => {
    try {
      for await (const ev of kv.watch(prefix, { startRevision: start, signal: ac.signal })) {
        const t0 = startedAt.get(ev.kv.modRevision);
        if (t0 !== undefined) {
          lag.add(performance.now() - t0);
          startedAt.delete(ev.kv.modRevision);
        }
      }
    } catch {
      // A watch overflow under load just ends the lag sample; the write figures stand.
    }
  })();
  const deadline = performance.now() + seconds * 1000;
  await Promise.all(
    Array.from({ length: writers }, async (_, w) => {
      const key = `${prefix}w${w}`;
      let current = await kv.create(key, VALUE);
      while (performance.now() < deadline) {
        const t0 = performance.now();
        current = await kv.update(key, VALUE, current.modRevision);
        latencies.add(performance.now() - t0);
        startedAt.set(current.modRevision, t0);
      }
    }),
  );
  // Let the watcher drain what it has, then stop it.
  await new Promise((r) => setTimeout(r, 200));
  ac.abort();
  await watcher;
  const { p50, p99 } = latencies.summary();
  return {
    writers,
    writesPerSecond: round(latencies.count / seconds, 0),
    p50Ms: round(p50),
    p99Ms: round(p99),
    watchLagP99Ms: round(lag.summary().p99),
  };
}

async function listPhase(kv: KV, prefix: string, keys: number): Promise<number> {
  for (let i = 0; i < keys; i += 500) {
    await Promise.all(
      Array.from({ length: Math.min(500, keys - i) }, (_, j) => kv.create(`${prefix}${String(i + j).padStart(6, '0')}`, VALUE)),
    );
  }
  const runs = 5;
  const t0 = performance.now();
  for (let r = 0; r < runs; r++) {
    const { kvs } = await kv.list(prefix);
    if (kvs.length !== keys) throw new Error(`list returned ${kvs.length} keys, expected ${keys}`);
  }
  return round((performance.now() - t0) / runs);
}

async function benchEngine(name: string, kv: KV, options: StorageBenchOptions): Promise<EngineResult> {
  const phases: WritePhase[] = [];
  for (const writers of [1, 64]) {
    phases.push(await writePhase(kv, `/bench/${name}/writers-${writers}/`, writers, options.seconds));
  }
  const list10kMs = await listPhase(kv, `/bench/${name}/list/`, options.listKeys);
  return { engine: name, phases, list10kMs };
}

export async function runStorageBench(options: StorageBenchOptions): Promise<Record<string, unknown>> {
  const dir = mkdtempSync(join(tmpdir(), 'tskube-bench-storage-'));
  // Both engines keep their data on the same disk, so both pay real fsyncs.
  const etcd = await startEtcd({ tmpRoot: dir });
  const results: EngineResult[] = [];
  try {
    const sqlite = new SqliteKV({ path: join(dir, 'bench.sqlite') });
    try {
      results.push(await benchEngine('sqlite', sqlite, options));
    } finally {
      await sqlite.close();
    }
    const etcdKv = await EtcdKV.open({ endpoints: [etcd.clientUrl] });
    try {
      results.push(await benchEngine('etcd', etcdKv, options));
    } finally {
      await etcdKv.close();
    }
  } finally {
    await etcd.stop();
    rmSync(dir, { recursive: true, force: true });
  }

  const [sqlite, etcdResult] = results as [EngineResult, EngineResult];
  const ratio = (writers: number) =>
    round(
      sqlite.phases.find((p) => p.writers === writers)!.writesPerSecond /
        etcdResult.phases.find((p) => p.writers === writers)!.writesPerSecond,
    );
  const rows = results.flatMap((r) =>
    r.phases.map((p) => ({
      engine: r.engine,
      writers: p.writers,
      'writes/s': p.writesPerSecond,
      'p50 ms': p.p50Ms,
      'p99 ms': p.p99Ms,
      'watch lag p99 ms': p.watchLagP99Ms,
      [`list ${options.listKeys} ms`]: r.list10kMs,
      'sqlite/etcd': r.engine === 'sqlite' ? ratio(p.writers) : 1,
    })),
  );
  console.log(`\nstorage: ${options.seconds}s per write phase, 600-byte values, both engines fsync every commit`);
  printTable(rows);
  return {
    seconds: options.seconds,
    engines: results,
    sqliteToEtcdWriteRatio: ratio(64),
    sqliteToEtcdWriteRatio1Writer: ratio(1),
    sqliteP99Ms64Writers: sqlite.phases.find((p) => p.writers === 64)!.p99Ms,
  };
}
