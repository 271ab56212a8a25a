/**
 * @module storage/sqlite/compaction
 *
 * Compaction of the SQLite log. Compacting at revision C makes reads below C fail ("Compacted")
 * and frees the rows no read at or above C, nor any watch starting at or above C, can need:
 *   - every tombstone below C;
 *   - every row below C that was replaced by a row below C (its successor in the key's chain).
 * A row replaced at or after C stays: it is the previous value of an event a watch may replay.
 *
 * The compacted revision is recorded first, so reads are refused before their rows disappear.
 * The rows are then deleted in small batches, one transaction each, yielding to the event loop in
 * between so writes keep flowing; progress is recorded, so a crash mid-way resumes on next open.
 */
import type Database from 'better-sqlite3';
import { readMeta, writeMeta } from './schema.js';

const BATCH_REVISIONS = 2_000;

export class SqliteCompaction {
  compactRevision: number;
  private running: Promise<void> | undefined;

  constructor(private readonly db: Database.Database) {
    this.compactRevision = readMeta(db, 'compact_revision');
  }

  /** Raises the compacted revision to `revision` (never lowers it) and frees what it can. */
  async compact(revision: number, isClosed: () => boolean): Promise<void> {
    if (revision > this.compactRevision) {
      writeMeta(this.db, 'compact_revision', revision);
      this.compactRevision = revision;
    }
    // One physical pass at a time; a new request is served by the pass already running or the next.
    while (this.running) await this.running;
    if (readMeta(this.db, 'compacted_through') >= this.compactRevision) return;
    this.running = this.deleteRows(isClosed).finally(() => (this.running = undefined));
    await this.running;
  }

  private async deleteRows(isClosed: () => boolean): Promise<void> {
    const deletePredecessors = this.db.prepare(
      `DELETE FROM kv WHERE id IN (SELECT prev_revision FROM kv WHERE id >= ? AND id < ? AND prev_revision > 0)`,
    );
    const deleteTombstones = this.db.prepare(`DELETE FROM kv WHERE id >= ? AND id < ? AND deleted = 1`);
    const batch = this.db.transaction((from: number, to: number) => {
      deletePredecessors.run(from, to);
      deleteTombstones.run(from, to);
      writeMeta(this.db, 'compacted_through', to);
    });
    let from = readMeta(this.db, 'compacted_through');
    while (from < this.compactRevision && !isClosed()) {
      const to = Math.min(from + BATCH_REVISIONS, this.compactRevision);
      batch(from, to);
      from = to;
      await new Promise((resolve) => setImmediate(resolve));
    }
    if (!isClosed()) this.db.pragma('incremental_vacuum');
  }
}
