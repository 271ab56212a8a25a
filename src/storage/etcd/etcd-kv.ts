/**
 * @module storage/etcd/etcd-kv
 *
 * The etcd v3 engine: the storage contract mapped onto a real etcd cluster, one request per
 * operation. etcd already has the semantics the interface describes (one revision counter,
 * modRevision/createRevision/version, compaction, watch from a revision), so this file is mostly
 * translation; the care goes into failures:
 * - arguments are checked before anything is sent, so bad input never reaches etcd;
 * - reads and compaction are retried on transient failures within `requestTimeoutMs`; writes are
 *   retried only when etcd certainly did not apply them, and otherwise fail with "Unavailable"
 *   saying that the outcome is unknown (see `etcd-errors.ts`);
 * - watches survive member loss by re-watching from the first revision not yet received
 *   (`etcd-watch.ts`).
 *
 * etcd has no call that reports the compacted revision, so `stats().compactRevision` is what this
 * client has learned: revisions it compacted itself, compaction errors it saw, and compact
 * revisions etcd sent on watches. It starts at 0 and may lag behind compactions by other clients.
 */
import type { IRangeRequest, IRequestOp, ICompare, ITxnResponse } from 'etcd3';
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
  WatchOptions,
} from '../interface.js';
import { conditionalWrites } from '../conditional-writes.js';
import { prefixEnd, validateKey, validateLimit, validateRange, validateRevision, validateValue } from '../validate.js';
import { DEFAULT_WATCH_QUEUE_LIMIT } from '../watch-hub.js';
import { EtcdConnection } from './connection.js';
import { keyBytes, toKeyValue, valueBytes } from './convert.js';
import { type ErrorContext, isCompacted, isFutureRevision, isTransient, toStorageError, wasNotApplied } from './etcd-errors.js';
import { EtcdWatch } from './etcd-watch.js';
import { withRetries } from './retry.js';

export interface EtcdKVOptions {
  /** Client URLs of the members, e.g. "http://127.0.0.1:2379"; requests go to any of them. */
  readonly endpoints: readonly string[];
  /** How long `open` waits for the cluster to answer a linearizable read. Default 5 s. */
  readonly dialTimeoutMs?: number;
  /** Budget for one operation, retries included. Default 5 s. */
  readonly requestTimeoutMs?: number;
  /** Events a watch buffers for a slow consumer before dropping it with "WatchOverflow". */
  readonly watchQueueLimit?: number;
}

const DEFAULT_DIAL_TIMEOUT_MS = 5_000;
const DEFAULT_REQUEST_TIMEOUT_MS = 5_000;
/** How long an endpoint that refused a connection, or had no leader, is skipped. */
const ENDPOINT_COOLDOWN_MS = 500;
/** A read that only serves to learn the current revision: the key "\0" is never a tskube key (keys are printable ASCII). */
const REVISION_PROBE: IRangeRequest = { key: Buffer.from([0]), count_only: true };

export class EtcdKV implements KV {
  readonly engine = 'etcd';
  private readonly connection: EtcdConnection;
  private readonly endpoints: readonly string[];
  private readonly dialTimeoutMs: number;
  private readonly requestTimeoutMs: number;
  private readonly watchQueueLimit: number;
  private readonly closing = new AbortController();
  private readonly watches = new Map<EtcdWatch, Promise<void>>();
  private closed: Promise<void> | undefined;
  /** The highest compact revision this client knows of (see the module comment). */
  private compactRevision = 0;

  private readonly writes = conditionalWrites((request) => this.txn(request));
  readonly create = this.writes.create;
  readonly update = this.writes.update;
  readonly delete = this.writes.delete;

  /** Connects lazily; prefer `EtcdKV.open`, which also waits until the cluster answers. */
  constructor(options: EtcdKVOptions) {
    this.endpoints = checkEndpoints(options.endpoints);
    this.dialTimeoutMs = checkPositive(options.dialTimeoutMs, 'dialTimeoutMs') ?? DEFAULT_DIAL_TIMEOUT_MS;
    this.requestTimeoutMs = checkPositive(options.requestTimeoutMs, 'requestTimeoutMs') ?? DEFAULT_REQUEST_TIMEOUT_MS;
    this.watchQueueLimit = checkPositive(options.watchQueueLimit, 'watchQueueLimit') ?? DEFAULT_WATCH_QUEUE_LIMIT;
    this.connection = new EtcdConnection({ endpoints: this.endpoints, endpointCooldownMs: ENDPOINT_COOLDOWN_MS });
  }

  /** Opens the engine once the cluster serves a linearizable read, or rejects with "Unavailable". */
  static async open(options: EtcdKVOptions): Promise<EtcdKV> {
    const kv = new EtcdKV(options);
    try {
      await withRetries((deadline) => kv.connection.range(REVISION_PROBE, deadline), {
        deadline: Date.now() + kv.dialTimeoutMs,
        retryable: isTransient,
        signal: kv.closing.signal,
      });
      return kv;
    } catch (err) {
      await kv.close();
      throw toStorageError(err, { op: `connect to etcd at ${kv.endpoints.join(',')}` });
    }
  }

  async get(key: string, options: ReadOptions = {}): Promise<GetResult> {
    this.ensureOpen();
    validateKey(key);
    const revision = validateRevision(options.revision);
    const res = await this.read({ op: 'get', key }, revision, (deadline) =>
      this.connection.range({ key: keyBytes(key), revision }, deadline),
    );
    const raw = res.kvs[0];
    return { kv: raw && toKeyValue(raw), revision: revision || Number(res.header.revision) };
  }

  async list(prefix: string, options: ListOptions = {}): Promise<ListResult> {
    this.ensureOpen();
    validateRange(prefix, options.after);
    const limit = validateLimit(options.limit);
    const revision = validateRevision(options.revision);
    // The smallest key after the cursor is the cursor followed by a zero byte.
    const from = options.after === undefined ? prefix : `${options.after}\0`;
    const res = await this.read({ op: 'list', key: prefix }, revision, (deadline) =>
      this.connection.range({ key: keyBytes(from), range_end: keyBytes(prefixEnd(prefix)), limit, revision }, deadline),
    );
    return { kvs: res.kvs.map(toKeyValue), more: res.more, revision: revision || Number(res.header.revision) };
  }

  async count(prefix: string, options: ReadOptions = {}): Promise<CountResult> {
    this.ensureOpen();
    validateKey(prefix, 'prefix');
    const revision = validateRevision(options.revision);
    const res = await this.read({ op: 'count', key: prefix }, revision, (deadline) =>
      this.connection.range({ key: keyBytes(prefix), range_end: keyBytes(prefixEnd(prefix)), count_only: true, revision }, deadline),
    );
    return { count: Number(res.count), revision: revision || Number(res.header.revision) };
  }

  /**
   * One etcd transaction: the comparison, the write, and on failure a read of the current value,
   * so a failed comparison costs no second round trip.
   */
  async txn(request: TxnRequest): Promise<TxnResult> {
    this.ensureOpen();
    validateKey(request.key);
    if (request.op === 'put') validateValue(request.key, request.value);
    const expected =
      request.expectedModRevision === undefined ? undefined : validateRevision(request.expectedModRevision, 'expectedModRevision');
    const key = keyBytes(request.key);
    const compare: ICompare[] = [];
    // etcd reports createRevision 0 for a key that does not exist.
    if (expected === 0) compare.push({ key, target: 'Create', result: 'Equal', create_revision: 0 });
    else if (expected !== undefined) compare.push({ key, target: 'Mod', result: 'Equal', mod_revision: expected });
    // A delete of an absent key would "succeed" in etcd without deleting anything.
    if (request.op === 'delete') compare.push({ key, target: 'Version', result: 'Greater', version: 0 });
    const success: IRequestOp[] =
      request.op === 'put'
        ? // The keys-only read after the put returns the new createRevision and version without
          // sending the value back.
          [{ request_put: { key, value: valueBytes(request.value) } }, { request_range: { key, keys_only: true } }]
        : [{ request_delete_range: { key, prev_kv: true } }];
    const res = await this.write({ op: `txn ${request.op}`, key: request.key }, (deadline) =>
      this.connection.txn({ compare, success, failure: [{ request_range: { key } }] }, deadline),
    );
    return txnResult(request, res);
  }

  watch(prefix: string, options: WatchOptions = {}): Watch {
    let startRevision: number;
    try {
      this.ensureOpen();
      validateKey(prefix, 'prefix');
      startRevision = validateRevision(options.startRevision, 'startRevision');
    } catch (err) {
      return failedWatch(err);
    }
    const watch = new EtcdWatch({
      connection: this.connection,
      prefix,
      startRevision,
      signal: options.signal,
      queueLimit: this.watchQueueLimit,
      openTimeoutMs: this.requestTimeoutMs,
      onCompactRevision: (revision) => this.noteCompacted(revision),
      ...(options.onProgress && { onProgress: options.onProgress }),
    });
    this.watches.set(
      watch,
      watch.run().finally(() => this.watches.delete(watch)),
    );
    return watch.events();
  }

  async compact(revision: number): Promise<void> {
    this.ensureOpen();
    validateRevision(revision);
    if (revision <= this.compactRevision) return;
    try {
      // Compaction is idempotent, so unlike other writes it is retried on any transient failure.
      await withRetries((deadline) => this.connection.compact({ revision }, deadline), this.retryOptions(isTransient));
    } catch (err) {
      if (isCompacted(err) && !this.closing.signal.aborted) {
        // etcd says "already compacted" for any revision at or below its compact revision.
        this.noteCompacted(revision);
        return;
      }
      throw await this.translate(err, { op: 'compact' }, revision);
    }
    this.noteCompacted(revision);
  }

  async stats(): Promise<StorageStats> {
    this.ensureOpen();
    const [revision, status] = await Promise.all([
      this.currentRevision(),
      this.read({ op: 'status' }, 0, (deadline) => this.connection.status(deadline)),
    ]);
    return { revision, compactRevision: this.compactRevision, dbSizeBytes: Number(status.dbSize) };
  }

  close(): Promise<void> {
    this.closed ??= this.shutdown();
    return this.closed;
  }

  private async shutdown(): Promise<void> {
    this.closing.abort();
    for (const watch of this.watches.keys()) watch.fail(storageErrors.closed());
    this.connection.close();
    await Promise.all(this.watches.values());
  }

  private ensureOpen(): void {
    if (this.closing.signal.aborted) throw storageErrors.closed();
  }

  private retryOptions(retryable: (err: unknown) => boolean) {
    return { deadline: Date.now() + this.requestTimeoutMs, retryable, signal: this.closing.signal };
  }

  private async read<T>(context: ErrorContext, revision: number, call: (deadline: number) => Promise<T>): Promise<T> {
    try {
      return await withRetries(call, this.retryOptions(isTransient));
    } catch (err) {
      throw await this.translate(err, context, revision);
    }
  }

  private async write<T>(context: ErrorContext, call: (deadline: number) => Promise<T>): Promise<T> {
    try {
      return await withRetries(call, this.retryOptions(wasNotApplied));
    } catch (err) {
      throw await this.translate(err, { ...context, write: true }, 0);
    }
  }

  private async currentRevision(): Promise<number> {
    const res = await this.read({ op: 'read revision' }, 0, (deadline) => this.connection.range(REVISION_PROBE, deadline));
    return Number(res.header.revision);
  }

  /** The StorageError for a failed request that asked for `revision` (0: none). */
  private async translate(err: unknown, context: ErrorContext, revision: number): Promise<StorageError> {
    if (this.closing.signal.aborted) return storageErrors.closed();
    if (isCompacted(err)) {
      // The read failed, so everything up to the requested revision is gone.
      this.noteCompacted(revision + 1);
      return storageErrors.compacted(revision, this.compactRevision);
    }
    if (isFutureRevision(err)) {
      // Only for the error's detail; if even that read fails, the revision below is an upper bound.
      const current = await this.currentRevision().catch(() => revision - 1);
      return storageErrors.futureRevision(revision, current);
    }
    return toStorageError(err, context);
  }

  private noteCompacted(revision: number): void {
    this.compactRevision = Math.max(this.compactRevision, revision);
  }
}

function txnResult(request: TxnRequest, res: ITxnResponse): TxnResult {
  const revision = Number(res.header.revision);
  if (!res.succeeded) {
    const current = res.responses[0]?.response_range?.kvs[0];
    return { succeeded: false, kv: current && toKeyValue(current), revision };
  }
  if (request.op === 'put') {
    const written = res.responses[1]?.response_range?.kvs[0];
    if (!written) throw storageErrors.unavailable(`etcd returned no key after writing ${request.key}`);
    const kv: KeyValue = {
      key: request.key,
      value: Uint8Array.from(request.value),
      createRevision: Number(written.create_revision),
      modRevision: Number(written.mod_revision),
      version: Number(written.version),
    };
    return { succeeded: true, kv, revision };
  }
  const deleted = res.responses[0]?.response_delete_range?.prev_kvs[0];
  if (!deleted) throw storageErrors.unavailable(`etcd returned no previous value after deleting ${request.key}`);
  return { succeeded: true, kv: { ...toKeyValue(deleted), modRevision: revision }, revision };
}

/** A watch that fails on first use (bad arguments or a closed engine), as the interface asks. */
function failedWatch(error: unknown): Watch {
  return { [Symbol.asyncIterator]: () => ({ next: () => Promise.reject(error) }) };
}

function checkEndpoints(endpoints: readonly string[]): readonly string[] {
  if (!Array.isArray(endpoints) || endpoints.length === 0) {
    throw new StorageError('InvalidArgument', 'etcd needs at least one endpoint');
  }
  return endpoints.map((endpoint) => {
    const trimmed = typeof endpoint === 'string' ? endpoint.replace(/\/+$/, '') : '';
    if (!/^(https?:\/\/)?[^\s/]+:\d+$/.test(trimmed)) {
      throw new StorageError('InvalidArgument', `etcd endpoint ${JSON.stringify(endpoint)} is not [http://]host:port`);
    }
    return trimmed;
  });
}

function checkPositive(value: number | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  if (!Number.isSafeInteger(value) || value <= 0) {
    throw new StorageError('InvalidArgument', `${name} must be a positive integer, got ${String(value)}`);
  }
  return value;
}
