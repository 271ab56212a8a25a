/**
 * @module controllers/garbagecollector/controller
 *
 * The garbage collector, as upstream's. It watches every served resource (one informer each,
 * namespaced and cluster-scoped), keeps the ownership graph (graph.ts), and works two queues:
 *
 *   attemptToDelete — an object whose owners may be gone:
 *     - owner being deleted in the foreground (foregroundDeletion finalizer): once no dependent
 *       with blockOwnerDeletion is left, remove the finalizer (the API server then deletes it);
 *       until then, delete those dependents;
 *     - dependent: classify its owners, each verified against the API server when the graph does
 *       not hold it (by name, then uid: the same name with another uid is another owner):
 *         some owner alive         → drop only the references to gone/foreground-deleting owners;
 *         owners waiting for their dependents, and it has dependents itself → delete it in the
 *                                    foreground too (the chain deletes bottom up);
 *         otherwise                → delete it (Background, or as its own finalizers ask).
 *   attemptToOrphan — an owner deleted with the orphan finalizer: strip its ownerReference from
 *     every dependent, then remove the finalizer.
 *
 * Background cascading needs no finalizer: the owner is gone at once, and its dependents, found
 * through the reverse index, are deleted here.
 */
import type { OwnerReference } from 'kubernetes-types/meta/v1.js';
import type { KubeObject } from '../../api/object.js';
import { findResourceByKind, RESOURCES, type ResourceInfo } from '../../api/resources.js';
import {
  DeletedFinalStateUnknown,
  isConflict,
  isNotFound,
  RateLimitingQueue,
  runController,
  type RestClient,
  type SharedInformer,
} from '../../client/index.js';
import type { Logger } from '../../log.js';
import type { InformerFactory } from '../common/informers.js';
import {
  FOREGROUND_FINALIZER,
  isBeingDeleted,
  isDeletingDependents,
  isOrphaning,
  nodeFromObject,
  ORPHAN_FINALIZER,
  OwnershipGraph,
  type GraphChange,
  type GraphNode,
} from './graph.js';

export interface GarbageCollectorOptions {
  readonly client: RestClient;
  readonly informers: InformerFactory;
  readonly log: Logger;
  /** Upstream's --concurrent-gc-syncs (default 20). */
  readonly workers?: number;
}

/** Raised while a foreground owner still has blocking dependents, so it is looked at again. */
class DependentsRemainError extends Error {
  override readonly name = 'DependentsRemainError';
}

/** The resources the collector watches: all served ones that can be listed and watched. */
export function collectedResources(): ResourceInfo[] {
  // events.k8s.io Events are the core Events seen through another API: same objects, same uids.
  return RESOURCES.filter((r) => r.verbs.includes('list') && r.verbs.includes('watch') && r.group !== 'events.k8s.io');
}

type OwnerState = 'solid' | 'dangling' | 'waiting';

export class GarbageCollector {
  readonly graph = new OwnershipGraph();
  private readonly attemptToDelete = new RateLimitingQueue<string>();
  private readonly attemptToOrphan = new RateLimitingQueue<string>();
  private readonly informers: SharedInformer[] = [];

  constructor(private readonly options: GarbageCollectorOptions) {
    for (const info of collectedResources()) {
      const informer = options.informers.informerFor<KubeObject>(info.group, info.version, info.plural);
      this.informers.push(informer);
      informer.addEventHandler({
        onAdd: (obj) => this.observe(obj, info),
        onUpdate: (_old, obj) => this.observe(obj, info),
        onDelete: (obj) => this.forget(obj instanceof DeletedFinalStateUnknown ? (obj.obj as KubeObject) : obj),
      });
    }
  }

  async run(signal: AbortSignal): Promise<void> {
    const workers = this.options.workers ?? 20;
    const common = { informers: this.informers, signal, log: this.options.log, maxRetries: Number.POSITIVE_INFINITY };
    await Promise.all([
      runController({ ...common, name: 'garbagecollector-delete', queue: this.attemptToDelete, workers, sync: (uid, s) => this.processDelete(uid, s) }),
      runController({ ...common, name: 'garbagecollector-orphan', queue: this.attemptToOrphan, workers: Math.max(1, Math.floor(workers / 4)), sync: (uid, s) => this.processOrphan(uid, s) }),
    ]);
  }

  private observe(obj: KubeObject, info: ResourceInfo): void {
    const node = nodeFromObject(obj, info);
    if (!node) return;
    this.react(this.graph.upsert(node));
  }

  private forget(obj: KubeObject): void {
    const uid = obj.metadata?.uid;
    if (!uid) return;
    const change = this.graph.remove(uid);
    // Its dependents may now have a dangling owner (background cascading).
    for (const dep of this.graph.dependents(uid)) this.attemptToDelete.add(dep.uid);
    this.react(change);
  }

  private react(change: GraphChange): void {
    const { node, old } = change;
    // An owner in foreground deletion may be waiting for this one to stop referencing it.
    for (const owner of change.removedOwners) {
      const o = this.graph.get(owner);
      if (o && isDeletingDependents(o)) this.attemptToDelete.add(owner);
    }
    if (!node) return;
    if (node.owners.some((r) => !this.graph.get(r.uid) || isDeletingDependents(this.graph.get(r.uid)!))) this.attemptToDelete.add(node.uid);
    if (isOrphaning(node)) this.attemptToOrphan.add(node.uid);
    if (isDeletingDependents(node)) {
      this.attemptToDelete.add(node.uid);
      if (!old || !isDeletingDependents(old)) for (const dep of this.graph.dependents(node.uid)) this.attemptToDelete.add(dep.uid);
    }
  }

  private resource(info: ResourceInfo) {
    return this.options.client.resource(info.group, info.version, info.plural);
  }

  private async processDelete(uid: string, signal: AbortSignal): Promise<void> {
    const node = this.graph.get(uid);
    if (!node) return;
    if (isDeletingDependents(node)) return this.processDeletingDependents(node, signal);
    if (isBeingDeleted(node) || node.owners.length === 0) return;

    const states = await Promise.all(node.owners.map(async (ref) => [ref, await this.ownerState(node, ref, signal)] as const));
    const solid = states.filter(([, s]) => s === 'solid');
    const dangling = states.filter(([, s]) => s === 'dangling').map(([r]) => r.uid);
    const waiting = states.filter(([, s]) => s === 'waiting').map(([r]) => r.uid);
    if (solid.length > 0) {
      if (dangling.length === 0 && waiting.length === 0) return;
      const drop = new Set([...dangling, ...waiting]);
      this.options.log.info({ object: describe(node), owners: [...drop] }, 'removing references to owners that are gone or being deleted');
      await this.patchOwners(node, node.owners.filter((r) => !drop.has(r.uid)), signal);
      return;
    }
    const hasDependents = this.graph.dependents(node.uid).length > 0;
    const policy = waiting.length > 0 && hasDependents ? 'Foreground' : node.finalizers.includes(ORPHAN_FINALIZER) ? 'Orphan' : node.finalizers.includes(FOREGROUND_FINALIZER) ? 'Foreground' : 'Background';
    this.options.log.info({ object: describe(node), policy }, 'deleting an object whose owners are gone');
    await this.deleteObject(node, policy, signal);
  }

  /** Whether the owner a reference names is alive, gone, or deleting its dependents. */
  private async ownerState(node: GraphNode, ref: OwnerReference, signal: AbortSignal): Promise<OwnerState> {
    const cached = this.graph.get(ref.uid);
    if (cached) return isDeletingDependents(cached) ? 'waiting' : 'solid';
    const info = findResourceByKind(ref.apiVersion, ref.kind);
    // An owner of a kind we do not serve cannot be checked: never delete on a guess.
    if (!info) return 'solid';
    // A cluster-scoped object cannot have a namespaced owner: the reference can never resolve.
    if (info.namespaced && !node.namespace) return 'dangling';
    try {
      const owner = await this.resource(info).get(ref.name, { ...(info.namespaced && { namespace: node.namespace! }), signal });
      if (owner.metadata?.uid !== ref.uid) return 'dangling';
      return owner.metadata?.deletionTimestamp && owner.metadata.finalizers?.includes(FOREGROUND_FINALIZER) ? 'waiting' : 'solid';
    } catch (err) {
      if (isNotFound(err)) return 'dangling';
      throw err;
    }
  }

  private async processDeletingDependents(owner: GraphNode, signal: AbortSignal): Promise<void> {
    const blocking = this.graph.dependents(owner.uid).filter((dep) => dep.owners.some((r) => r.uid === owner.uid && r.blockOwnerDeletion === true));
    if (blocking.length === 0) {
      this.options.log.info({ object: describe(owner) }, 'no blocking dependents left; removing the foregroundDeletion finalizer');
      await this.removeFinalizer(owner, FOREGROUND_FINALIZER, signal);
      return;
    }
    for (const dep of blocking) if (!isBeingDeleted(dep)) this.attemptToDelete.add(dep.uid);
    // Come back (with backoff) in case a dependent's deletion event is missed.
    throw new DependentsRemainError(`${describe(owner)} waits for ${blocking.length} dependent(s) to be deleted`);
  }

  private async processOrphan(uid: string, signal: AbortSignal): Promise<void> {
    const owner = this.graph.get(uid);
    if (!owner || !isOrphaning(owner)) return;
    for (const dep of this.graph.dependents(uid)) {
      await this.patchOwners(dep, dep.owners.filter((r) => r.uid !== uid), signal);
    }
    this.options.log.info({ object: describe(owner) }, 'dependents orphaned; removing the orphan finalizer');
    await this.removeFinalizer(owner, ORPHAN_FINALIZER, signal);
  }

  /** Sets a node's ownerReferences, conditional on the version the graph holds (409 → retried). */
  private async patchOwners(node: GraphNode, owners: readonly OwnerReference[], signal: AbortSignal): Promise<void> {
    try {
      await this.resource(node.info).patch(
        node.name,
        'merge',
        { metadata: { ownerReferences: owners.length > 0 ? owners : null, resourceVersion: node.resourceVersion } },
        { ...(node.namespace && { namespace: node.namespace }), signal },
      );
    } catch (err) {
      if (isNotFound(err)) return;
      throw err;
    }
  }

  private async removeFinalizer(node: GraphNode, finalizer: string, signal: AbortSignal): Promise<void> {
    const rest = node.finalizers.filter((f) => f !== finalizer);
    try {
      await this.resource(node.info).patch(
        node.name,
        'merge',
        { metadata: { finalizers: rest.length > 0 ? rest : null, resourceVersion: node.resourceVersion } },
        { ...(node.namespace && { namespace: node.namespace }), signal },
      );
    } catch (err) {
      if (isNotFound(err)) return;
      throw err;
    }
  }

  private async deleteObject(node: GraphNode, policy: 'Orphan' | 'Background' | 'Foreground', signal: AbortSignal): Promise<void> {
    try {
      await this.resource(node.info).delete(node.name, {
        ...(node.namespace && { namespace: node.namespace }),
        propagationPolicy: policy,
        // Only this very object: a new one under the same name is not ours to delete.
        preconditions: { uid: node.uid },
        signal,
      });
    } catch (err) {
      if (isNotFound(err) || isConflict(err)) return;
      throw err;
    }
  }
}

function describe(node: GraphNode): string {
  return `${node.info.kind} ${node.namespace ? `${node.namespace}/` : ''}${node.name} (${node.uid})`;
}
