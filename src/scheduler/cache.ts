/**
 * @module scheduler/cache
 *
 * The scheduler cache, as upstream's (pkg/scheduler/backend/cache): one NodeInfo per node, kept
 * current by the informers' events instead of rebuilt every cycle.
 *
 *   nodes: added, updated (labels, taints, allocatable) and removed as the node informer says; a
 *     node removed while pods are still on it keeps its NodeInfo (without a node) until they go,
 *     and a pod seen before its node gets a NodeInfo that waits for the node;
 *   pods: assigned, non-terminal pods are added, updated and removed as the pod informer says;
 *   assumed pods: a pod the scheduler has just placed is added to its node at once (`assumePod`),
 *     so the next cycle sees it, and stays "assumed" until the informer delivers it bound (then
 *     it is confirmed, moved if it landed elsewhere) or the binding fails (`forgetPod`). As
 *     upstream since 1.23, an assumed pod never expires: every failed binding forgets its pod.
 *
 * Each NodeInfo carries a generation; the cache keeps its nodes in a list with the most recently
 * changed first, so `updateSnapshot` copies into the cycle's Snapshot only the NodeInfos changed
 * since the snapshot's generation — a cycle costs what changed, not the size of the cluster.
 */
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import { NodeInfo } from './node-info.js';
import { NodeTree } from './node-tree.js';
import { Snapshot } from './snapshot.js';

/** A NodeInfo in the cache's most-recently-changed-first list. */
interface Item {
  readonly info: NodeInfo;
  /** False while the NodeInfo only holds pods of a node not (or no longer) known. */
  hasNode: boolean;
  prev: Item | undefined;
  next: Item | undefined;
}

interface PodState {
  /** As last seen (or as assumed, with spec.nodeName set). */
  pod: Pod;
  assumed: boolean;
}

/** A cache operation that does not fit the cache's state (a bug in the caller, or a missed event). */
export class SchedulerCacheError extends Error {
  override readonly name = 'SchedulerCacheError';
}

/** Uid, or namespace/name for a pod without one: what the cache knows a pod by. */
export const podKey = (pod: Pod): string => pod.metadata?.uid || `${pod.metadata?.namespace ?? ''}/${pod.metadata?.name ?? ''}`;

const nodeNameOf = (pod: Pod): string => pod.spec?.nodeName ?? '';

export class SchedulerCache {
  /** Namespace name → labels; shared with every snapshot (namespaceSelector reads it). */
  readonly namespaceLabels = new Map<string, Readonly<Record<string, string>>>();
  private readonly items = new Map<string, Item>();
  /** The most recently changed NodeInfo. */
  private head: Item | undefined;
  private readonly tree = new NodeTree();
  private readonly podStates = new Map<string, PodState>();

  /** Nodes known (with a Node object). */
  get nodeCount(): number {
    return this.tree.size;
  }

  /** Pods on the cache's nodes, assumed ones included. */
  get podCount(): number {
    return this.podStates.size;
  }

  /** A snapshot for this cache's cycles, filled at once. */
  newSnapshot(): Snapshot {
    const snapshot = new Snapshot([], [], this.namespaceLabels);
    this.updateSnapshot(snapshot);
    return snapshot;
  }

  addNode(node: Node): void {
    const name = node.metadata?.name ?? '';
    const item = this.itemFor(name, node);
    item.info.setNode(node);
    item.hasNode = true;
    this.tree.addNode(node);
    this.moveToHead(item);
  }

  updateNode(node: Node): void {
    const name = node.metadata?.name ?? '';
    const item = this.itemFor(name, node);
    item.info.setNode(node);
    if (!item.hasNode) this.tree.addNode(node);
    else this.tree.updateNode(node);
    item.hasNode = true;
    this.moveToHead(item);
  }

  removeNode(name: string): void {
    const item = this.items.get(name);
    if (item === undefined) return;
    this.tree.removeNode(name);
    item.hasNode = false;
    item.info.markChanged();
    // Its pods' own deletions will come; until then their NodeInfo stays, without the node.
    if (item.info.pods.length === 0) this.unlink(item);
    else this.moveToHead(item);
  }

  setNamespace(name: string, labels: Readonly<Record<string, string>>): void {
    this.namespaceLabels.set(name, labels);
  }

  removeNamespace(name: string): void {
    this.namespaceLabels.delete(name);
  }

  /** Whether `pod` is placed by this scheduler and not yet seen bound. */
  isAssumed(pod: Pod): boolean {
    return this.podStates.get(podKey(pod))?.assumed ?? false;
  }

  /** Places `pod` on `nodeName` before the API knows (upstream's AssumePod). */
  assumePod(pod: Pod, nodeName: string): void {
    const key = podKey(pod);
    if (this.podStates.has(key)) throw new SchedulerCacheError(`pod ${key} is in the cache, so it cannot be assumed`);
    const assumed: Pod = { ...pod, spec: { ...pod.spec, containers: pod.spec?.containers ?? [], nodeName } };
    this.podStates.set(key, { pod: assumed, assumed: true });
    this.place(assumed);
  }

  /** Drops an assumption whose binding failed (upstream's ForgetPod); a confirmed pod stays. */
  forgetPod(pod: Pod): void {
    const key = podKey(pod);
    const state = this.podStates.get(key);
    if (state === undefined || !state.assumed) return;
    this.unplace(state.pod);
    this.podStates.delete(key);
  }

  /** An assigned pod the informer delivered for the first time (or the confirmation of an assumed one). */
  addPod(pod: Pod): void {
    const key = podKey(pod);
    const state = this.podStates.get(key);
    if (state !== undefined) {
      // Assumed (confirmed now, perhaps on another node than we chose), or a repeated add.
      this.unplace(state.pod);
    }
    this.podStates.set(key, { pod, assumed: false });
    this.place(pod);
  }

  /** An assigned pod that changed (labels, requests of a resized pod, deletionTimestamp...). */
  updatePod(pod: Pod): void {
    this.addPod(pod);
  }

  /** A pod deleted, finished, or (assumed) gone before its binding: its node gets its room back. */
  removePod(pod: Pod): void {
    const key = podKey(pod);
    const state = this.podStates.get(key);
    if (state === undefined) return;
    this.unplace(state.pod);
    this.podStates.delete(key);
  }

  /**
   * Brings `snapshot` up to date: copies the NodeInfos changed since its generation, drops deleted
   * nodes, and rebuilds its node order only when nodes came, went or changed zone (upstream's
   * UpdateSnapshot).
   */
  updateSnapshot(snapshot: Snapshot): void {
    const since = snapshot.generation;
    let affinityChanged = false;
    for (let item = this.head; item !== undefined && item.info.generation > since; item = item.next) {
      if (!item.hasNode) continue;
      const name = item.info.name;
      let existing = snapshot.nodeInfoMap.get(name);
      if (existing === undefined) {
        existing = item.info.clone();
        snapshot.nodeInfoMap.set(name, existing);
        continue;
      }
      if ((existing.podsWithAffinity.length > 0) !== (item.info.podsWithAffinity.length > 0)) affinityChanged = true;
      if ((existing.podsWithRequiredAntiAffinity.length > 0) !== (item.info.podsWithRequiredAntiAffinity.length > 0)) affinityChanged = true;
      // In place, so the snapshot's lists keep pointing at the right object.
      existing.assign(item.info);
    }
    if (this.head !== undefined) snapshot.generation = Math.max(snapshot.generation, this.head.info.generation);
    if (snapshot.nodeInfoMap.size > this.tree.size) {
      for (const name of snapshot.nodeInfoMap.keys()) {
        if (this.items.get(name)?.hasNode !== true) snapshot.nodeInfoMap.delete(name);
      }
    }
    // Nodes came, went or changed zone.
    if (snapshot.nodeOrderVersion !== this.tree.version) {
      snapshot.setOrder(this.tree.list());
      snapshot.nodeOrderVersion = this.tree.version;
    } else if (affinityChanged) snapshot.updateAffinityLists();
  }

  private place(pod: Pod): void {
    const item = this.itemFor(nodeNameOf(pod));
    item.info.addPod(pod);
    this.moveToHead(item);
  }

  private unplace(pod: Pod): void {
    const item = this.items.get(nodeNameOf(pod));
    if (item === undefined || !item.info.removePod(pod)) return;
    if (!item.hasNode && item.info.pods.length === 0) this.unlink(item);
    else this.moveToHead(item);
  }

  /** The node's item, created (without a node unless given) when absent. */
  private itemFor(name: string, node?: Node): Item {
    let item = this.items.get(name);
    if (item === undefined) {
      item = { info: new NodeInfo(node ?? { metadata: { name } }), hasNode: false, prev: undefined, next: undefined };
      this.items.set(name, item);
    }
    return item;
  }

  private moveToHead(item: Item): void {
    if (this.head === item) return;
    this.detach(item);
    item.next = this.head;
    if (this.head !== undefined) this.head.prev = item;
    this.head = item;
  }

  private unlink(item: Item): void {
    this.detach(item);
    this.items.delete(item.info.name);
  }

  private detach(item: Item): void {
    if (item.prev !== undefined) item.prev.next = item.next;
    if (item.next !== undefined) item.next.prev = item.prev;
    if (this.head === item) this.head = item.next;
    item.prev = undefined;
    item.next = undefined;
  }
}
