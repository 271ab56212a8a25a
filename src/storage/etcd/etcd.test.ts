import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createServer, type AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { startEtcd, type EtcdServer } from '../../../test/support/etcd.js';
import { isStorageError } from '../errors.js';
import type { KeyValue } from '../interface.js';
import { collectEvents, runStorageConformance } from '../testing/conformance.js';
import { EtcdKV, type EtcdKVOptions } from './etcd-kv.js';

let etcd: EtcdServer | undefined;

before(async () => {
  etcd = await startEtcd();
});

after(async () => {
  await etcd?.stop();
});

function server(): EtcdServer {
  if (!etcd) throw new Error('etcd did not start');
  return etcd;
}

runStorageConformance({
  name: 'etcd',
  newStore: () => EtcdKV.open({ endpoints: [server().clientUrl] }),
});

const enc = (s: string) => Buffer.from(s);

async function withKV(options: Partial<EtcdKVOptions>, fn: (kv: EtcdKV, prefix: string) => Promise<void>): Promise<void> {
  const kv = await EtcdKV.open({ endpoints: [server().clientUrl], ...options });
  try {
    await fn(kv, `/etcd-engine/${randomUUID().slice(0, 8)}/`);
  } finally {
    await kv.close();
  }
}

async function waitForMetric(name: string, predicate: (value: number) => boolean): Promise<number> {
  const deadline = Date.now() + 5_000;
  for (;;) {
    const value = (await server().member.metric(name)) ?? 0;
    if (predicate(value) || Date.now() > deadline) return value;
    await sleep(50);
  }
}

// These run after the conformance suite; the last one restarts the shared member.
describe('etcd engine', () => {
  it('fails to open with Unavailable when no member answers', async () => {
    const port = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const { port } = s.address() as AddressInfo;
        s.close(() => resolve(port));
      });
    });
    const started = Date.now();
    await assert.rejects(EtcdKV.open({ endpoints: [`http://127.0.0.1:${port}`], dialTimeoutMs: 500 }), (err: unknown) =>
      isStorageError(err, 'Unavailable'),
    );
    assert.ok(Date.now() - started < 3_000, 'open should give up soon after its dial timeout');
  });

  it('refuses malformed endpoints', () => {
    assert.throws(() => new EtcdKV({ endpoints: [] }), (err: unknown) => isStorageError(err, 'InvalidArgument'));
    assert.throws(() => new EtcdKV({ endpoints: ['not a url'] }), (err: unknown) => isStorageError(err, 'InvalidArgument'));
  });

  it('drops a watcher that falls behind with WatchOverflow', () =>
    withKV({ watchQueueLimit: 5 }, async (kv, p) => {
      const ac = new AbortController();
      const start = (await kv.stats()).revision + 1;
      const watch = kv.watch(p, { startRevision: start, signal: ac.signal });
      for (let i = 0; i < 10; i++) await kv.create(`${p}k${i}`, enc('x'));
      // Nobody reads yet, so the queue fills up while the events arrive.
      await sleep(300);
      const seen: number[] = [];
      await assert.rejects(
        (async () => {
          for await (const ev of watch) seen.push(ev.kv.modRevision);
        })(),
        (err: unknown) => isStorageError(err, 'WatchOverflow'),
      );
      ac.abort();
      assert.deepEqual(seen, [start, start + 1, start + 2, start + 3, start + 4]);
    }));

  it('cancels the watcher on the server when the signal aborts', () =>
    withKV({}, async (kv, p) => {
      const metric = 'etcd_debugging_mvcc_watcher_total';
      const before = (await server().member.metric(metric)) ?? 0;
      const ac = new AbortController();
      const pending = collectEvents(kv.watch(p, { signal: ac.signal }), 1, 5_000);
      const watching = await waitForMetric(metric, (v) => v > before);
      assert.ok(watching > before, 'the watcher never appeared on the server');
      ac.abort();
      assert.deepEqual(await pending, []);
      assert.ok((await waitForMetric(metric, (v) => v < watching)) < watching, 'the watcher stayed on the server');
    }));

  it('resumes watches after their member restarts, without losing or repeating events', () =>
    withKV({ requestTimeoutMs: 1_000 }, async (kv, p) => {
      const ac = new AbortController();
      const start = (await kv.stats()).revision + 1;
      const fromNow = collectEvents(kv.watch(p, { signal: ac.signal }), 6, 20_000);
      const fromStart = collectEvents(kv.watch(p, { startRevision: start, signal: ac.signal }), 6, 20_000);
      await sleep(100);
      const acked: number[] = [];
      const note = (kv: KeyValue) => acked.push(kv.modRevision);
      const a = await kv.create(`${p}a`, enc('1'));
      note(a);
      note(await kv.update(`${p}a`, enc('2'), a.modRevision));
      const b = await kv.create(`${p}b`, enc('1'));
      note(b);

      await server().member.kill();
      await assert.rejects(kv.get(`${p}a`), (err: unknown) => isStorageError(err, 'Unavailable'));
      await assert.rejects(kv.create(`${p}c`, enc('lost')), (err: unknown) => isStorageError(err, 'Unavailable'));
      await server().member.restart();

      note(await kv.update(`${p}b`, enc('2'), b.modRevision));
      note(await kv.delete(`${p}a`));
      note(await kv.create(`${p}c`, enc('1')));
      try {
        assert.deepEqual((await fromStart).map((e) => e.kv.modRevision), acked);
        assert.deepEqual((await fromNow).map((e) => e.kv.modRevision), acked);
      } finally {
        ac.abort();
      }
    }));
});
