/**
 * @module bench/heartbeats-server
 *
 * Child process: the API server of the heartbeat benchmark — the same server as
 * apiserver-server.ts (the embedded SQLite store in the data dir given as argv[2], `startApiServer`
 * on 127.0.0.1) — plus one figure of its own: how long each storage write took from the store's
 * call to its answer, the wait for the group commit included (the store's `txn` is wrapped; the
 * write itself is unchanged). Each stats query is answered with a `HeartbeatServerStats` (event-loop
 * delay, group commits, garbage collection, heap); SIGTERM closes cleanly, so `--cpu-prof`
 * profiles get written.
 */
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { startApiServer } from '../src/apiserver/start.js';
import { SqliteKV } from '../src/storage/sqlite/sqlite-kv.js';
import { runEntry, tellDriver } from './children.js';
import { gcMeter, heapFigures, STATS_QUERY, type HeartbeatServerStats } from './heartbeats-stats.js';

runEntry(async () => {
  const dataDir = process.argv[2];
  if (!dataDir) throw new Error('usage: heartbeats-server.ts DATA_DIR');
  const kv = new SqliteKV({ path: join(dataDir, 'state.sqlite') });
  // Storage writes timed from the store's call to its answer (the wait for the group commit included).
  let txnMs: number[] = [];
  const txn = kv.txn.bind(kv);
  kv.txn = (request) => {
    const t0 = performance.now();
    const answer = txn(request);
    void answer.then(
      () => txnMs.push(Math.round((performance.now() - t0) * 100) / 100),
      () => {},
    );
    return answer;
  };
  const api = await startApiServer({ kv, dataDir, host: '127.0.0.1', port: 0 });

  const gc = gcMeter();
  const delay = monitorEventLoopDelay({ resolution: 1 });
  delay.enable();
  let last = { batches: kv.groupCommit.batches, writes: kv.groupCommit.writes };
  process.on('message', (m: unknown) => {
    if (m !== STATS_QUERY) return;
    const stats: HeartbeatServerStats = {
      eventLoopDelayP99Ms: delay.percentile(99) / 1e6,
      eventLoopDelayMaxMs: delay.max / 1e6,
      commits: kv.groupCommit.batches - last.batches,
      writes: kv.groupCommit.writes - last.writes,
      txnMs,
      gc: gc.take(),
      ...heapFigures(),
    };
    delay.reset();
    last = { batches: kv.groupCommit.batches, writes: kv.groupCommit.writes };
    txnMs = [];
    void tellDriver({ type: 'stats', stats });
  });
  process.once('SIGTERM', () => {
    void api
      .close()
      .then(() => kv.close())
      .finally(() => process.exit(0));
  });
  await tellDriver({ type: 'ready', url: api.url });
});
