/**
 * @module storage/sqlite/statements
 *
 * Every SQL statement the SQLite engine runs, prepared once, and the mapping from rows to
 * KeyValues and watch events.
 */
import type Database from 'better-sqlite3';
import type { KeyValue, WatchEvent } from '../interface.js';

export interface Row {
  id: number;
  name: string;
  deleted: number;
  create_revision: number;
  prev_revision: number;
  version: number;
  value: Buffer;
}

/** A log row joined with the row it replaced, for watch events. */
export interface EventRow extends Row {
  prev_id: number | null;
  prev_deleted: number | null;
  prev_create_revision: number | null;
  prev_version: number | null;
  prev_value: Buffer | null;
}

const COLUMNS = 'id, name, deleted, create_revision, prev_revision, version, value';

export function prepareStatements(db: Database.Database) {
  return {
    latest: db.prepare<[string], Row>(`SELECT ${COLUMNS} FROM kv WHERE name = ? ORDER BY id DESC LIMIT 1`),
    latestAt: db.prepare<[string, number], Row>(
      `SELECT ${COLUMNS} FROM kv WHERE name = ? AND id <= ? ORDER BY id DESC LIMIT 1`,
    ),
    // SQLite takes the bare columns of a MAX() aggregate from the row holding the maximum, so this
    // is "the newest row of each key at the revision", streamed in index order: LIMIT stops early.
    // Parameters: range start, range end, revision, limit. Two forms, because SQLite bounds an
    // index range by one lower bound only: `>= prefix` for a first page, `> cursor` after it
    // (with both in one query every page rescanned from the prefix, so paging was quadratic).
    rangeFrom: db.prepare<[string, string, number, number], Row>(
      `SELECT MAX(id) AS id, name, deleted, create_revision, prev_revision, version, value
         FROM kv WHERE name >= ? AND name < ? AND id <= ?
         GROUP BY name HAVING deleted = 0 ORDER BY name LIMIT ?`,
    ),
    rangeAfter: db.prepare<[string, string, number, number], Row>(
      `SELECT MAX(id) AS id, name, deleted, create_revision, prev_revision, version, value
         FROM kv WHERE name > ? AND name < ? AND id <= ?
         GROUP BY name HAVING deleted = 0 ORDER BY name LIMIT ?`,
    ),
    countAt: db.prepare<[string, string, number], { count: number }>(
      `SELECT COUNT(*) AS count FROM (
         SELECT MAX(id) AS id, deleted FROM kv WHERE name >= ? AND name < ? AND id <= ?
         GROUP BY name HAVING deleted = 0)`,
    ),
    insert: db.prepare<[string, number, number, number, number, Buffer]>(
      `INSERT INTO kv (name, deleted, create_revision, prev_revision, version, value) VALUES (?, ?, ?, ?, ?, ?)`,
    ),
    eventsSince: db.prepare<[number, string, string], EventRow>(
      `SELECT r.id, r.name, r.deleted, r.create_revision, r.prev_revision, r.version, r.value,
              p.id AS prev_id, p.deleted AS prev_deleted, p.create_revision AS prev_create_revision,
              p.version AS prev_version, p.value AS prev_value
         FROM kv r LEFT JOIN kv p ON p.id = r.prev_revision
        WHERE r.id >= ? AND r.name >= ? AND r.name < ?
        ORDER BY r.id`,
    ),
  };
}

export type Statements = ReturnType<typeof prepareStatements>;

export function rowToKeyValue(row: Row): KeyValue {
  return {
    key: row.name,
    value: row.value,
    createRevision: row.create_revision || row.id,
    modRevision: row.id,
    version: row.version,
  };
}

export function eventRowToWatchEvent(row: EventRow): WatchEvent {
  const prevKv: KeyValue | undefined =
    row.prev_id !== null && row.prev_deleted === 0
      ? {
          key: row.name,
          value: row.prev_value!,
          createRevision: row.prev_create_revision || row.prev_id,
          modRevision: row.prev_id,
          version: row.prev_version!,
        }
      : undefined;
  if (row.deleted) {
    // A tombstone reports the value it deleted, at the delete's revision.
    const deleted = prevKv ?? { key: row.name, value: Buffer.alloc(0), createRevision: row.create_revision, version: row.version };
    return { type: 'delete', kv: { ...deleted, modRevision: row.id }, prevKv };
  }
  return { type: prevKv ? 'update' : 'create', kv: rowToKeyValue(row), prevKv };
}
