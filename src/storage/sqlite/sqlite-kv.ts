/**
 * @module storage/sqlite/sqlite-kv
 *
 * The embedded engine: etcd's MVCC semantics over one SQLite log table (see schema.ts).
 *
 * Writes use group commit. A write is queued; at the end of the current turn of the event loop
 * every queued write runs in ONE transaction, which costs one fsync (synchronous=FULL), and only
 * then are the writers answered and the events published. While that fsync blocks, new requests
 * pile up and form the next batch, so the cost per write falls as load rises. Each write in a batch
 * still gets its own revision and its own success or failure.
 *
 * Reads and watches are served from the same connection. This process is the only writer
 * (the database is opened with an exclusive lock), so committed batches are published to watchers
 * directly, with no polling, and a watch reads history and subscribes in one synchronous step.
 */
import { mkdirSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { conditionalWrites } from '../conditional-writes.js';
import { StorageError, storageErrors } from '../errors.js';
import type {
  CountResult,
  GetResult,
  KV,
  KeyValue,
  ListOptions,
  ListResult,
  ReadOptions,
  StorageStats,
  TxnRequest,
  TxnResult,
  Watch,
  WatchEvent,
  WatchOptions,
} from '../interface.js';
import {
  prefixEnd,
  resolveReadRevision,
  resolveWatchStart,
  validateKey,
  validateLimit,
  validateRange,
  validateRevision,
  validateValue,
} from '../validate.js';
import { WatchHub } from '../watch-hub.js';
import { SqliteCompaction } from './compaction.js';
import { openSchema, readCurrentRevision } from './schema.js';
import { eventRowToWatchEvent, prepareStatements, rowToKeyValue, type Row, type Statements } from './statements.js';

export interface SqliteKVOptions {
  /** Path of the database file; its directory is created if missing. */
  readonly path: string;
  /** Most writes committed in one transaction (bounds the latency one batch adds). */
  readonly maxBatch?: number;
}

interface PendingWrite {
  readonly request: TxnRequest;
  readonly resolve: (result: TxnResult) => void;
  readonly reject: (err: unknown) => void;
}

/** Counters for benchmarks and metrics. */
export interface GroupCommitStats {
  batches: number;
  writes: number;
}

const EMPTY = Buffer.alloc(0);

export class SqliteKV implements KV {
  readonly engine = 'sqlite';
  readonly groupCommit: GroupCommitStats = { batches: 0, writes: 0 };

  private readonly db: Database.Database;
  private readonly sql: Statements;
  private readonly hub = new WatchHub();
  private readonly compaction: SqliteCompaction;
  private readonly maxBatch: number;
  private revision: number;
  private queue: PendingWrite[] = [];
  private flushScheduled = false;
  private closed = false;

  private readonly writes = conditionalWrites((req) => this.txn(req));
  readonly create = this.writes.create;
  readonly update = this.writes.update;
  readonly delete = this.writes.delete;

  constructor(private readonly options: SqliteKVOptions) {
    mkdirSync(dirname(options.path), { recursive: true });
    this.db = new Database(options.path);
    try {
      openSchema(this.db);
    } catch (err) {
      this.db.close();
      if (err instanceof Error && /database is locked/.test(err.message)) {
        throw storageErrors.unavailable(`${options.path} is in use by another process (one tskube API server per data dir)`, err);
      }
      throw err;
    }
    this.sql = prepareStatements(this.db);
    this.revision = readCurrentRevision(this.db);
    this.maxBatch = options.maxBatch ?? 1024;
    this.compaction = new SqliteCompaction(this.db);
  }

  async get(key: string, options: ReadOptions = {}): Promise<GetResult> {
    this.ensureOpen();
    validateKey(key);
    const revision = this.readRevision(options.revision);
    const row = this.sql.latestAt.get(key, revision);
    return { kv: row && !row.deleted ? rowToKeyValue(row) : undefined, revision };
  }

  async list(prefix: string, options: ListOptions = {}): Promise<ListResult> {
    this.ensureOpen();
    validateRange(prefix, options.after);
    const limit = validateLimit(options.limit);
    const revision = this.readRevision(options.revision);
    const range = options.after === undefined ? this.sql.rangeFrom : this.sql.rangeAfter;
    const rows = range.all(options.after ?? prefix, prefixEnd(prefix), revision, limit > 0 ? limit + 1 : -1);
    const more = limit > 0 && rows.length > limit;
    if (more) rows.pop();
    return { kvs: rows.map(rowToKeyValue), more, revision };
  }

  async count(prefix: string, options: ReadOptions = {}): Promise<CountResult> {
    this.ensureOpen();
    validateKey(prefix, 'prefix');
    const revision = this.readRevision(options.revision);
    const { count } = this.sql.countAt.get(prefix, prefixEnd(prefix), revision)!;
    return { count, revision };
  }

  txn(request: TxnRequest): Promise<TxnResult> {
    try {
      this.ensureOpen();
      validateKey(request.key);
      if (request.op === 'put') validateValue(request.key, request.value);
      if (request.expectedModRevision !== undefined) validateRevision(request.expectedModRevision, 'expectedModRevision');
    } catch (err) {
      return Promise.reject(err);
    }
    return new Promise((resolve, reject) => {
      this.queue.push({ request, resolve, reject });
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  watch(prefix: string, options: WatchOptions = {}): Watch {
    return this.hub.open(
      prefix,
      options.signal,
      () => {
        this.ensureOpen();
        validateKey(prefix, 'prefix');
        const start = resolveWatchStart(options.startRevision, this.revision, this.compaction.compactRevision);
        if (start > this.revision) return [];
        return this.sql.eventsSince.all(start, prefix, prefixEnd(prefix)).map(eventRowToWatchEvent);
      },
      options.onProgress,
    );
  }

  async compact(revision: number): Promise<void> {
    this.ensureOpen();
    validateRevision(revision);
    if (revision > this.revision) throw storageErrors.futureRevision(revision, this.revision);
    await this.compaction.compact(revision, () => this.closed);
  }

  async stats(): Promise<StorageStats> {
    this.ensureOpen();
    const pageCount = this.db.pragma('page_count', { simple: true }) as number;
    const pageSize = this.db.pragma('page_size', { simple: true }) as number;
    let walBytes = 0;
    try {
      walBytes = statSync(`${this.options.path}-wal`).size;
    } catch {
      // No WAL file right after a checkpoint that truncated it.
    }
    return {
      revision: this.revision,
      compactRevision: this.compaction.compactRevision,
      dbSizeBytes: pageCount * pageSize + walBytes,
    };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    // Writes already accepted are committed, not dropped: their callers are waiting for an answer.
    this.flush();
    this.closed = true;
    this.hub.failAll(storageErrors.closed());
    this.db.close();
  }

  private ensureOpen(): void {
    if (this.closed) throw storageErrors.closed();
  }

  private readRevision(requested: number | undefined): number {
    return resolveReadRevision(requested, this.revision, this.compaction.compactRevision);
  }

  /** Commits every queued write in one transaction, then answers the writers and publishes. */
  private flush(): void {
    this.flushScheduled = false;
    while (this.queue.length > 0) {
      const batch = this.queue.length > this.maxBatch ? this.queue.splice(0, this.maxBatch) : this.queue.splice(0);
      this.commitBatch(batch);
    }
  }

  private commitBatch(batch: PendingWrite[]): void {
    const results: (TxnResult | StorageError)[] = [];
    const events: WatchEvent[] = [];
    const revisionBefore = this.revision;
    try {
      this.db.exec('BEGIN IMMEDIATE');
      for (const write of batch) {
        try {
          results.push(this.apply(write.request, events));
        } catch (err) {
          // A failed statement undoes only itself; the rest of the batch still commits.
          results.push(storageErrors.unavailable(`write of ${write.request.key} failed`, err));
        }
      }
      this.db.exec('COMMIT');
    } catch (err) {
      if (this.db.inTransaction) this.db.exec('ROLLBACK');
      this.revision = revisionBefore;
      const failure = storageErrors.unavailable('commit failed', err);
      for (const write of batch) write.reject(failure);
      return;
    }
    this.groupCommit.batches++;
    this.groupCommit.writes += batch.length;
    batch.forEach((write, i) => {
      const result = results[i]!;
      if (result instanceof StorageError) write.reject(result);
      else write.resolve(result);
    });
    if (events.length > 0) this.hub.publish(events);
  }

  /** Applies one write inside the open transaction; a failed comparison is a result, not an error. */
  private apply(request: TxnRequest, events: WatchEvent[]): TxnResult | StorageError {
    const row: Row | undefined = this.sql.latest.get(request.key);
    const current = row && !row.deleted ? rowToKeyValue(row) : undefined;
    const expected = request.expectedModRevision;
    const matches = expected === undefined || (current?.modRevision ?? 0) === expected;
    if (!matches || (request.op === 'delete' && !current)) {
      return { succeeded: false, kv: current, revision: this.revision };
    }
    const prevRevision = row?.id ?? 0;
    if (request.op === 'put') {
      const value = Buffer.from(request.value.buffer, request.value.byteOffset, request.value.byteLength);
      const version = (current?.version ?? 0) + 1;
      const info = this.sql.insert.run(request.key, 0, current?.createRevision ?? 0, prevRevision, version, value);
      const revision = Number(info.lastInsertRowid);
      this.revision = revision;
      const kv: KeyValue = {
        key: request.key,
        value: Buffer.from(value),
        createRevision: current?.createRevision ?? revision,
        modRevision: revision,
        version,
      };
      events.push({ type: current ? 'update' : 'create', kv, prevKv: current });
      return { succeeded: true, kv, revision };
    }
    const info = this.sql.insert.run(request.key, 1, current!.createRevision, prevRevision, current!.version, EMPTY);
    const revision = Number(info.lastInsertRowid);
    this.revision = revision;
    const kv: KeyValue = { ...current!, modRevision: revision };
    events.push({ type: 'delete', kv, prevKv: current });
    return { succeeded: true, kv, revision };
  }
}
