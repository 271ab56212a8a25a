/**
 * @module controllers/garbagecollector/graph
 *
 * The ownership graph (upstream's GraphBuilder + uidToNode): one node per object of every served
 * resource, keyed by uid — identity is the uid, so an owner deleted and re-created under the same
 * name is a different node — with its ownerReferences, and the reverse index owner uid → the
 * uids of its dependents (kept even while the owner itself is not, or no longer, in the graph).
 */
import type { OwnerReference } from 'kubernetes-types/meta/v1.js';
import type { KubeObject } from '../../api/object.js';
import type { ResourceInfo } from '../../api/resources.js';

export const ORPHAN_FINALIZER = 'orphan';
export const FOREGROUND_FINALIZER = 'foregroundDeletion';

export interface GraphNode {
  readonly uid: string;
  readonly info: ResourceInfo;
  readonly namespace: string | undefined;
  readonly name: string;
  readonly owners: readonly OwnerReference[];
  readonly finalizers: readonly string[];
  readonly deletionTimestamp: string | undefined;
  readonly resourceVersion: string | undefined;
}

export function isBeingDeleted(node: GraphNode): boolean {
  return node.deletionTimestamp !== undefined;
}

/** Foreground deletion in progress: the node waits for its blocking dependents to go. */
export function isDeletingDependents(node: GraphNode): boolean {
  return isBeingDeleted(node) && node.finalizers.includes(FOREGROUND_FINALIZER);
}

export function isOrphaning(node: GraphNode): boolean {
  return isBeingDeleted(node) && node.finalizers.includes(ORPHAN_FINALIZER);
}

export function nodeFromObject(obj: KubeObject, info: ResourceInfo): GraphNode | undefined {
  const meta = obj.metadata;
  if (!meta?.uid || !meta.name) return undefined;
  return {
    uid: meta.uid,
    info,
    namespace: meta.namespace,
    name: meta.name,
    owners: meta.ownerReferences ?? [],
    finalizers: meta.finalizers ?? [],
    deletionTimestamp: meta.deletionTimestamp,
    resourceVersion: meta.resourceVersion,
  };
}

export interface GraphChange {
  /** The node after the change (undefined when it was removed). */
  readonly node: GraphNode | undefined;
  /** The node before the change. */
  readonly old: GraphNode | undefined;
  /** Owner uids it no longer references. */
  readonly removedOwners: readonly string[];
}

export class OwnershipGraph {
  private readonly nodes = new Map<string, GraphNode>();
  private readonly dependentsByOwner = new Map<string, Set<string>>();

  get(uid: string): GraphNode | undefined {
    return this.nodes.get(uid);
  }

  get size(): number {
    return this.nodes.size;
  }

  /** The nodes that reference `ownerUid` (those in the graph). */
  dependents(ownerUid: string): GraphNode[] {
    return [...(this.dependentsByOwner.get(ownerUid) ?? [])].map((uid) => this.nodes.get(uid)).filter((n): n is GraphNode => n !== undefined);
  }

  upsert(node: GraphNode): GraphChange {
    const old = this.nodes.get(node.uid);
    this.nodes.set(node.uid, node);
    const before = new Set((old?.owners ?? []).map((r) => r.uid));
    const after = new Set(node.owners.map((r) => r.uid));
    for (const uid of after) this.link(uid, node.uid);
    const removedOwners = [...before].filter((uid) => !after.has(uid));
    for (const uid of removedOwners) this.unlink(uid, node.uid);
    return { node, old, removedOwners };
  }

  remove(uid: string): GraphChange {
    const old = this.nodes.get(uid);
    this.nodes.delete(uid);
    const removedOwners = (old?.owners ?? []).map((r) => r.uid);
    for (const owner of removedOwners) this.unlink(owner, uid);
    return { node: undefined, old, removedOwners };
  }

  private link(owner: string, dependent: string): void {
    let set = this.dependentsByOwner.get(owner);
    if (!set) this.dependentsByOwner.set(owner, (set = new Set()));
    set.add(dependent);
  }

  private unlink(owner: string, dependent: string): void {
    const set = this.dependentsByOwner.get(owner);
    set?.delete(dependent);
    if (set?.size === 0) this.dependentsByOwner.delete(owner);
  }
}
