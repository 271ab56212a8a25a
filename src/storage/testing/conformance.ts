/**
 * @module storage/testing/conformance
 *
 * The one suite every storage engine passes. Each engine's test file calls
 * `runStorageConformance({ name, newStore })`; the suite never assumes an empty store or absolute
 * revisions (etcd's revisions are shared by everything in the cluster), only the relations the
 * interface promises. Every test works under its own key prefix.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import { isStorageError, type StorageErrorCode } from '../errors.js';
import type { KV, KeyValue, WatchEvent } from '../interface.js';
import { MAX_VALUE_BYTES } from '../validate.js';

export interface ConformanceTarget {
  readonly name: string;
  /** A store to test against; the suite closes it. Stores may share data (use of prefixes keeps tests apart). */
  readonly newStore: () => Promise<KV>;
  /** Bounds for the concurrency test; engines over the network may ask for less. */
  readonly concurrentWriters?: number;
  readonly writesPerWriter?: number;
}

const enc = (s: string) => Buffer.from(s);
const dec = (v: Uint8Array) => Buffer.from(v).toString();

async function rejectsWith(p: Promise<unknown>, code: StorageErrorCode): Promise<void> {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(isStorageError(err), `expected StorageError ${code}, got ${String(err)}`);
    assert.equal(err.code, code, `expected ${code}, got ${err.code}: ${err.message}`);
    return true;
  });
}

/** Collects `n` events from a watch, failing after `timeoutMs`. */
export async function collectEvents(watch: AsyncIterable<WatchEvent>, n: number, timeoutMs = 10_000): Promise<WatchEvent[]> {
  const out: WatchEvent[] = [];
  if (n === 0) return out;
  const iterator = watch[Symbol.asyncIterator]();
  const deadline = Date.now() + timeoutMs;
  while (out.length < n) {
    const remaining = deadline - Date.now();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`timed out with ${out.length}/${n} events`)), Math.max(remaining, 0));
    });
    try {
      const next = await Promise.race([iterator.next(), timeout]);
      if (next.done) break;
      out.push(next.value);
    } finally {
      clearTimeout(timer);
    }
  }
  return out;
}

export function runStorageConformance(target: ConformanceTarget): void {
  const withStore = async (fn: (kv: KV, prefix: string) => Promise<void>) => {
    const kv = await target.newStore();
    try {
      await fn(kv, `/conformance/${randomUUID().slice(0, 8)}/`);
    } finally {
      await kv.close();
    }
  };

  describe(`storage conformance: ${target.name}`, () => {
    describe('create and get', () => {
      it('gives each write a new, strictly increasing revision', () =>
        withStore(async (kv, p) => {
          const before = (await kv.stats()).revision;
          const a = await kv.create(`${p}a`, enc('1'));
          const b = await kv.create(`${p}b`, enc('2'));
          assert.ok(a.modRevision > before);
          assert.ok(b.modRevision > a.modRevision);
          assert.equal(a.createRevision, a.modRevision);
          assert.equal(a.version, 1);
          const got = await kv.get(`${p}a`);
          assert.deepEqual(got.kv && { ...got.kv, value: dec(got.kv.value) }, { ...a, value: '1' });
          assert.ok(got.revision >= b.modRevision);
        }));

      it('returns undefined for a missing key', () =>
        withStore(async (kv, p) => {
          const got = await kv.get(`${p}missing`);
          assert.equal(got.kv, undefined);
          assert.ok(got.revision > 0);
        }));

      it('refuses to create a key twice and reports the current value', () =>
        withStore(async (kv, p) => {
          const first = await kv.create(`${p}a`, enc('1'));
          await assert.rejects(kv.create(`${p}a`, enc('2')), (err: unknown) => {
            assert.ok(isStorageError(err, 'KeyExists'));
            assert.equal(err.current?.modRevision, first.modRevision);
            return true;
          });
          assert.equal(dec((await kv.get(`${p}a`)).kv!.value), '1');
        }));

      it('stores binary values byte for byte', () =>
        withStore(async (kv, p) => {
          const bytes = Uint8Array.from({ length: 256 }, (_, i) => i);
          await kv.create(`${p}bin`, bytes);
          assert.deepEqual(Buffer.from((await kv.get(`${p}bin`)).kv!.value), Buffer.from(bytes));
          await kv.create(`${p}empty`, new Uint8Array());
          assert.equal((await kv.get(`${p}empty`)).kv!.value.byteLength, 0);
        }));
    });

    describe('update and delete', () => {
      it('updates only when the modRevision matches', () =>
        withStore(async (kv, p) => {
          const created = await kv.create(`${p}a`, enc('1'));
          const updated = await kv.update(`${p}a`, enc('2'), created.modRevision);
          assert.ok(updated.modRevision > created.modRevision);
          assert.equal(updated.createRevision, created.createRevision);
          assert.equal(updated.version, 2);
          await assert.rejects(kv.update(`${p}a`, enc('3'), created.modRevision), (err: unknown) => {
            assert.ok(isStorageError(err, 'Conflict'));
            assert.equal(err.current?.modRevision, updated.modRevision);
            assert.equal(dec(err.current!.value), '2');
            return true;
          });
          assert.equal(dec((await kv.get(`${p}a`)).kv!.value), '2');
          await rejectsWith(kv.update(`${p}nothere`, enc('x'), 5), 'KeyNotFound');
        }));

      it('deletes, reports the deleted value at the delete revision, and recreates from version 1', () =>
        withStore(async (kv, p) => {
          const created = await kv.create(`${p}a`, enc('1'));
          const deleted = await kv.delete(`${p}a`);
          assert.equal(dec(deleted.value), '1');
          assert.ok(deleted.modRevision > created.modRevision);
          assert.equal(deleted.createRevision, created.createRevision);
          assert.equal((await kv.get(`${p}a`)).kv, undefined);
          await rejectsWith(kv.delete(`${p}a`), 'KeyNotFound');
          const again = await kv.create(`${p}a`, enc('2'));
          assert.equal(again.version, 1);
          assert.ok(again.createRevision > deleted.modRevision);
        }));

      it('deletes conditionally', () =>
        withStore(async (kv, p) => {
          const created = await kv.create(`${p}a`, enc('1'));
          await kv.update(`${p}a`, enc('2'), created.modRevision);
          await rejectsWith(kv.delete(`${p}a`, created.modRevision), 'Conflict');
          assert.ok((await kv.get(`${p}a`)).kv);
        }));

      it('txn reports the current value when the comparison fails and writes nothing', () =>
        withStore(async (kv, p) => {
          const created = await kv.create(`${p}a`, enc('1'));
          const before = (await kv.stats()).revision;
          const failed = await kv.txn({ key: `${p}a`, expectedModRevision: 0, op: 'put', value: enc('x') });
          assert.equal(failed.succeeded, false);
          assert.equal(failed.kv?.modRevision, created.modRevision);
          const absent = await kv.txn({ key: `${p}b`, expectedModRevision: 7, op: 'delete' });
          assert.equal(absent.succeeded, false);
          assert.equal(absent.kv, undefined);
          assert.equal((await kv.stats()).revision, before);
          const ok = await kv.txn({ key: `${p}a`, expectedModRevision: created.modRevision, op: 'put', value: enc('2') });
          assert.equal(ok.succeeded, true);
          assert.equal(ok.revision, ok.kv?.modRevision);
        }));
    });

    describe('list and count', () => {
      it('lists a prefix in key order, excluding deleted keys and neighbouring prefixes', () =>
        withStore(async (kv, p) => {
          for (const k of ['c', 'a', 'b', 'd']) await kv.create(`${p}x/${k}`, enc(k));
          await kv.create(`${p}xy/z`, enc('other'));
          await kv.create(`${p}w`, enc('other'));
          await kv.delete(`${p}x/d`);
          const res = await kv.list(`${p}x/`);
          assert.deepEqual(res.kvs.map((e) => e.key), [`${p}x/a`, `${p}x/b`, `${p}x/c`]);
          assert.equal(res.more, false);
          assert.equal((await kv.count(`${p}x/`)).count, 3);
        }));

      it('paginates one consistent snapshot with limit, after and revision', () =>
        withStore(async (kv, p) => {
          for (let i = 0; i < 10; i++) await kv.create(`${p}k${i}`, enc(`v${i}`));
          const page1 = await kv.list(p, { limit: 4 });
          assert.equal(page1.kvs.length, 4);
          assert.equal(page1.more, true);
          // Writes after the first page must not show up in later pages of the same LIST.
          await kv.create(`${p}k99`, enc('late'));
          const k5 = (await kv.get(`${p}k5`)).kv!;
          await kv.update(`${p}k5`, enc('changed'), k5.modRevision);
          await kv.delete(`${p}k7`);
          const seen = [...page1.kvs];
          let cursor = page1.kvs.at(-1)!.key;
          for (let guard = 0; guard < 10; guard++) {
            const page = await kv.list(p, { limit: 4, after: cursor, revision: page1.revision });
            seen.push(...page.kvs);
            assert.equal(page.revision, page1.revision);
            if (!page.more) break;
            cursor = page.kvs.at(-1)!.key;
          }
          assert.deepEqual(
            seen.map((e) => `${e.key.slice(p.length)}=${dec(e.value)}`),
            Array.from({ length: 10 }, (_, i) => `k${i}=v${i}`),
          );
          const now = await kv.list(p);
          assert.equal(now.kvs.length, 10);
          assert.equal(dec(now.kvs.find((e) => e.key === `${p}k5`)!.value), 'changed');
        }));

      it('reads a single key at an older revision', () =>
        withStore(async (kv, p) => {
          const v1 = await kv.create(`${p}a`, enc('1'));
          const v2 = await kv.update(`${p}a`, enc('2'), v1.modRevision);
          await kv.delete(`${p}a`);
          assert.equal(dec((await kv.get(`${p}a`, { revision: v1.modRevision })).kv!.value), '1');
          assert.equal(dec((await kv.get(`${p}a`, { revision: v2.modRevision })).kv!.value), '2');
          assert.equal((await kv.get(`${p}a`)).kv, undefined);
          assert.equal((await kv.count(p, { revision: v2.modRevision })).count, 1);
        }));

      it('refuses a future revision', () =>
        withStore(async (kv, p) => {
          const { revision } = await kv.stats();
          await rejectsWith(kv.get(`${p}a`, { revision: revision + 1000 }), 'FutureRevision');
          await rejectsWith(kv.list(p, { revision: revision + 1000 }), 'FutureRevision');
        }));
    });

    describe('watch', () => {
      it('delivers creates, updates and deletes with previous values, from now on', () =>
        withStore(async (kv, p) => {
          await kv.create(`${p}old`, enc('before the watch'));
          const ac = new AbortController();
          const watch = kv.watch(p, { signal: ac.signal });
          const events = collectEvents(watch, 3);
          // Give a remote engine time to register the watch before writing.
          await new Promise((r) => setTimeout(r, 100));
          const a = await kv.create(`${p}a`, enc('1'));
          const b = await kv.update(`${p}a`, enc('2'), a.modRevision);
          const d = await kv.delete(`${p}a`);
          await kv.create(`/elsewhere${p}a`, enc('not under the prefix'));
          const got = await events;
          ac.abort();
          assert.deepEqual(
            got.map((e) => [e.type, e.kv.modRevision, dec(e.kv.value), e.prevKv && dec(e.prevKv.value)]),
            [
              ['create', a.modRevision, '1', undefined],
              ['update', b.modRevision, '2', '1'],
              ['delete', d.modRevision, '2', '2'],
            ],
          );
          assert.equal(got[2]!.kv.createRevision, a.createRevision);
        }));

      it('replays history from a start revision, then continues live without gaps', () =>
        withStore(async (kv, p) => {
          const a = await kv.create(`${p}a`, enc('1'));
          const b = await kv.create(`${p}b`, enc('2'));
          const ac = new AbortController();
          const watch = kv.watch(p, { startRevision: a.modRevision, signal: ac.signal });
          const events = collectEvents(watch, 3);
          const c = await kv.create(`${p}c`, enc('3'));
          const got = await events;
          ac.abort();
          assert.deepEqual(got.map((e) => e.kv.modRevision), [a.modRevision, b.modRevision, c.modRevision]);
        }));

      it('reports progress past writes under other prefixes', () =>
        withStore(async (kv, p) => {
          const ac = new AbortController();
          let progress = 0;
          const watch = kv.watch(`${p}quiet/`, { signal: ac.signal, onProgress: (r) => (progress = Math.max(progress, r)) });
          const consumed = collectEvents(watch, 1, 5_000).catch(() => []);
          await new Promise((r) => setTimeout(r, 100));
          const elsewhere = await kv.create(`${p}busy/a`, enc('x'));
          const deadline = Date.now() + 5_000;
          while (progress < elsewhere.modRevision && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
          ac.abort();
          await consumed;
          assert.ok(progress >= elsewhere.modRevision, `progress ${progress} never reached ${elsewhere.modRevision}`);
        }));

      it('ends normally when its signal aborts', () =>
        withStore(async (kv, p) => {
          const ac = new AbortController();
          const watch = kv.watch(p, { signal: ac.signal });
          setTimeout(() => ac.abort(), 50);
          const got = await collectEvents(watch, 1, 5_000);
          assert.equal(got.length, 0);
        }));

      it('delivers every acknowledged write exactly once, in order, under concurrent writers', () =>
        withStore(async (kv, p) => {
          const writers = target.concurrentWriters ?? 32;
          const perWriter = target.writesPerWriter ?? 25;
          const start = (await kv.stats()).revision + 1;
          const ac = new AbortController();
          const watch = kv.watch(p, { startRevision: start, signal: ac.signal });
          const events = collectEvents(watch, writers * perWriter, 60_000);
          const acknowledged: number[] = [];
          await Promise.all(
            Array.from({ length: writers }, async (_, w) => {
              let kvNow: KeyValue = await kv.create(`${p}w${w}`, enc('0'));
              acknowledged.push(kvNow.modRevision);
              for (let i = 1; i < perWriter; i++) {
                kvNow = await kv.update(`${p}w${w}`, enc(String(i)), kvNow.modRevision);
                acknowledged.push(kvNow.modRevision);
              }
            }),
          );
          const got = await events;
          ac.abort();
          const revisions = got.map((e) => e.kv.modRevision);
          for (let i = 1; i < revisions.length; i++) {
            assert.ok(revisions[i]! > revisions[i - 1]!, `revision ${revisions[i]} after ${revisions[i - 1]}`);
          }
          assert.deepEqual([...revisions].sort((x, y) => x - y), [...acknowledged].sort((x, y) => x - y));
        }));
    });

    describe('compaction', () => {
      it('makes older revisions fail with Compacted and keeps current values', () =>
        withStore(async (kv, p) => {
          const a1 = await kv.create(`${p}a`, enc('1'));
          const a2 = await kv.update(`${p}a`, enc('2'), a1.modRevision);
          await kv.create(`${p}gone`, enc('x'));
          await kv.delete(`${p}gone`);
          const b = await kv.create(`${p}b`, enc('3'));
          await kv.compact(b.modRevision);
          const stats = await kv.stats();
          assert.ok(stats.compactRevision >= b.modRevision);
          await rejectsWith(kv.get(`${p}a`, { revision: a1.modRevision }), 'Compacted');
          await rejectsWith(kv.list(p, { revision: a2.modRevision }), 'Compacted');
          const list = await kv.list(p);
          assert.deepEqual(list.kvs.map((e) => `${e.key.slice(p.length)}=${dec(e.value)}`), ['a=2', 'b=3']);
          assert.equal(dec((await kv.get(`${p}a`, { revision: b.modRevision })).kv!.value), '2');
          // Compacting again at or below the compacted revision is harmless.
          await kv.compact(a1.modRevision);
          await rejectsWith(kv.compact(stats.revision + 1000), 'FutureRevision');
        }));

      it('fails a watch that starts below the compacted revision', () =>
        withStore(async (kv, p) => {
          const a = await kv.create(`${p}a`, enc('1'));
          const b = await kv.update(`${p}a`, enc('2'), a.modRevision);
          await kv.compact(b.modRevision);
          const ac = new AbortController();
          try {
            await assert.rejects(collectEvents(kv.watch(p, { startRevision: a.modRevision, signal: ac.signal }), 1), (err: unknown) =>
              isStorageError(err, 'Compacted'),
            );
          } finally {
            ac.abort();
          }
          // Watching from the compacted revision itself still works, and a later update still
          // carries its previous value (the value current at the compacted revision).
          const c = await kv.create(`${p}c`, enc('3'));
          await kv.compact(c.modRevision);
          const ac2 = new AbortController();
          const watch = kv.watch(p, { startRevision: c.modRevision, signal: ac2.signal });
          const pending = collectEvents(watch, 2);
          const a3 = await kv.update(`${p}a`, enc('4'), b.modRevision);
          const events = await pending;
          ac2.abort();
          assert.deepEqual(
            events.map((e) => [e.type, e.kv.modRevision, e.prevKv && dec(e.prevKv.value)]),
            [
              ['create', c.modRevision, undefined],
              ['update', a3.modRevision, '2'],
            ],
          );
        }));
    });

    describe('bad input changes nothing', () => {
      it('refuses oversize values, bad keys and bad ranges with clear errors', () =>
        withStore(async (kv, p) => {
          await kv.create(`${p}a`, enc('1'));
          const before = (await kv.stats()).revision;
          await rejectsWith(kv.create(`${p}big`, new Uint8Array(MAX_VALUE_BYTES + 1)), 'ValueTooLarge');
          const a = (await kv.get(`${p}a`)).kv!;
          await rejectsWith(kv.update(`${p}a`, new Uint8Array(MAX_VALUE_BYTES + 1), a.modRevision), 'ValueTooLarge');
          await rejectsWith(kv.create('', enc('x')), 'InvalidKey');
          await rejectsWith(kv.create(`${p}with space`, enc('x')), 'InvalidKey');
          await rejectsWith(kv.create(`${p}ünïcode`, enc('x')), 'InvalidKey');
          await rejectsWith(kv.get(''), 'InvalidKey');
          await rejectsWith(kv.list(''), 'InvalidKey');
          await rejectsWith(kv.list(p, { limit: -1 }), 'InvalidArgument');
          await rejectsWith(kv.list(p, { limit: 1.5 }), 'InvalidArgument');
          await rejectsWith(kv.list(p, { after: '/somewhere/else' }), 'InvalidArgument');
          await rejectsWith(kv.get(`${p}a`, { revision: -3 }), 'InvalidArgument');
          await rejectsWith(kv.compact(-1), 'InvalidArgument');
          await rejectsWith(collectEvents(kv.watch('', {}), 1), 'InvalidKey');
          assert.equal((await kv.stats()).revision, before);
          assert.equal(dec((await kv.get(`${p}a`)).kv!.value), '1');
          // The largest allowed value is accepted.
          await kv.create(`${p}max`, new Uint8Array(MAX_VALUE_BYTES - 4096));
        }));
    });

    describe('close', () => {
      it('fails later calls and open watches with Closed', async () => {
        const kv = await target.newStore();
        const watch = kv.watch('/conformance/close/');
        const pending = collectEvents(watch, 1);
        await new Promise((r) => setTimeout(r, 50));
        await kv.close();
        await rejectsWith(pending, 'Closed');
        await rejectsWith(kv.get('/conformance/close/a'), 'Closed');
      });
    });
  });
}
