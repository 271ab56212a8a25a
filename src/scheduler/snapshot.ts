/**
 * @module scheduler/snapshot
 *
 * The cluster as one scheduling cycle sees it, as upstream's `cache.Snapshot`: a NodeInfo per
 * node in the order the filters visit them, the nodes that host pods with (anti-)affinity terms
 * (so InterPodAffinity skips every other node), and the namespaces' labels. Either built whole
 * from lists of nodes and pods (tests, one-off decisions) or kept current by the scheduler cache,
 * which copies into it only what changed since the cycle before (`SchedulerCache.updateSnapshot`).
 */
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import { isTerminal, NodeInfo } from './node-info.js';

export class Snapshot {
  /** Node name → NodeInfo; the scheduler cache updates it in place, everyone else reads `get`. */
  readonly nodeInfoMap = new Map<string, NodeInfo>();
  /** The newest cache generation copied in (0: none). */
  generation = 0;
  /** The version of the cache's node order that `nodeInfos` follows (-1: none). */
  nodeOrderVersion = -1;
  private list: NodeInfo[] = [];
  private withAffinity: NodeInfo[] = [];
  private withRequiredAntiAffinity: NodeInfo[] = [];

  /**
   * @param namespaceLabels labels of each namespace, for affinity terms' namespaceSelector; a
   *   namespace missing here has no labels.
   */
  constructor(
    nodes: readonly Node[] = [],
    pods: readonly Pod[] = [],
    readonly namespaceLabels: ReadonlyMap<string, Readonly<Record<string, string>>> = new Map(),
  ) {
    for (const n of nodes) {
      const ni = new NodeInfo(n);
      this.nodeInfoMap.set(ni.name, ni);
      this.list.push(ni);
    }
    for (const pod of pods) {
      const nodeName = pod.spec?.nodeName;
      if (!nodeName || isTerminal(pod)) continue;
      this.nodeInfoMap.get(nodeName)?.addPod(pod);
    }
    this.updateAffinityLists();
  }

  /** Every node, in the order the filters visit them. */
  get nodeInfos(): readonly NodeInfo[] {
    return this.list;
  }

  /** Nodes hosting at least one pod with a pod (anti-)affinity term. */
  get havePodsWithAffinity(): readonly NodeInfo[] {
    return this.withAffinity;
  }

  /** Nodes hosting at least one pod with a required anti-affinity term. */
  get havePodsWithRequiredAntiAffinity(): readonly NodeInfo[] {
    return this.withRequiredAntiAffinity;
  }

  get(nodeName: string): NodeInfo | undefined {
    return this.nodeInfoMap.get(nodeName);
  }

  /** Rebuilds the node list in `order` (names in nodeInfoMap) and the affinity lists; for the cache. */
  setOrder(order: readonly string[]): void {
    this.list = [];
    for (const name of order) {
      const ni = this.nodeInfoMap.get(name);
      if (ni !== undefined) this.list.push(ni);
    }
    this.updateAffinityLists();
  }

  /** Recomputes which nodes host pods with affinity terms; for the cache, after NodeInfos changed. */
  updateAffinityLists(): void {
    this.withAffinity = this.list.filter((ni) => ni.podsWithAffinity.length > 0);
    this.withRequiredAntiAffinity = this.list.filter((ni) => ni.podsWithRequiredAntiAffinity.length > 0);
  }

  /** Records `pod` on `nodeName`, as the scheduler cache's AssumePod (so the next cycle sees it). */
  assume(pod: Pod, nodeName: string): void {
    const ni = this.nodeInfoMap.get(nodeName);
    if (ni === undefined) throw new Error(`node ${nodeName} is not in the snapshot`);
    ni.addPod({ ...pod, spec: { ...pod.spec, containers: pod.spec?.containers ?? [], nodeName } });
    this.updateAffinityLists();
  }

  /** A copy in which one node's NodeInfo is replaced (used by the preemption dry run). */
  withNodeInfo(replacement: NodeInfo): Snapshot {
    const copy = new Snapshot([], [], this.namespaceLabels);
    for (const ni of this.list) {
      const chosen = ni.name === replacement.name ? replacement : ni;
      copy.nodeInfoMap.set(chosen.name, chosen);
      copy.list.push(chosen);
    }
    copy.updateAffinityLists();
    return copy;
  }
}
