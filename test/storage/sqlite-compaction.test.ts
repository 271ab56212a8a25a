import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { runCompactor } from '../../src/storage/compactor.js';
import { MemoryKV } from '../../src/storage/memory/memory-kv.js';
import { SqliteKV } from '../../src/storage/sqlite/sqlite-kv.js';

const dir = mkdtempSync(join(tmpdir(), 'tskube-compaction-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const lease = Buffer.alloc(600, 'l');

async function heartbeat(kv: SqliteKV | MemoryKV, nodes: number, rounds: number): Promise<void> {
  await Promise.all(
    Array.from({ length: nodes }, async (_, n) => {
      let current = await kv.create(`/leases/node-${n}`, lease).catch(async () => (await kv.get(`/leases/node-${n}`)).kv!);
      for (let i = 0; i < rounds; i++) current = await kv.update(`/leases/node-${n}`, lease, current.modRevision);
    }),
  );
}

describe('compaction keeps the database bounded', () => {
  it('frees superseded revisions of the SQLite log and reuses the space', async () => {
    const kv = new SqliteKV({ path: join(dir, 'bounded.sqlite') });
    try {
      await heartbeat(kv, 20, 500);
      const grown = (await kv.stats()).dbSizeBytes!;
      await kv.compact((await kv.stats()).revision);
      const compacted = (await kv.stats()).dbSizeBytes!;
      // Another round of the same size lands in the freed pages instead of growing the file again.
      await heartbeat(kv, 20, 500);
      await kv.compact((await kv.stats()).revision);
      const again = (await kv.stats()).dbSizeBytes!;
      console.log(`db size: ${grown} bytes after 10k writes, ${compacted} after compaction, ${again} after another 10k + compaction`);
      assert.ok(again < grown, `database grew to ${again} bytes (was ${grown} before the first compaction)`);
      const list = await kv.list('/leases/');
      assert.equal(list.kvs.length, 20);
      assert.ok(list.kvs.every((e) => e.version === 1001));
    } finally {
      await kv.close();
    }
  });

  it('compacts automatically, one interval behind, keeping minRetain revisions', async () => {
    const kv = new MemoryKV();
    const ac = new AbortController();
    const compacted: number[] = [];
    const loop = runCompactor(kv, { intervalMs: 20, minRetain: 10, signal: ac.signal, onCompact: (r) => compacted.push(r) });
    try {
      await heartbeat(kv, 5, 40);
      for (let i = 0; i < 100 && compacted.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
      const stats = await kv.stats();
      assert.ok(compacted.length > 0, 'the compactor never compacted');
      assert.ok(stats.compactRevision <= stats.revision - 10);
      assert.equal((await kv.list('/leases/')).kvs.length, 5);
    } finally {
      ac.abort();
      await loop;
      await kv.close();
    }
  });
});
