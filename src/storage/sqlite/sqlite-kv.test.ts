import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { runStorageConformance } from '../testing/conformance.js';
import { SqliteKV } from './sqlite-kv.js';

const dir = mkdtempSync(join(tmpdir(), 'tskube-sqlite-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

runStorageConformance({ name: 'sqlite', newStore: async () => new SqliteKV({ path: join(dir, `db${n++}.sqlite`) }) });
