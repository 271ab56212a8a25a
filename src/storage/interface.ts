/**
 * @module storage/interface
 *
 * The one contract every tskube storage engine implements: an MVCC key-value store with
 * etcd's semantics. The API server builds resourceVersion, optimistic concurrency, consistent
 * paginated LISTs and WATCH on exactly these guarantees, so each doc comment below is a promise
 * the conformance suite (`storage/testing/conformance.ts`) checks on every engine.
 *
 * Vocabulary:
 * - revision: a cluster-wide counter. Every successful write (create, update, delete) gets the next
 *   revision, strictly greater than every revision before it. Reads report the revision they saw.
 * - modRevision: the revision of the write that produced a key's current value.
 * - createRevision: the revision of the write that created the key (reset when a key is deleted and
 *   created again).
 * - version: how many writes the key has had since it was created (1 after create).
 */

/** A key's value as of some revision. */
export interface KeyValue {
  readonly key: string;
  readonly value: Uint8Array;
  readonly createRevision: number;
  readonly modRevision: number;
  readonly version: number;
}

export interface ReadOptions {
  /**
   * Read the state as of this revision. Omitted or 0: the newest state.
   * Older than the compacted revision: `StorageError` "Compacted".
   * Newer than the current revision: `StorageError` "FutureRevision".
   */
  readonly revision?: number;
}

export interface GetResult {
  /** The key's value, or undefined when the key does not exist at that revision. */
  readonly kv: KeyValue | undefined;
  /** The revision the read was served at (the store's current revision when none was asked for). */
  readonly revision: number;
}

export interface ListOptions extends ReadOptions {
  /** Return at most this many keys; 0 or omitted means no limit. */
  readonly limit?: number;
  /** Only keys strictly greater than this one (the cursor of a paginated LIST). */
  readonly after?: string;
}

export interface ListResult {
  /** Keys in ascending byte order. */
  readonly kvs: KeyValue[];
  /** True when `limit` cut the result and more keys match. */
  readonly more: boolean;
  /** The revision the list was served at; pass it back as `revision` to continue consistently. */
  readonly revision: number;
}

export interface CountResult {
  readonly count: number;
  readonly revision: number;
}

/**
 * A single-key compare-and-swap, the building block of create, update and delete.
 * `expectedModRevision` 0 means "the key must not exist"; a positive number means the key's current
 * modRevision must equal it; omitted means no comparison (a delete still needs the key to exist).
 */
export type TxnRequest =
  | { readonly key: string; readonly expectedModRevision?: number; readonly op: 'put'; readonly value: Uint8Array }
  | { readonly key: string; readonly expectedModRevision?: number; readonly op: 'delete' };

export interface TxnResult {
  readonly succeeded: boolean;
  /**
   * Succeeded put: the new value. Succeeded delete: the value that was deleted, with
   * `modRevision` set to the deletion's revision. Failed: the key's current value (undefined if it
   * does not exist), so a caller can retry without another read.
   */
  readonly kv: KeyValue | undefined;
  /** The store's revision after the transaction (the new revision when it succeeded). */
  readonly revision: number;
}

export type WatchEventType = 'create' | 'update' | 'delete';

export interface WatchEvent {
  readonly type: WatchEventType;
  /**
   * The key's new value. For a delete, the value that was deleted, with `modRevision` set to the
   * revision of the delete (what the API server reports as the deleted object's resourceVersion).
   */
  readonly kv: KeyValue;
  /** The value before this event; undefined for a create. */
  readonly prevKv: KeyValue | undefined;
}

export interface WatchOptions {
  /**
   * Deliver every event with revision >= startRevision. Omitted or 0: only events after the
   * store's current revision. Older than the compacted revision: the watch fails with "Compacted".
   */
  readonly startRevision?: number;
  /** Ends the watch; the iterator then returns normally. */
  readonly signal?: AbortSignal;
  /**
   * Told, in order with the events, that the store has reached `revision` and every event under
   * the prefix up to it has been delivered (a progress notification, as etcd's). A watch cache
   * uses it to know it is fresh for a consistent read even when its own prefix saw no writes.
   * Engines report progress within a short while of any write (in-process engines at once).
   */
  readonly onProgress?: (revision: number) => void;
}

/**
 * A stream of events under a prefix, in revision order, with no gaps and no duplicates.
 * Iteration ends normally when the signal aborts, and throws a `StorageError` when the watch can no
 * longer continue (compacted, overflowed, engine closed): the consumer resumes by watching again
 * from the revision after the last event it processed.
 */
export type Watch = AsyncIterable<WatchEvent>;

export interface StorageStats {
  /** The newest revision. */
  readonly revision: number;
  /** Revisions older than this are gone. */
  readonly compactRevision: number;
  /** Bytes the engine's database uses on disk (or in memory), when the engine knows. */
  readonly dbSizeBytes: number | undefined;
}

/** The MVCC key-value store. Every method rejects with `StorageError` for expected failures. */
export interface KV {
  /** The engine's short name, for logs and metrics ("sqlite", "etcd", "memory"). */
  readonly engine: string;

  get(key: string, options?: ReadOptions): Promise<GetResult>;

  /** Keys beginning with `prefix` (the empty prefix is refused: "InvalidArgument"). */
  list(prefix: string, options?: ListOptions): Promise<ListResult>;

  count(prefix: string, options?: ReadOptions): Promise<CountResult>;

  /** Single-key compare-and-swap; see `TxnRequest`. Never throws for a failed comparison. */
  txn(request: TxnRequest): Promise<TxnResult>;

  /** Creates the key; "KeyExists" if it is present. */
  create(key: string, value: Uint8Array): Promise<KeyValue>;

  /**
   * Replaces the value if the key's modRevision equals `expectedModRevision`.
   * "KeyNotFound" if the key is absent; "Conflict" (carrying the current value) otherwise.
   */
  update(key: string, value: Uint8Array, expectedModRevision: number): Promise<KeyValue>;

  /**
   * Deletes the key. With `expectedModRevision`, only if it matches ("Conflict" otherwise).
   * Returns the deleted value with `modRevision` set to the revision of the delete.
   * "KeyNotFound" if the key is absent.
   */
  delete(key: string, expectedModRevision?: number): Promise<KeyValue>;

  watch(prefix: string, options?: WatchOptions): Watch;

  /**
   * Discards history older than `revision`: reads and watches at a revision below it then fail
   * with "Compacted". Compacting at or below the current compact revision does nothing;
   * above the current revision is "FutureRevision".
   */
  compact(revision: number): Promise<void>;

  stats(): Promise<StorageStats>;

  /** Releases every resource; later calls reject with "Closed" and open watches fail with "Closed". */
  close(): Promise<void>;
}
