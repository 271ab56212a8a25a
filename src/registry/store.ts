/**
 * @module registry/store
 *
 * The generic store: create, get, list, update and delete for any resource, configured by a
 * ResourceInfo and a Strategy rather than subclassed (upstream's registry/generic Store).
 * Every read-modify-write goes through `guaranteedUpdate`, retried on conflict.
 */
import { randomUUID } from 'node:crypto';
import type { Time } from 'kubernetes-types/meta/v1.js';
import { deepCopy, jsonEqual, type KubeObject, type StoredObject } from '../api/object.js';
import { groupVersion, type ResourceInfo } from '../api/resources.js';
import type { FieldSelector } from '../api/selectors/fields.js';
import type { LabelSelector } from '../api/selectors/labels.js';
import { fieldErrors, type FieldError } from '../api/validation/field-errors.js';
import { ApiError, apiErrors, fromStorageError } from '../api/errors.js';
import { isStorageError } from '../storage/errors.js';
import type { KV } from '../storage/interface.js';
import { decodeObject, encodeObject } from './codec.js';
import { decodeContinue, encodeContinue } from './continue-token.js';
import { namespacePrefix, objectKey } from './keys.js';
import type { Strategy } from './strategy.js';

export interface ListQuery {
  readonly labelSelector?: LabelSelector;
  readonly fieldSelector?: FieldSelector;
  readonly limit?: number;
  readonly continue?: string;
  readonly resourceVersion?: string;
  readonly resourceVersionMatch?: 'Exact' | 'NotOlderThan';
}

export interface ListResult {
  readonly items: StoredObject[];
  readonly resourceVersion: string;
  readonly continue?: string;
}

export interface Preconditions {
  readonly uid?: string;
  readonly resourceVersion?: string;
}

export interface DeleteOptions {
  readonly gracePeriodSeconds?: number;
  readonly propagationPolicy?: 'Orphan' | 'Background' | 'Foreground';
  readonly preconditions?: Preconditions;
  readonly dryRun?: boolean;
}

/** What a delete did: removed the object, or marked it terminating (finalizers, grace period). */
export interface DeleteResult {
  readonly object: StoredObject;
  readonly deleted: boolean;
}

/** The state of a namespace, for the "namespace must exist and not be terminating" rule. */
export type NamespaceLookup = (namespace: string) => Promise<'Active' | 'Terminating' | undefined>;

export interface StoreOptions {
  readonly info: ResourceInfo;
  readonly kv: KV;
  readonly strategy: Strategy;
  readonly namespaceLookup?: NamespaceLookup;
  /**
   * Finalizers that hold an object besides metadata.finalizers (a Namespace's spec.finalizers,
   * removed by the namespace controller through the finalize subresource once it is empty).
   */
  readonly extraFinalizers?: (obj: StoredObject) => readonly string[];
  /** Marks an object as terminating beyond deletionTimestamp (a Namespace's status.phase). */
  readonly onTerminating?: (obj: StoredObject) => void;
  /** Grace period for a delete without one (pods: their terminationGracePeriodSeconds). */
  readonly gracePeriod?: (obj: StoredObject, requested: number | undefined) => number;
  /** Reservations outside the object (a Service's cluster IP and node ports). */
  readonly hooks?: WriteHooks;
  readonly now?: () => Date;
}

/**
 * Side effects outside the object, as upstream's BeginCreate / BeginUpdate / AfterDelete hooks:
 * `before*` runs after validation and may change the object (fill in allocated values) or throw
 * an ApiError; its completion is told whether the write happened, so it can keep or undo what it
 * reserved. Completions never throw.
 */
export interface WriteHooks {
  beforeCreate?(obj: StoredObject, options: { readonly dryRun: boolean }): Promise<WriteCompletion>;
  beforeUpdate?(obj: StoredObject, old: StoredObject, options: { readonly dryRun: boolean }): Promise<WriteCompletion>;
  afterDelete?(obj: StoredObject): Promise<void>;
}

export interface WriteCompletion {
  finish(committed: boolean): Promise<void>;
}

const GENERATE_NAME_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';
const MAX_UPDATE_ATTEMPTS = 20;
/** Paging through storage while filtering never reads more than this many keys per request page. */
const STORAGE_PAGE = 1000;

export class ResourceStore {
  readonly info: ResourceInfo;
  readonly strategy: Strategy;
  private readonly kv: KV;
  private readonly now: () => Date;

  constructor(private readonly options: StoreOptions) {
    this.info = options.info;
    this.strategy = options.strategy;
    this.kv = options.kv;
    this.now = options.now ?? (() => new Date());
  }

  /** The storage's newest revision: a consistent read must reflect at least this. */
  async currentRevision(): Promise<number> {
    try {
      return (await this.kv.stats()).revision;
    } catch (err) {
      throw fromStorageError(err, this.info, '');
    }
  }

  key(namespace: string | undefined, name: string): string {
    return objectKey(this.info, namespace, name);
  }

  prefix(namespace: string | undefined): string {
    return namespacePrefix(this.info, namespace);
  }

  /** Stamps apiVersion and kind, which are not trusted from storage or clients. */
  private typed(obj: StoredObject): StoredObject {
    return { apiVersion: groupVersion(this.info), kind: this.info.kind, ...obj };
  }

  async get(namespace: string | undefined, name: string, resourceVersion?: string): Promise<StoredObject> {
    const revision = parseResourceVersion(resourceVersion);
    try {
      const { kv } = await this.kv.get(this.key(namespace, name), revision > 0 ? { revision } : {});
      if (!kv) throw apiErrors.notFound(this.info, name);
      return this.typed(decodeObject(kv));
    } catch (err) {
      throw fromStorageError(err, this.info, name);
    }
  }

  async list(namespace: string | undefined, query: ListQuery = {}): Promise<ListResult> {
    const prefix = this.prefix(namespace);
    const limit = query.limit ?? 0;
    let revision = 0;
    let after: string | undefined;
    if (query.continue) {
      ({ revision, after } = decodeContinue(query.continue, prefix));
    } else {
      const requested = parseResourceVersion(query.resourceVersion);
      const exact = query.resourceVersionMatch === 'Exact' || (limit > 0 && requested > 0 && query.resourceVersionMatch === undefined);
      if (exact) revision = requested;
      else if (requested > 0) {
        const { revision: current } = await this.kv.stats().catch((err: unknown) => {
          throw fromStorageError(err, this.info, '');
        });
        if (requested > current) throw apiErrors.timeout(`Too large resource version: ${requested}, current: ${current}`);
      }
    }
    const items: StoredObject[] = [];
    try {
      for (;;) {
        const want = limit > 0 ? Math.max(limit - items.length, 1) : STORAGE_PAGE;
        const page = await this.kv.list(prefix, { limit: Math.min(want, STORAGE_PAGE), ...(after && { after }), ...(revision && { revision }) });
        revision = page.revision;
        for (const kv of page.kvs) {
          after = kv.key;
          const obj = decodeObject(kv);
          if (this.matches(obj, query)) items.push(this.typed(obj));
          if (limit > 0 && items.length === limit) break;
        }
        const stoppedEarly = after !== undefined && after !== page.kvs.at(-1)?.key;
        if (limit > 0 && items.length === limit) {
          const more = page.more || stoppedEarly;
          return { items, resourceVersion: String(revision), ...(more && { continue: encodeContinue(revision, after!, prefix) }) };
        }
        if (!page.more) return { items, resourceVersion: String(revision) };
      }
    } catch (err) {
      if (err instanceof ApiError) throw err;
      if (isStorageError(err, 'Compacted')) {
        throw query.continue
          ? apiErrors.gone('The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.')
          : apiErrors.gone('The resourceVersion for the provided list is too old.');
      }
      throw fromStorageError(err, this.info, '');
    }
  }

  matches(obj: StoredObject, query: Pick<ListQuery, 'labelSelector' | 'fieldSelector'>): boolean {
    if (query.labelSelector && !query.labelSelector.matches(obj.metadata.labels)) return false;
    if (query.fieldSelector && !query.fieldSelector.matches(this.strategy.fields(obj))) return false;
    return true;
  }

  async create(namespace: string | undefined, body: KubeObject, options: { dryRun?: boolean } = {}): Promise<StoredObject> {
    const obj = this.checkBody(body, namespace);
    const meta = obj.metadata;
    if (!meta.name && meta.generateName) meta.name = generateName(meta.generateName);
    if (this.info.namespaced) await this.checkNamespace(namespace!);
    meta.uid = randomUUID();
    meta.creationTimestamp = toTime(this.now());
    meta.generation = 1;
    delete meta.resourceVersion;
    delete meta.deletionTimestamp;
    delete meta.deletionGracePeriodSeconds;
    delete meta.selfLink;
    this.strategy.prepareForCreate(obj);
    this.throwIfInvalid(obj, this.strategy.validate(obj));
    const completion = await this.options.hooks?.beforeCreate?.(obj, { dryRun: options.dryRun === true });
    if (options.dryRun) {
      await completion?.finish(false);
      return this.typed(obj);
    }
    let committed = false;
    try {
      const kv = await this.kv.create(this.key(namespace, meta.name!), encodeObject(obj));
      committed = true;
      meta.resourceVersion = String(kv.modRevision);
      return this.typed(obj);
    } catch (err) {
      throw fromStorageError(err, this.info, meta.name ?? '');
    } finally {
      await completion?.finish(committed);
    }
  }

  /** PUT: replaces the object (or its status), conditional on metadata.resourceVersion if given. */
  async update(
    namespace: string | undefined,
    name: string,
    body: KubeObject,
    options: { subresource?: string; dryRun?: boolean } = {},
  ): Promise<StoredObject> {
    const obj = this.checkBody(body, namespace);
    if (obj.metadata.name !== name) {
      throw apiErrors.badRequest(`the name of the object (${obj.metadata.name ?? ''}) does not match the name on the URL (${name})`);
    }
    const expected = obj.metadata.resourceVersion;
    if (!expected && !this.strategy.allowUnconditionalUpdate) {
      throw this.invalid(obj, [fieldErrors.invalid('metadata.resourceVersion', '', 'must be specified for an update')]);
    }
    return this.guaranteedUpdate(namespace, name, (current) => {
      if (expected && expected !== current.metadata.resourceVersion) throw apiErrors.modified(this.info, name);
      return { ...deepCopy(obj), metadata: { ...obj.metadata, resourceVersion: current.metadata.resourceVersion } };
    }, options);
  }

  /**
   * The read-modify-write loop. `tryUpdate` gets the current object and returns the desired one
   * (or throws an ApiError); the store applies the strategy, validates, and writes it only if
   * nothing changed underneath, retrying on conflict with the fresh object.
   */
  async guaranteedUpdate(
    namespace: string | undefined,
    name: string,
    tryUpdate: (current: StoredObject) => StoredObject | Promise<StoredObject>,
    options: { subresource?: string; dryRun?: boolean; preconditions?: Preconditions } = {},
  ): Promise<StoredObject> {
    const key = this.key(namespace, name);
    for (let attempt = 0; attempt < MAX_UPDATE_ATTEMPTS; attempt++) {
      const current = await this.get(namespace, name);
      checkPreconditions(this.info, name, current, options.preconditions);
      const desired = await tryUpdate(deepCopy(current));
      const next = this.prepareUpdate(desired, current, options.subresource);
      this.throwIfInvalid(next, this.strategy.validateUpdate(next, current));
      if (jsonEqual(next, current)) return current;
      // Status writes cannot change what a hook reserves (a Service's IPs and ports live in spec).
      const hooks = options.subresource === undefined ? this.options.hooks : undefined;
      const completion = await hooks?.beforeUpdate?.(next, current, { dryRun: options.dryRun === true });
      let committed = false;
      try {
        if (options.dryRun) return next;
        if (shouldDeleteDuringUpdate(next) && (this.options.extraFinalizers?.(next).length ?? 0) === 0) {
          const deleted = await this.deleteNow(key, name, next, Number(current.metadata.resourceVersion));
          if (deleted) return deleted;
          continue;
        }
        try {
          const kv = await this.kv.update(key, encodeObject(next), Number(current.metadata.resourceVersion));
          committed = true;
          next.metadata.resourceVersion = String(kv.modRevision);
          return next;
        } catch (err) {
          if (isStorageError(err, 'Conflict')) continue;
          throw fromStorageError(err, this.info, name);
        }
      } finally {
        await completion?.finish(committed);
      }
    }
    throw apiErrors.modified(this.info, name);
  }

  /** DELETE: graceful when a grace period or finalizers apply, otherwise immediate. */
  async delete(namespace: string | undefined, name: string, options: DeleteOptions = {}): Promise<DeleteResult> {
    const key = this.key(namespace, name);
    for (let attempt = 0; attempt < MAX_UPDATE_ATTEMPTS; attempt++) {
      const current = await this.get(namespace, name);
      checkPreconditions(this.info, name, current, options.preconditions);
      const next = deepCopy(current);
      const meta = next.metadata;
      const finalizers = new Set(meta.finalizers ?? []);
      if (options.propagationPolicy === 'Orphan') finalizers.add('orphan');
      if (options.propagationPolicy === 'Foreground') finalizers.add('foregroundDeletion');
      const grace = this.options.gracePeriod?.(current, options.gracePeriodSeconds) ?? 0;
      const held = finalizers.size > 0 || (this.options.extraFinalizers?.(current).length ?? 0) > 0;
      if (!held && grace === 0) {
        if (options.dryRun) return { object: current, deleted: true };
        const deleted = await this.deleteNow(key, name, current, Number(current.metadata.resourceVersion));
        if (deleted) return { object: deleted, deleted: true };
        continue;
      }
      meta.finalizers = [...finalizers];
      if (!meta.deletionTimestamp || grace < (meta.deletionGracePeriodSeconds ?? Infinity)) {
        meta.deletionTimestamp = toTime(new Date(this.now().getTime() + grace * 1000));
        meta.deletionGracePeriodSeconds = grace;
      }
      if (meta.finalizers.length === 0) delete meta.finalizers;
      this.options.onTerminating?.(next);
      if (jsonEqual(next, current) || options.dryRun) return { object: next, deleted: false };
      try {
        const kv = await this.kv.update(key, encodeObject(next), Number(current.metadata.resourceVersion));
        next.metadata.resourceVersion = String(kv.modRevision);
        return { object: next, deleted: false };
      } catch (err) {
        if (isStorageError(err, 'Conflict')) continue;
        throw fromStorageError(err, this.info, name);
      }
    }
    throw apiErrors.modified(this.info, name);
  }

  /** Removes the object if it is still at `expectedRevision`; undefined when it changed meanwhile. */
  private async deleteNow(key: string, name: string, obj: StoredObject, expectedRevision: number): Promise<StoredObject | undefined> {
    try {
      const kv = await this.kv.delete(key, expectedRevision);
      await this.options.hooks?.afterDelete?.(obj);
      return { ...obj, metadata: { ...obj.metadata, resourceVersion: String(kv.modRevision) } };
    } catch (err) {
      if (isStorageError(err, 'Conflict')) return undefined;
      throw fromStorageError(err, this.info, name);
    }
  }

  private prepareUpdate(desired: StoredObject, current: StoredObject, subresource: string | undefined): StoredObject {
    let next: StoredObject;
    if (subresource === 'status') {
      // A status write changes status only: everything else comes from the stored object.
      next = { ...deepCopy(current), status: desired.status };
      if (desired.status === undefined) delete next.status;
    } else {
      next = this.typed(desired);
      const meta = next.metadata;
      const old = current.metadata;
      meta.uid = old.uid;
      meta.creationTimestamp = old.creationTimestamp;
      meta.namespace = old.namespace;
      meta.resourceVersion = old.resourceVersion;
      if (old.deletionTimestamp) {
        meta.deletionTimestamp = old.deletionTimestamp;
        meta.deletionGracePeriodSeconds = old.deletionGracePeriodSeconds;
      } else {
        delete meta.deletionTimestamp;
        delete meta.deletionGracePeriodSeconds;
      }
      meta.generation = old.generation;
      this.strategy.prepareForUpdate(next, current);
    }
    if (next.metadata.finalizers?.length === 0) delete next.metadata.finalizers;
    return next;
  }

  /**
   * Checks a request body against the URL's namespace. The store takes ownership of `body` (a
   * freshly decoded request): copying every PUT body cost a measurable share of the Lease
   * heartbeat path.
   */
  private checkBody(body: KubeObject, namespace: string | undefined): StoredObject {
    const obj = body as StoredObject;
    obj.metadata ??= {};
    if (this.info.namespaced) {
      if (obj.metadata.namespace && namespace && obj.metadata.namespace !== namespace) {
        throw apiErrors.badRequest('the namespace of the provided object does not match the namespace sent on the request');
      }
      obj.metadata.namespace = namespace ?? obj.metadata.namespace;
    } else if (obj.metadata.namespace) {
      // Cluster-scoped objects carry no namespace; upstream clears it silently.
      delete obj.metadata.namespace;
    }
    return this.typed(obj);
  }

  private async checkNamespace(namespace: string): Promise<void> {
    const state = await this.options.namespaceLookup?.(namespace);
    if (!this.options.namespaceLookup) return;
    if (state === undefined) throw apiErrors.notFound({ group: '', plural: 'namespaces' }, namespace);
    if (state === 'Terminating') {
      throw new ApiError(403, 'Forbidden', `${this.info.plural} "" is forbidden: unable to create new content in namespace ${namespace} because it is being terminated`, {
        causes: [{ reason: 'NamespaceTerminating', message: `namespace ${namespace} is being terminated`, field: 'metadata.namespace' }],
      });
    }
  }

  private invalid(obj: StoredObject, errs: FieldError[]): ApiError {
    return apiErrors.invalid(this.info.kind, this.info.group, obj.metadata.name ?? obj.metadata.generateName ?? '', errs);
  }

  private throwIfInvalid(obj: StoredObject, errs: FieldError[]): void {
    if (errs.length > 0) throw this.invalid(obj, errs);
  }
}

/** "" and "0" mean "any"; anything else must be a revision number. */
export function parseResourceVersion(rv: string | undefined): number {
  if (rv === undefined || rv === '' || rv === '0') return 0;
  if (!/^[1-9]\d*$/.test(rv) || !Number.isSafeInteger(Number(rv))) {
    throw apiErrors.badRequest(`invalid resource version "${rv}"`);
  }
  return Number(rv);
}

function checkPreconditions(info: ResourceInfo, name: string, current: StoredObject, pre: Preconditions | undefined): void {
  if (pre?.uid && pre.uid !== current.metadata.uid) {
    throw apiErrors.conflict(info, name, `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${current.metadata.uid ?? ''}`);
  }
  if (pre?.resourceVersion && pre.resourceVersion !== current.metadata.resourceVersion) {
    throw apiErrors.conflict(
      info,
      name,
      `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${current.metadata.resourceVersion ?? ''}`,
    );
  }
}

/** An update that removes the last finalizer of an object whose grace period is over deletes it. */
function shouldDeleteDuringUpdate(obj: StoredObject): boolean {
  const meta = obj.metadata;
  return meta.deletionTimestamp !== undefined && (meta.finalizers?.length ?? 0) === 0 && (meta.deletionGracePeriodSeconds ?? 0) === 0;
}

function generateName(base: string): string {
  let suffix = '';
  for (let i = 0; i < 5; i++) suffix += GENERATE_NAME_ALPHABET[Math.floor(Math.random() * GENERATE_NAME_ALPHABET.length)];
  // Upstream truncates the base so the generated name stays within 63 characters.
  return `${base.slice(0, 58)}${suffix}`;
}

/** RFC 3339 with second precision, as metav1.Time serialises. */
export function toTime(date: Date): Time {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}
