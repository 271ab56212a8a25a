// Child process for the crash-safety test: writes to a SqliteKV as fast as it can with many
// concurrent writers and prints "<revision> <key>" for each write the store acknowledged.
// The parent kills it with SIGKILL mid-stream. Each line is in the pipe (writeSync) before the
// writer goes on, so every printed line reaches the parent even after the kill.
import { writeSync } from 'node:fs';
import { SqliteKV } from '../../../src/storage/sqlite/sqlite-kv.js';

const [path, writersArg, tag = 'run'] = process.argv.slice(2);
const kv = new SqliteKV({ path: path! });
const writers = Number(writersArg ?? 16);
const value = Buffer.alloc(600, 'x');

const pause = new Int32Array(new SharedArrayBuffer(4));

/**
 * Prints a line before the writer goes on. The pipe to the parent is non-blocking: when the
 * parent is slow to read (a loaded machine), writeSync fails with EAGAIN, so wait a moment and
 * try again rather than lose the line or move on without it.
 */
function report(line: string): void {
  const bytes = Buffer.from(line);
  let offset = 0;
  for (let tries = 0; offset < bytes.length; tries++) {
    try {
      offset += writeSync(1, bytes, offset);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EAGAIN' || tries > 10_000) throw err;
      Atomics.wait(pause, 0, 0, 1);
    }
  }
}

report('ready\n');
await Promise.all(
  Array.from({ length: writers }, async (_, w) => {
    for (let i = 0; ; i++) {
      const key = `/crash/${tag}/w${w}/k${i}`;
      const kv1 = await kv.create(key, value);
      report(`${kv1.modRevision} ${key}\n`);
    }
  }),
);
