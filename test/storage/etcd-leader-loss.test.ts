/**
 * The etcd engine through a leader failure: a 3-member cluster under 16 concurrent writers loses
 * its leader to SIGKILL mid-load. Writes must resume on the new leader, and watches opened before
 * the load must deliver every acknowledged write exactly once, in revision order, with no gaps;
 * a write whose outcome the failover made unknown may appear at most once.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { EtcdKV } from '../../src/storage/etcd/etcd-kv.js';
import { isStorageError } from '../../src/storage/errors.js';
import type { KV, KeyValue, WatchEvent } from '../../src/storage/interface.js';
import { startEtcdCluster, type EtcdCluster } from '../support/etcd.js';

const WRITERS = 16;
/** Watches are added until each member serves one; this bounds the (random) placement. */
const MAX_WATCHERS = 30;
/** etcd's gauge of watchers on a member. */
const WATCHER_METRIC = 'etcd_debugging_mvcc_watcher_total';
const LOAD_BEFORE_KILL_MS = 1_500;
/** After the kill, write until this many writes started after it have been acknowledged. */
const ACKS_AFTER_KILL = 200;
const LOAD_DEADLINE_MS = 20_000;

const enc = (s: string) => Buffer.from(s);
const dec = (v: Uint8Array) => Buffer.from(v).toString();

interface Outcomes {
  /** value → revision etcd acknowledged for it. */
  readonly acked: Map<string, number>;
  /** Values whose write failed in a way that leaves its outcome unknown. */
  readonly unknown: Set<string>;
  /** Values whose write certainly did not happen (a failed comparison). */
  readonly rejected: Set<string>;
}

interface Recording {
  readonly events: WatchEvent[];
  /** Resolves when the watch ends normally, rejects with its error otherwise. */
  readonly done: Promise<void>;
  failure: unknown;
}

/** Collects a watch's events in the background. */
function record(kv: KV, prefix: string, startRevision: number, signal: AbortSignal): Recording {
  const events: WatchEvent[] = [];
  const done = (async () => {
    for await (const ev of kv.watch(prefix, { startRevision, signal })) events.push(ev);
  })();
  const recording: Recording = { events, done, failure: undefined };
  done.catch((err: unknown) => (recording.failure = err));
  return recording;
}

async function waitFor(what: string, condition: () => boolean, timeoutMs: number, refresh?: () => Promise<void>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    await refresh?.();
    if (condition()) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

/** Reads a key until the cluster answers (reads retry inside the engine; this outlasts an election). */
async function reread(kv: KV, key: string): Promise<KeyValue | undefined> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    try {
      return (await kv.get(key)).kv;
    } catch (err) {
      if (!isStorageError(err, 'Unavailable') || Date.now() > deadline) throw err;
      await sleep(50);
    }
  }
}

describe('etcd engine when the leader is killed', () => {
  let cluster: EtcdCluster | undefined;
  const stores: KV[] = [];

  before(async () => {
    cluster = await startEtcdCluster(3);
  });

  after(async () => {
    await Promise.all(stores.map((s) => s.close()));
    await cluster?.stop();
  });

  it('resumes writes and delivers every acknowledged write exactly once, in order', { timeout: 55_000 }, async () => {
    const etcd = cluster!;
    const open = async () => {
      const kv = await EtcdKV.open({ endpoints: etcd.endpoints, requestTimeoutMs: 2_000 });
      stores.push(kv);
      return kv;
    };
    const writerKv = await open();
    const prefix = `/leader-loss/${randomUUID().slice(0, 8)}/`;
    const startRevision = (await writerKv.stats()).revision + 1;

    // Watches first, each through its own client, until every member serves at least one: then
    // whichever member leads when the kill comes, some watch streams break and must resume.
    const stopWatching = new AbortController();
    const watches: Recording[] = [];
    let createdWatchers = 0;
    const watchersOn = async () => Promise.all(etcd.members.map(async (m) => (await m.metric(WATCHER_METRIC)) ?? 0));
    while (Math.min(...(await watchersOn())) === 0) {
      assert.ok(watches.length < MAX_WATCHERS, `${MAX_WATCHERS} watches did not cover every member`);
      watches.push(record(await open(), prefix, startRevision, stopWatching.signal));
      const total = watches.length;
      await waitFor('the watch to be created', () => createdWatchers >= total, 5_000, async () => {
        createdWatchers = (await watchersOn()).reduce((a, b) => a + b, 0);
      });
    }

    const outcomes: Outcomes = { acked: new Map(), unknown: new Set(), rejected: new Set() };
    let killedAt = 0;
    let firstAckAfterKillMs: number | undefined;
    let acksAfterKill = 0;
    let stopWriting = false;

    const writer = async (w: number) => {
      const key = `${prefix}w${w}`;
      let current: KeyValue | undefined;
      for (let seq = 0; !stopWriting; seq++) {
        const value = `w${w}-${seq}`;
        const startedAt = Date.now();
        try {
          current = current
            ? await writerKv.update(key, enc(value), current.modRevision)
            : await writerKv.create(key, enc(value));
          outcomes.acked.set(value, current.modRevision);
          if (killedAt > 0 && startedAt >= killedAt) {
            acksAfterKill++;
            firstAckAfterKillMs ??= Date.now() - killedAt;
          }
        } catch (err) {
          if (isStorageError(err, 'Unavailable')) {
            // The write may or may not have happened: learn the key's state before going on.
            outcomes.unknown.add(value);
            current = await reread(writerKv, key);
          } else if (isStorageError(err, 'Conflict') || isStorageError(err, 'KeyExists')) {
            // An earlier unknown write landed after the reread: this one certainly did not.
            outcomes.rejected.add(value);
            current = err.current;
          } else {
            throw err;
          }
        }
      }
    };

    const loadStarted = Date.now();
    const writers = Array.from({ length: WRITERS }, (_, w) => writer(w));
    try {
      await sleep(LOAD_BEFORE_KILL_MS);
      const leader = await etcd.leader();
      const watchersOnLeader = (await leader.metric(WATCHER_METRIC)) ?? 0;
      assert.ok(watchersOnLeader > 0, 'no watch is served by the leader');
      const acksBeforeKill = outcomes.acked.size;
      killedAt = Date.now();
      await leader.kill();
      await waitFor(
        `${ACKS_AFTER_KILL} writes acknowledged after the kill`,
        () => acksAfterKill >= ACKS_AFTER_KILL,
        LOAD_DEADLINE_MS - (Date.now() - loadStarted),
      );
      const newLeader = await etcd.leader();
      console.log(
        `leader ${leader.name} killed: first write acknowledged after ${((firstAckAfterKillMs ?? NaN) / 1000).toFixed(3)} s; ` +
          `new leader ${newLeader.name}; ${acksBeforeKill} writes acknowledged before the kill, ${outcomes.acked.size} in all; ` +
          `${watchersOnLeader} of ${watches.length} watches were served by the killed leader`,
      );
    } finally {
      stopWriting = true;
      await Promise.all(writers);
    }
    console.log(`write outcomes: ${outcomes.unknown.size} unknown, ${outcomes.rejected.size} rejected by a later comparison`);
    assert.ok(acksAfterKill > 0, 'no write was acknowledged after the leader was killed');

    // A write that timed out may still commit a moment later; let it settle, then take the final state.
    await sleep(300);
    const final = await writerKv.list(prefix);
    for (const [i, watch] of watches.entries()) {
      await waitFor(
        `watch ${i} to reach revision ${final.revision}`,
        () => {
          if (watch.failure !== undefined) throw watch.failure;
          return (watch.events.at(-1)?.kv.modRevision ?? 0) >= final.revision;
        },
        15_000,
      );
    }
    stopWatching.abort();
    await Promise.all(watches.map((w) => w.done));

    for (const [i, { events }] of watches.entries()) {
      checkEvents(`watch ${i}`, events, startRevision, final.revision, outcomes);
      const last = new Map(events.map((e) => [e.kv.key, e]));
      assert.deepEqual(
        final.kvs.map((kv) => `${kv.key}@${kv.modRevision}=${dec(kv.value)}`),
        [...last.values()]
          .filter((e) => e.type !== 'delete')
          .sort((a, b) => (a.kv.key < b.kv.key ? -1 : 1))
          .map((e) => `${e.kv.key}@${e.kv.modRevision}=${dec(e.kv.value)}`),
        `watch ${i}: the last event of each key is not the key's final value`,
      );
    }
  });
});

/** Everything the watch must satisfy, given what the writers were told. */
function checkEvents(name: string, events: WatchEvent[], start: number, end: number, outcomes: Outcomes): void {
  // Only the writers write to this cluster, so the revisions are exactly start..end: nothing
  // missing, nothing twice, in order.
  assert.equal(events.length, end - start + 1, `${name}: ${events.length} events for revisions ${start}..${end}`);
  events.forEach((e, i) => assert.equal(e.kv.modRevision, start + i, `${name}: event ${i} has revision ${e.kv.modRevision}`));

  const seen = new Set<string>();
  const previous = new Map<string, WatchEvent>();
  for (const e of events) {
    const value = dec(e.kv.value);
    assert.ok(!seen.has(value), `${name}: value ${value} delivered twice`);
    seen.add(value);
    const acked = outcomes.acked.get(value);
    if (acked !== undefined) assert.equal(e.kv.modRevision, acked, `${name}: ${value} acknowledged at ${acked}`);
    else assert.ok(outcomes.unknown.has(value), `${name}: ${value} at ${e.kv.modRevision} was never acknowledged`);
    // Each key's events chain: an update's previous value is the key's previous event.
    const prev = previous.get(e.kv.key);
    if (prev) {
      assert.equal(e.type, 'update', `${name}: ${value}`);
      assert.equal(e.prevKv?.modRevision, prev.kv.modRevision, `${name}: ${value} does not follow ${dec(prev.kv.value)}`);
    } else {
      assert.equal(e.type, 'create', `${name}: first event of ${e.kv.key}`);
    }
    previous.set(e.kv.key, e);
  }
  for (const [value, revision] of outcomes.acked) {
    assert.ok(seen.has(value), `${name}: acknowledged write ${value} at ${revision} never delivered`);
  }
}
