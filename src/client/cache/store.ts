/**
 * @module client/cache/store
 *
 * The informer's local copy of objects (client-go's thread-safe store + Indexer): objects by key
 * (`namespace/name`, or `name` for cluster-scoped objects) plus named indexes, each an index
 * function from an object to the values it is filed under. The namespace index is there by
 * default, so listers can answer "pods in namespace x" without scanning everything.
 *
 * Objects are shared with every reader and handler as they are: treat them as read-only and copy
 * before changing one (as with client-go's cache).
 */
import type { KubeObject } from '../../api/object.js';

export type KeyFunc<T> = (obj: T) => string;
export type IndexFunc<T> = (obj: T) => readonly string[];
export type Indexers<T> = Readonly<Record<string, IndexFunc<T>>>;

export const NAMESPACE_INDEX = 'namespace';

/** `namespace/name`, or `name` for cluster-scoped objects; the key of every tskube cache. */
export function metaNamespaceKey(obj: KubeObject): string {
  const name = obj.metadata?.name;
  if (!name) throw new TypeError('an object without metadata.name has no cache key');
  const ns = obj.metadata?.namespace;
  return ns ? `${ns}/${name}` : name;
}

/** The inverse of metaNamespaceKey. */
export function splitMetaNamespaceKey(key: string): { namespace: string | undefined; name: string } {
  const slash = key.indexOf('/');
  return slash === -1 ? { namespace: undefined, name: key } : { namespace: key.slice(0, slash), name: key.slice(slash + 1) };
}

export function metaNamespaceIndexFunc(obj: KubeObject): readonly string[] {
  return [obj.metadata?.namespace ?? ''];
}

/** What the DeltaFIFO needs from the store to detect deletions during a relist. */
export interface KeyListerGetter<T> {
  listKeys(): string[];
  getByKey(key: string): T | undefined;
}

export class Indexer<T extends KubeObject = KubeObject> implements KeyListerGetter<T> {
  private readonly items = new Map<string, T>();
  /** index name → indexed value → keys */
  private readonly indices = new Map<string, Map<string, Set<string>>>();
  private readonly indexers: Record<string, IndexFunc<T>>;

  constructor(
    indexers: Indexers<T> = { [NAMESPACE_INDEX]: metaNamespaceIndexFunc },
    readonly keyFunc: KeyFunc<T> = metaNamespaceKey,
  ) {
    this.indexers = { ...indexers };
    for (const name of Object.keys(this.indexers)) this.indices.set(name, new Map());
  }

  /** Adds index functions; only before the store holds anything (as client-go). */
  addIndexers(indexers: Indexers<T>): void {
    if (this.items.size > 0) throw new Error('cannot add indexers to a store that already holds objects');
    for (const [name, fn] of Object.entries(indexers)) {
      if (this.indexers[name]) throw new Error(`indexer "${name}" already exists`);
      this.indexers[name] = fn;
      this.indices.set(name, new Map());
    }
  }

  add(obj: T): void {
    this.put(this.keyFunc(obj), obj);
  }

  update(obj: T): void {
    this.put(this.keyFunc(obj), obj);
  }

  delete(obj: T): void {
    this.deleteKey(this.keyFunc(obj));
  }

  deleteKey(key: string): void {
    const old = this.items.get(key);
    if (old === undefined) return;
    this.unindex(key, old);
    this.items.delete(key);
  }

  /** Replaces the whole content (a relist). */
  replace(objects: readonly T[]): void {
    this.items.clear();
    for (const index of this.indices.values()) index.clear();
    for (const obj of objects) this.put(this.keyFunc(obj), obj);
  }

  get(obj: T): T | undefined {
    return this.items.get(this.keyFunc(obj));
  }

  getByKey(key: string): T | undefined {
    return this.items.get(key);
  }

  list(): T[] {
    return [...this.items.values()];
  }

  listKeys(): string[] {
    return [...this.items.keys()];
  }

  get size(): number {
    return this.items.size;
  }

  /** Objects filed under `value` in the named index (e.g. byIndex('namespace', 'kube-system')). */
  byIndex(indexName: string, value: string): T[] {
    return this.indexKeys(indexName, value).map((k) => this.items.get(k)!);
  }

  indexKeys(indexName: string, value: string): string[] {
    const index = this.indices.get(indexName);
    if (!index) throw new Error(`no index named "${indexName}"`);
    return [...(index.get(value) ?? [])];
  }

  /** Every value the named index currently files objects under. */
  listIndexValues(indexName: string): string[] {
    const index = this.indices.get(indexName);
    if (!index) throw new Error(`no index named "${indexName}"`);
    return [...index.keys()];
  }

  private put(key: string, obj: T): void {
    const old = this.items.get(key);
    if (old !== undefined) this.unindex(key, old);
    this.items.set(key, obj);
    for (const [name, fn] of Object.entries(this.indexers)) {
      const index = this.indices.get(name)!;
      for (const value of new Set(fn(obj))) {
        let keys = index.get(value);
        if (!keys) index.set(value, (keys = new Set()));
        keys.add(key);
      }
    }
  }

  private unindex(key: string, obj: T): void {
    for (const [name, fn] of Object.entries(this.indexers)) {
      const index = this.indices.get(name)!;
      for (const value of fn(obj)) {
        const keys = index.get(value);
        keys?.delete(key);
        if (keys?.size === 0) index.delete(value);
      }
    }
  }
}
