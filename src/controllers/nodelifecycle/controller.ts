/**
 * @module controllers/nodelifecycle/controller
 *
 * The node lifecycle controller, as upstream's, built to never turn a network fault into a mass
 * eviction (seed 000):
 *
 *   every --node-monitor-period:
 *     1. judge each node by when this controller last OBSERVED its Lease renewal or status
 *        heartbeat (health.ts); a node silent past the grace period gets its conditions set to
 *        Unknown ("Kubelet stopped posting node status."), as upstream;
 *     2. NoSchedule taints follow the Ready condition at once (not-ready / unreachable);
 *     3. zone states (zones.ts); when EVERY zone is fully disrupted, NoExecute taints are removed
 *        and none are added: the fault is between the nodes and us, not in the nodes;
 *     4. otherwise NoExecute taints are added to not-ready nodes through a token bucket per zone
 *        (--node-eviction-rate, or the secondary rate in a partially disrupted zone);
 *   and continuously: pods on NoExecute-tainted nodes are deleted when their tolerations run out
 *   (taint-eviction.ts; the admission default tolerates 300 s).
 */
import type { Lease as LeaseType } from 'kubernetes-types/coordination/v1.js';
import type { Node as NodeType, NodeCondition, Pod as PodType, Taint } from 'kubernetes-types/core/v1.js';
import type { KubeObject } from '../../api/object.js';
import { isApiStatusError, listWatchFor, SharedInformer, waitForCacheSync, type RestClient } from '../../client/index.js';
import type { Logger } from '../../log.js';
import { sleep } from '../../util/sleep.js';
import { DEFAULT_NODE_LIFECYCLE_CONFIG, type NodeLifecycleConfig } from './config.js';
import { NodeHealthTracker } from './health.js';
import { evictionTime } from './taint-eviction.js';
import { allFullyDisrupted, computeZoneState, evictionRate, zoneKey, type ZoneState } from './zones.js';

// kubernetes-types' interfaces, as the client library's generic object type.
type Node = NodeType & KubeObject;
type Lease = LeaseType & KubeObject;
type Pod = PodType & KubeObject;

export const TAINT_NOT_READY = 'node.kubernetes.io/not-ready';
export const TAINT_UNREACHABLE = 'node.kubernetes.io/unreachable';
const NODE_STATUS_UNKNOWN_MESSAGE = 'Kubelet stopped posting node status.';
const MONITORED_CONDITIONS = ['Ready', 'MemoryPressure', 'DiskPressure', 'PIDPressure'];

export interface NodeLifecycleStats {
  /** Pods this controller deleted because their node's NoExecute taints were not tolerated long enough. */
  evictions: number;
  /** Transitions of a node's Ready condition away from True that this controller made or saw. */
  notReadyTransitions: number;
  zoneStates: Map<string, ZoneState>;
}

export interface NodeLifecycleOptions {
  readonly client: RestClient;
  readonly log: Logger;
  readonly config?: Partial<NodeLifecycleConfig>;
  readonly monotonicNow?: () => number;
}

/** A token bucket per zone: NoExecute taints are applied to at most `rate` nodes per second. */
class ZoneTainter {
  private tokens = 1;
  private last = performance.now();
  constructor(public rate: number) {}
  take(): boolean {
    const now = performance.now();
    this.tokens = Math.min(1, this.tokens + ((now - this.last) / 1000) * this.rate);
    this.last = now;
    if (this.rate <= 0 || this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

export class NodeLifecycleController {
  readonly stats: NodeLifecycleStats = { evictions: 0, notReadyTransitions: 0, zoneStates: new Map() };
  private readonly config: NodeLifecycleConfig;
  private readonly health: NodeHealthTracker;
  private readonly nodes: SharedInformer<Node>;
  private readonly leases: SharedInformer<Lease>;
  private readonly pods: SharedInformer<Pod>;
  private readonly tainters = new Map<string, ZoneTainter>();
  private readonly lastReady = new Map<string, string>();

  constructor(private readonly options: NodeLifecycleOptions) {
    this.config = { ...DEFAULT_NODE_LIFECYCLE_CONFIG, ...options.config };
    this.health = new NodeHealthTracker(options.monotonicNow);
    const { client, log } = options;
    this.nodes = new SharedInformer<Node>({ name: 'nodes', listWatch: listWatchFor(client.resource<Node>('', 'v1', 'nodes')), log });
    this.leases = new SharedInformer<Lease>({
      name: 'leases',
      listWatch: listWatchFor(client.resource<Lease>('coordination.k8s.io', 'v1', 'leases'), { namespace: 'kube-node-lease' }),
      log,
    });
    this.pods = new SharedInformer<Pod>({
      name: 'pods',
      listWatch: listWatchFor(client.resource<Pod>('', 'v1', 'pods')),
      indexers: { nodeName: (pod) => (pod.spec?.nodeName ? [pod.spec.nodeName] : []) },
      log,
    });
    // Heartbeats are observed the moment they arrive, not only at the next monitor tick.
    this.leases.addEventHandler({ onAdd: (l) => this.observeLease(l), onUpdate: (_o, l) => this.observeLease(l) });
    this.nodes.addEventHandler({ onAdd: (n) => this.observeNode(n), onUpdate: (_o, n) => this.observeNode(n) });
  }

  async run(signal: AbortSignal): Promise<void> {
    const informers = [this.nodes.run(signal), this.leases.run(signal), this.pods.run(signal)];
    if (await waitForCacheSync(signal, this.nodes, this.leases, this.pods)) {
      while (!signal.aborted) {
        try {
          await this.monitor(signal);
          await this.evictPods(signal);
        } catch (err) {
          if (!signal.aborted) this.options.log.warn({ err }, 'node lifecycle pass failed; retrying next period');
        }
        await sleep(this.config.nodeMonitorPeriodMs, signal);
      }
    }
    await Promise.all(informers);
  }

  private observeLease(lease: Lease): void {
    const name = lease.metadata?.name;
    if (name) this.health.observe(name, { leaseRenewTime: lease.spec?.renewTime });
  }

  private observeNode(node: Node): void {
    const name = node.metadata?.name;
    const ready = readyCondition(node);
    if (name) this.health.observe(name, { readyHeartbeatTime: ready?.lastHeartbeatTime });
  }

  /** One monitor pass: conditions, NoSchedule taints, zone states, rate-limited NoExecute taints. */
  private async monitor(signal: AbortSignal): Promise<void> {
    const zones = new Map<string, { ready: number; notReady: number; nodes: Node[] }>();
    for (const cached of this.nodes.indexer.list()) {
      const name = cached.metadata!.name!;
      this.observeNode(cached);
      let node = cached;
      const verdict = this.health.judge(name, this.config.nodeMonitorGracePeriodMs, this.config.nodeStartupGracePeriodMs);
      if (verdict === 'Silent' && readyCondition(node)?.status !== 'Unknown') node = await this.markUnknown(node, signal);
      const ready = readyCondition(node)?.status ?? 'Unknown';
      if (this.lastReady.get(name) === 'True' && ready !== 'True') this.stats.notReadyTransitions++;
      this.lastReady.set(name, ready);
      await this.syncTaints(node, noScheduleTaint(ready), 'NoSchedule', signal);
      const zone = zoneKey(node.metadata?.labels);
      const counts = zones.get(zone) ?? { ready: 0, notReady: 0, nodes: [] };
      if (ready === 'True') counts.ready++;
      else counts.notReady++;
      counts.nodes.push(node);
      zones.set(zone, counts);
    }
    const states = new Map([...zones].map(([zone, c]) => [zone, computeZoneState(c, this.config.unhealthyZoneThreshold)] as const));
    this.stats.zoneStates = states;
    const allDown = allFullyDisrupted(states.values());
    if (allDown) this.options.log.warn({ zones: states.size }, 'every zone is fully disrupted: no evictions until nodes report again');
    for (const [zone, { nodes }] of zones) {
      const state = states.get(zone)!;
      const tainter = this.tainters.get(zone) ?? new ZoneTainter(0);
      tainter.rate = allDown ? 0 : evictionRate(state, nodes.length, this.config);
      this.tainters.set(zone, tainter);
      for (const node of nodes) {
        const ready = readyCondition(node)?.status ?? 'Unknown';
        const want = ready === 'True' || allDown ? undefined : noScheduleTaint(ready);
        const has = (node.spec?.taints ?? []).some((t) => t.effect === 'NoExecute' && t.key === want);
        if (want && !has && !tainter.take()) continue;
        await this.syncTaints(node, want, 'NoExecute', signal);
      }
    }
  }

  /** Sets the monitored conditions to Unknown, as upstream does for a silent node. */
  private async markUnknown(node: Node, signal: AbortSignal): Promise<Node> {
    const now = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
    const conditions: NodeCondition[] = MONITORED_CONDITIONS.map((type) => {
      const old = node.status?.conditions?.find((c) => c.type === type);
      return {
        type,
        status: 'Unknown',
        reason: 'NodeStatusUnknown',
        message: NODE_STATUS_UNKNOWN_MESSAGE,
        ...(old?.lastHeartbeatTime && { lastHeartbeatTime: old.lastHeartbeatTime }),
        lastTransitionTime: now,
      };
    });
    this.options.log.info({ node: node.metadata?.name, silentMs: this.health.silenceMs(node.metadata!.name!) }, 'node stopped reporting; conditions set to Unknown');
    try {
      return await this.options.client.resource<Node>('', 'v1', 'nodes').patch(node.metadata!.name!, 'strategic', { status: { conditions } }, { subresource: 'status', signal });
    } catch (err) {
      if (isApiStatusError(err) && err.code === 404) return node;
      throw err;
    }
  }

  /** Makes the node carry exactly `key` (or none) of the two lifecycle taints with `effect`. */
  private async syncTaints(node: Node, key: string | undefined, effect: 'NoSchedule' | 'NoExecute', signal: AbortSignal): Promise<void> {
    const taints = node.spec?.taints ?? [];
    const ours = (t: Taint) => t.effect === effect && (t.key === TAINT_NOT_READY || t.key === TAINT_UNREACHABLE);
    if (taints.filter(ours).map((t) => t.key).join() === (key ?? '')) return;
    const next: Taint[] = [...taints.filter((t) => !ours(t)), ...(key ? [{ key, effect, timeAdded: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z') }] : [])];
    try {
      const updated = await this.options.client
        .resource<Node>('', 'v1', 'nodes')
        .patch(node.metadata!.name!, 'merge', { metadata: { resourceVersion: node.metadata!.resourceVersion }, spec: { taints: next } }, { signal });
      node.spec = updated.spec;
      node.metadata = updated.metadata;
    } catch (err) {
      // A concurrent change (the node agent's status, another taint) is picked up next period.
      if (isApiStatusError(err) && (err.status.code === 409 || err.code === 404)) return;
      throw err;
    }
  }

  /** Deletes pods whose NoExecute tolerations on their node have run out. */
  private async evictPods(signal: AbortSignal): Promise<void> {
    const now = Date.now();
    for (const node of this.nodes.indexer.list()) {
      const taints = (node.spec?.taints ?? []).filter((t) => t.effect === 'NoExecute');
      if (taints.length === 0) continue;
      for (const pod of this.pods.indexer.byIndex('nodeName', node.metadata!.name!)) {
        if (pod.metadata?.deletionTimestamp) continue;
        const at = evictionTime(taints, pod.spec?.tolerations);
        if (at === undefined || at > now) continue;
        try {
          await this.options.client.resource<Pod>('', 'v1', 'pods').delete(pod.metadata!.name!, { namespace: pod.metadata!.namespace!, signal });
          this.stats.evictions++;
          this.options.log.info({ pod: `${pod.metadata!.namespace}/${pod.metadata!.name}`, node: node.metadata!.name, taints: taints.map((t) => t.key) }, 'evicted pod from tainted node');
        } catch (err) {
          if (!(isApiStatusError(err) && err.code === 404)) throw err;
        }
      }
    }
  }
}

function readyCondition(node: Node): NodeCondition | undefined {
  return node.status?.conditions?.find((c) => c.type === 'Ready');
}

function noScheduleTaint(ready: string): string | undefined {
  if (ready === 'False') return TAINT_NOT_READY;
  if (ready === 'Unknown') return TAINT_UNREACHABLE;
  return undefined;
}
