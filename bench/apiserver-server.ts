/**
 * @module bench/apiserver-server
 *
 * Child process: the API server under test, on the embedded SQLite store in the data dir given as
 * argv[2] (`<dataDir>/state.sqlite`, as `tskube up` lays it out). Reports its URL to the driver
 * once it listens, and its event-loop delay and group commits when asked; closes cleanly on
 * SIGTERM (so `--cpu-prof` profiles get written).
 */
import { join } from 'node:path';
import { startApiServer } from '../src/apiserver/start.js';
import { SqliteKV } from '../src/storage/sqlite/sqlite-kv.js';
import { answerStatsQueries, runEntry, tellDriver } from './children.js';

runEntry(async () => {
  const dataDir = process.argv[2];
  if (!dataDir) throw new Error('usage: apiserver-server.ts DATA_DIR');
  const kv = new SqliteKV({ path: join(dataDir, 'state.sqlite') });
  const api = await startApiServer({ kv, dataDir, host: '127.0.0.1', port: 0 });
  answerStatsQueries(kv.groupCommit);
  process.once('SIGTERM', () => {
    void api
      .close()
      .then(() => kv.close())
      .finally(() => process.exit(0));
  });
  await tellDriver({ type: 'ready', url: api.url });
});
