import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, describe, it } from 'node:test';
import { SqliteKV } from '../../src/storage/sqlite/sqlite-kv.js';

const dir = mkdtempSync(join(tmpdir(), 'tskube-crash-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Runs the writer child until it has acknowledged `target` writes, then SIGKILLs it. */
async function writeUntilKilled(path: string, target: number, tag: string): Promise<Map<string, number>> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'support/sqlite-writer.ts'), path, '16', tag], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const acknowledged = new Map<string, number>();
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const deadline = setTimeout(() => child.kill('SIGKILL'), 60_000);
  try {
    for await (const line of createInterface({ input: child.stdout })) {
      if (line === 'ready') continue;
      const [revision, key] = line.split(' ');
      acknowledged.set(key!, Number(revision));
      if (acknowledged.size === target) child.kill('SIGKILL');
    }
  } finally {
    clearTimeout(deadline);
    child.kill('SIGKILL');
    await exited;
  }
  return acknowledged;
}

describe('SQLite engine crash safety', () => {
  it('keeps every acknowledged write across SIGKILL, and revisions keep increasing', async () => {
    const path = join(dir, 'crash.sqlite');
    let maxAcknowledged = 0;
    for (let round = 0; round < 2; round++) {
      const acknowledged = await writeUntilKilled(path, 3_000, `round${round}`);
      assert.ok(acknowledged.size >= 3_000, `child acknowledged only ${acknowledged.size} writes`);
      const kv = new SqliteKV({ path });
      try {
        let missing = 0;
        for (const [key, revision] of acknowledged) {
          const got = await kv.get(key);
          if (got.kv?.modRevision !== revision) missing++;
          maxAcknowledged = Math.max(maxAcknowledged, revision);
        }
        assert.equal(missing, 0, `${missing} of ${acknowledged.size} acknowledged writes were lost`);
        const next = await kv.create(`/crash/after-round-${round}`, Buffer.from('x'));
        assert.ok(next.modRevision > maxAcknowledged, `revision ${next.modRevision} after ${maxAcknowledged}`);
      } finally {
        await kv.close();
      }
    }
  });
});
