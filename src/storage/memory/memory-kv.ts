/**
 * @module storage/memory/memory-kv
 *
 * The in-memory engine: the same MVCC contract as SQLite and etcd, kept in plain data structures,
 * for fast tests of the layers above and as a readable reference model of the semantics.
 * Every key keeps its list of revisions; the event log keeps every write after the compacted
 * revision so watches can replay history.
 */
import { storageErrors } from '../errors.js';
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
import { conditionalWrites } from '../conditional-writes.js';
import {
  resolveReadRevision,
  resolveWatchStart,
  validateKey,
  validateLimit,
  validateRange,
  validateRevision,
  validateValue,
} from '../validate.js';
import { WatchHub } from '../watch-hub.js';

/** One entry of a key's history; `kv` undefined marks a delete (a tombstone). */
interface Version {
  readonly revision: number;
  readonly kv: KeyValue | undefined;
}

export class MemoryKV implements KV {
  readonly engine = 'memory';
  private revision = 1;
  private compactRevision = 0;
  private readonly history = new Map<string, Version[]>();
  private readonly log: WatchEvent[] = [];
  private readonly hub = new WatchHub();
  private closed = false;

  private readonly writes = conditionalWrites((req) => this.txn(req));
  readonly create = this.writes.create;
  readonly update = this.writes.update;
  readonly delete = this.writes.delete;

  async get(key: string, options: ReadOptions = {}): Promise<GetResult> {
    this.ensureOpen();
    validateKey(key);
    const revision = this.readRevision(options.revision);
    return { kv: this.valueAt(key, revision), revision };
  }

  async list(prefix: string, options: ListOptions = {}): Promise<ListResult> {
    this.ensureOpen();
    validateRange(prefix, options.after);
    const limit = validateLimit(options.limit);
    const revision = this.readRevision(options.revision);
    const keys = [...this.history.keys()]
      .filter((k) => k.startsWith(prefix) && (options.after === undefined || k > options.after))
      .sort();
    const kvs: KeyValue[] = [];
    let more = false;
    for (const key of keys) {
      const kv = this.valueAt(key, revision);
      if (!kv) continue;
      if (limit > 0 && kvs.length === limit) {
        more = true;
        break;
      }
      kvs.push(kv);
    }
    return { kvs, more, revision };
  }

  async count(prefix: string, options: ReadOptions = {}): Promise<CountResult> {
    const { kvs, revision } = await this.list(prefix, options);
    return { count: kvs.length, revision };
  }

  async txn(request: TxnRequest): Promise<TxnResult> {
    this.ensureOpen();
    validateKey(request.key);
    if (request.op === 'put') validateValue(request.key, request.value);
    const expected = request.expectedModRevision;
    if (expected !== undefined) validateRevision(expected, 'expectedModRevision');
    const current = this.valueAt(request.key, this.revision);
    const matches = expected === undefined || (current?.modRevision ?? 0) === expected;
    if (!matches || (request.op === 'delete' && !current)) {
      return { succeeded: false, kv: current, revision: this.revision };
    }
    const revision = ++this.revision;
    let event: WatchEvent;
    if (request.op === 'put') {
      const kv: KeyValue = {
        key: request.key,
        value: Uint8Array.from(request.value),
        createRevision: current?.createRevision ?? revision,
        modRevision: revision,
        version: (current?.version ?? 0) + 1,
      };
      this.append(request.key, { revision, kv });
      event = { type: current ? 'update' : 'create', kv, prevKv: current };
    } else {
      this.append(request.key, { revision, kv: undefined });
      event = { type: 'delete', kv: { ...current!, modRevision: revision }, prevKv: current };
    }
    this.log.push(event);
    this.hub.publish([event]);
    return { succeeded: true, kv: event.kv, revision };
  }

  watch(prefix: string, options: WatchOptions = {}): Watch {
    return this.hub.open(
      prefix,
      options.signal,
      () => {
        this.ensureOpen();
        validateKey(prefix, 'prefix');
        const start = resolveWatchStart(options.startRevision, this.revision, this.compactRevision);
        return this.log.filter((ev) => ev.kv.modRevision >= start && ev.kv.key.startsWith(prefix));
      },
      options.onProgress,
    );
  }

  async compact(revision: number): Promise<void> {
    this.ensureOpen();
    validateRevision(revision);
    if (revision > this.revision) throw storageErrors.futureRevision(revision, this.revision);
    if (revision <= this.compactRevision) return;
    this.compactRevision = revision;
    for (const [key, versions] of this.history) {
      // Keep the newest version at or below the compacted revision: reads at `revision` need it.
      let keepFrom = 0;
      for (let i = 0; i < versions.length; i++) if (versions[i]!.revision <= revision) keepFrom = i;
      const kept = versions.slice(keepFrom);
      if (kept.length === 1 && kept[0]!.kv === undefined && kept[0]!.revision < revision) this.history.delete(key);
      else this.history.set(key, kept);
    }
    const firstKept = this.log.findIndex((ev) => ev.kv.modRevision >= revision);
    this.log.splice(0, firstKept === -1 ? this.log.length : firstKept);
  }

  async stats(): Promise<StorageStats> {
    this.ensureOpen();
    return { revision: this.revision, compactRevision: this.compactRevision, dbSizeBytes: undefined };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.hub.failAll(storageErrors.closed());
  }

  private ensureOpen(): void {
    if (this.closed) throw storageErrors.closed();
  }

  private readRevision(requested: number | undefined): number {
    return resolveReadRevision(requested, this.revision, this.compactRevision);
  }

  private valueAt(key: string, revision: number): KeyValue | undefined {
    const versions = this.history.get(key);
    if (!versions) return undefined;
    for (let i = versions.length - 1; i >= 0; i--) {
      if (versions[i]!.revision <= revision) return versions[i]!.kv;
    }
    return undefined;
  }

  private append(key: string, version: Version): void {
    const versions = this.history.get(key);
    if (versions) versions.push(version);
    else this.history.set(key, [version]);
  }
}
