import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { SqliteKV } from '../../src/storage/sqlite/sqlite-kv.js';
import { runKubectlSuite } from './kubectl-suite.js';

const dir = mkdtempSync(join(tmpdir(), 'tskube-kubectl-sqlite-'));
after(() => rmSync(dir, { recursive: true, force: true }));

runKubectlSuite('the embedded SQLite store', async () => new SqliteKV({ path: join(dir, 'state.sqlite') }));
