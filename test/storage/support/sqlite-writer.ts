// Child process for the crash-safety test: writes to a SqliteKV as fast as it can with many
// concurrent writers and prints "<revision> <key>" for each write the store acknowledged.
// The parent kills it with SIGKILL mid-stream. Pipes are synchronous on Linux, so every printed
// line reached the parent before the kill.
import { writeSync } from 'node:fs';
import { SqliteKV } from '../../../src/storage/sqlite/sqlite-kv.js';

const [path, writersArg, tag = 'run'] = process.argv.slice(2);
const kv = new SqliteKV({ path: path! });
const writers = Number(writersArg ?? 16);
const value = Buffer.alloc(600, 'x');

writeSync(1, 'ready\n');
await Promise.all(
  Array.from({ length: writers }, async (_, w) => {
    for (let i = 0; ; i++) {
      const key = `/crash/${tag}/w${w}/k${i}`;
      const kv1 = await kv.create(key, value);
      writeSync(1, `${kv1.modRevision} ${key}\n`);
    }
  }),
);
