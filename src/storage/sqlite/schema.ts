/**
 * @module storage/sqlite/schema
 *
 * The on-disk layout: one append-only log table in the spirit of k3s's kine. Every write appends a
 * row; the row id IS the revision, so "the newest revision" is the table's autoincrement counter.
 * The current state of a key is its newest row; a delete appends a tombstone row.
 *
 * - `prev_revision` links a row to the key's previous row (0 for a key's first row). The unique
 *   index on (name, prev_revision) makes a lost race on the same key fail inside the database
 *   even if a bug let two writers through.
 * - `create_revision` 0 means "this row created the key" (its own id; unknown before the insert).
 * - `meta` holds the compacted revision and how far physical compaction has got.
 */
import type Database from 'better-sqlite3';

const SCHEMA_VERSION = 1;

export function openSchema(db: Database.Database): void {
  // auto_vacuum must be chosen before the first table exists: compaction frees pages and
  // incremental vacuum hands them back, keeping the file bounded.
  db.pragma('auto_vacuum = INCREMENTAL');
  // One process owns the data dir. EXCLUSIVE also lets WAL work without a shared-memory index.
  db.pragma('locking_mode = EXCLUSIVE');
  db.pragma('journal_mode = WAL');
  // FULL: a commit is on disk before it is acknowledged (group commit amortises the fsync).
  db.pragma('synchronous = FULL');
  db.pragma('journal_size_limit = 67108864');
  db.pragma('cache_size = -65536');
  db.pragma('temp_store = MEMORY');

  db.exec(`
    CREATE TABLE IF NOT EXISTS kv (
      id              INTEGER PRIMARY KEY AUTOINCREMENT,
      name            TEXT    NOT NULL,
      deleted         INTEGER NOT NULL,
      create_revision INTEGER NOT NULL,
      prev_revision   INTEGER NOT NULL,
      version         INTEGER NOT NULL,
      value           BLOB    NOT NULL
    );
    CREATE UNIQUE INDEX IF NOT EXISTS kv_name_prev_revision ON kv (name, prev_revision);
    CREATE INDEX IF NOT EXISTS kv_name_id ON kv (name, id);
    CREATE TABLE IF NOT EXISTS meta (
      key   TEXT PRIMARY KEY,
      value INTEGER NOT NULL
    ) WITHOUT ROWID;
  `);

  const version = db.prepare(`SELECT value FROM meta WHERE key = 'schema_version'`).pluck().get() as number | undefined;
  if (version === undefined) {
    db.transaction(() => {
      db.prepare(`INSERT INTO meta (key, value) VALUES ('schema_version', ?), ('compact_revision', 0), ('compacted_through', 0)`).run(
        SCHEMA_VERSION,
      );
      // Start the counter at 1, like etcd: an empty store is at revision 1 and the first write is 2.
      db.prepare(`INSERT INTO sqlite_sequence (name, seq) VALUES ('kv', 1)`).run();
    })();
  } else if (version !== SCHEMA_VERSION) {
    throw new Error(`the database has schema version ${version}; this tskube understands version ${SCHEMA_VERSION}`);
  }
}

export function readMeta(db: Database.Database, key: 'compact_revision' | 'compacted_through'): number {
  return (db.prepare(`SELECT value FROM meta WHERE key = ?`).pluck().get(key) as number | undefined) ?? 0;
}

export function writeMeta(db: Database.Database, key: 'compact_revision' | 'compacted_through', value: number): void {
  db.prepare(`UPDATE meta SET value = ? WHERE key = ?`).run(value, key);
}

export function readCurrentRevision(db: Database.Database): number {
  return (db.prepare(`SELECT seq FROM sqlite_sequence WHERE name = 'kv'`).pluck().get() as number | undefined) ?? 1;
}
