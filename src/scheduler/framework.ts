/**
 * @module scheduler/framework
 *
 * The scheduling framework, as upstream kube-scheduler's (`pkg/scheduler/framework`): a snapshot
 * of NodeInfos (a node plus the pods assigned to it, what they request and which host ports they
 * hold), Filter plugins that say whether a pod may go on a node (a Status with upstream's reason
 * strings), Score plugins that rank the nodes that passed (0–100 after normalizing, times the
 * plugin's weight), and `schedule(pod, snapshot)`: the chosen node, or a FitError whose message is
 * upstream's, letter for letter, including the preemption dry run's suffix.
 *
 * Pure: no I/O, randomness injected, so every decision can be tested in process.
 */
import type { ContainerPort, Node, Pod } from 'kubernetes-types/core/v1.js';
import { compareGoStrings } from '../api/selectors/compare.js';
import { milliCPU, quantityValue } from './quantity.js';
import { podRequests, type Resources } from './resources.js';

export type { Node, Pod };

/** Upstream's status codes (framework.Code) that the scheduler's decisions depend on. */
export type Code = 'Success' | 'Unschedulable' | 'UnschedulableAndUnresolvable' | 'Error';

export interface Status {
  readonly code: Code;
  /** Upstream's reason strings; the FitError counts each one per node. */
  readonly reasons: readonly string[];
}

export const SUCCESS: Status = Object.freeze({ code: 'Success', reasons: [] });
/** Preemption (removing lower-priority pods) might help: resources, ports, anti-affinity. */
export const unschedulable = (...reasons: string[]): Status => ({ code: 'Unschedulable', reasons });
/** Preemption cannot help: the node itself does not fit (selector, taints, too small). */
export const unresolvable = (...reasons: string[]): Status => ({ code: 'UnschedulableAndUnresolvable', reasons });
export const isSuccess = (s: Status): boolean => s.code === 'Success';

export const MAX_NODE_SCORE = 100;

export interface HostPort {
  readonly hostIP: string;
  readonly protocol: string;
  readonly port: number;
}

/** The host ports a pod asks for (containers' ports with a hostPort), as upstream's GetHostPorts. */
export function podHostPorts(pod: Pod): HostPort[] {
  const ports: HostPort[] = [];
  const add = (p: ContainerPort): void => {
    if (!p.hostPort) return;
    ports.push({ hostIP: p.hostIP || '0.0.0.0', protocol: p.protocol || 'TCP', port: p.hostPort });
  };
  for (const c of pod.spec?.containers ?? []) (c.ports ?? []).forEach(add);
  for (const c of pod.spec?.initContainers ?? []) if (c.restartPolicy === 'Always') (c.ports ?? []).forEach(add);
  return ports;
}

/** A node and the pods assigned to it, with their totals: what the filters and scores read. */
export class NodeInfo {
  readonly pods: Pod[] = [];
  /** Sum of the pods' requests. */
  readonly requested: Resources = { milliCPU: 0, memory: 0 };
  /** Sum with 100m / 200Mi for unset requests (what the resource scores use). */
  readonly nonZeroRequested: Resources = { milliCPU: 0, memory: 0 };
  readonly usedPorts: HostPort[] = [];
  readonly allocatable: Readonly<Resources & { pods: number }>;

  constructor(readonly node: Node) {
    const alloc = node.status?.allocatable ?? node.status?.capacity ?? {};
    this.allocatable = {
      milliCPU: milliCPU(alloc['cpu']),
      memory: quantityValue(alloc['memory']),
      pods: quantityValue(alloc['pods']),
    };
  }

  get name(): string {
    return this.node.metadata?.name ?? '';
  }

  get labels(): Readonly<Record<string, string>> {
    return this.node.metadata?.labels ?? {};
  }

  addPod(pod: Pod): void {
    this.pods.push(pod);
    this.account(pod, 1);
  }

  /** Removes a pod by uid (or namespace/name); false when it was not here. */
  removePod(pod: Pod): boolean {
    const i = this.pods.findIndex((p) => samePod(p, pod));
    if (i < 0) return false;
    const [removed] = this.pods.splice(i, 1);
    if (removed) this.account(removed, -1);
    return true;
  }

  clone(): NodeInfo {
    const copy = new NodeInfo(this.node);
    for (const p of this.pods) copy.addPod(p);
    return copy;
  }

  private account(pod: Pod, sign: 1 | -1): void {
    const r = podRequests(pod);
    const nz = podRequests(pod, true);
    this.requested.milliCPU += sign * r.milliCPU;
    this.requested.memory += sign * r.memory;
    this.nonZeroRequested.milliCPU += sign * nz.milliCPU;
    this.nonZeroRequested.memory += sign * nz.memory;
    for (const port of podHostPorts(pod)) {
      if (sign > 0) this.usedPorts.push(port);
      else {
        const j = this.usedPorts.findIndex((u) => u.hostIP === port.hostIP && u.protocol === port.protocol && u.port === port.port);
        if (j >= 0) this.usedPorts.splice(j, 1);
      }
    }
  }
}

function samePod(a: Pod, b: Pod): boolean {
  if (a.metadata?.uid && b.metadata?.uid) return a.metadata.uid === b.metadata.uid;
  return a.metadata?.namespace === b.metadata?.namespace && a.metadata?.name === b.metadata?.name;
}

/** Pods that hold no resources any more (upstream's informer skips them with a field selector). */
export function isTerminal(pod: Pod): boolean {
  return pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed';
}

/** The cluster as one scheduling cycle sees it. */
export class Snapshot {
  readonly nodeInfos: NodeInfo[];
  private readonly byName = new Map<string, NodeInfo>();

  /**
   * @param namespaceLabels labels of each namespace, for affinity terms' namespaceSelector; a
   *   namespace missing here has no labels.
   */
  constructor(
    nodes: readonly Node[],
    pods: readonly Pod[] = [],
    readonly namespaceLabels: ReadonlyMap<string, Readonly<Record<string, string>>> = new Map(),
  ) {
    this.nodeInfos = nodes.map((n) => new NodeInfo(n));
    for (const ni of this.nodeInfos) this.byName.set(ni.name, ni);
    for (const pod of pods) {
      const nodeName = pod.spec?.nodeName;
      if (!nodeName || isTerminal(pod)) continue;
      this.byName.get(nodeName)?.addPod(pod);
    }
  }

  get(nodeName: string): NodeInfo | undefined {
    return this.byName.get(nodeName);
  }

  /** Records `pod` on `nodeName`, as the scheduler cache's AssumePod (so the next cycle sees it). */
  assume(pod: Pod, nodeName: string): void {
    const ni = this.byName.get(nodeName);
    if (ni === undefined) throw new Error(`node ${nodeName} is not in the snapshot`);
    ni.addPod({ ...pod, spec: { ...pod.spec, containers: pod.spec?.containers ?? [], nodeName } });
  }

  /** A copy in which one node's NodeInfo is replaced (used by the preemption dry run). */
  withNodeInfo(replacement: NodeInfo): Snapshot {
    const copy = Object.create(Snapshot.prototype) as Snapshot;
    const infos = this.nodeInfos.map((ni) => (ni.name === replacement.name ? replacement : ni));
    Object.assign(copy, { nodeInfos: infos, byName: new Map(infos.map((ni) => [ni.name, ni])), namespaceLabels: this.namespaceLabels });
    return copy;
  }
}

/** Per-cycle scratch space, as upstream's CycleState: a plugin's PreFilter/PreScore results. */
export type CycleState = Map<string, unknown>;

export interface FilterPlugin {
  readonly name: string;
  /** Once per cycle before Filter; a non-success status fails every node with its message. */
  preFilter?(state: CycleState, pod: Pod, snapshot: Snapshot): Status | undefined;
  filter(state: CycleState, pod: Pod, nodeInfo: NodeInfo): Status;
}

export interface ScorePlugin {
  readonly name: string;
  /** Upstream's default weight for this plugin. */
  readonly weight: number;
  /** Once per cycle, over the nodes that passed the filters. */
  preScore?(state: CycleState, pod: Pod, feasible: readonly NodeInfo[], snapshot: Snapshot): void;
  /** The raw score; after normalize it must be within 0..MAX_NODE_SCORE. */
  score(state: CycleState, pod: Pod, nodeInfo: NodeInfo): number;
  /** Rewrites the raw scores in place (node name → score) into 0..MAX_NODE_SCORE. */
  normalize?(state: CycleState, pod: Pod, scores: Map<string, number>): void;
}

/** Upstream's DefaultNormalizeScore: scale so the best node gets MAX_NODE_SCORE (or reverse). */
export function defaultNormalizeScore(scores: Map<string, number>, reverse: boolean): void {
  let max = 0;
  for (const s of scores.values()) max = Math.max(max, s);
  for (const [name, s] of scores) {
    if (max === 0) scores.set(name, reverse ? MAX_NODE_SCORE : 0);
    else {
      const v = Math.trunc((MAX_NODE_SCORE * s) / max);
      scores.set(name, reverse ? MAX_NODE_SCORE - v : v);
    }
  }
}

export const NO_NODE_AVAILABLE = (n: number): string => `0/${n} nodes are available`;
export const PREEMPTION_NOT_HELPFUL = 'Preemption is not helpful for scheduling';
export const NO_PREEMPTION_VICTIMS = 'No preemption victims found for incoming pod';

/** Why a pod fits nowhere, as upstream's framework.FitError. */
export class FitError extends Error {
  override readonly name = 'FitError';
  constructor(
    readonly pod: Pod,
    readonly numAllNodes: number,
    /** Each node's failing status. */
    readonly nodeToStatus: ReadonlyMap<string, Status>,
    /** Set when a PreFilter plugin rejected the pod outright. */
    readonly preFilterMsg = '',
    /** The PostFilter (preemption) message, `preemption: ...`. */
    readonly postFilterMsg = '',
  ) {
    super(fitErrorMessage(numAllNodes, nodeToStatus, preFilterMsg, postFilterMsg));
  }
}

/**
 * Upstream's FitError.Error(): `0/N nodes are available: <count reason, ...>. <postfilter>`, the
 * "count reason" strings sorted as strings (so "10 x" sorts before "2 y", as Go's sort.Strings).
 */
export function fitErrorMessage(numAllNodes: number, nodeToStatus: ReadonlyMap<string, Status>, preFilterMsg = '', postFilterMsg = ''): string {
  let msg = `${NO_NODE_AVAILABLE(numAllNodes)}:`;
  if (preFilterMsg !== '') msg += ` ${preFilterMsg}.`;
  else {
    const counts = new Map<string, number>();
    for (const status of nodeToStatus.values()) for (const r of status.reasons) counts.set(r, (counts.get(r) ?? 0) + 1);
    const histogram = [...counts].map(([reason, n]) => `${n} ${reason}`).sort(compareGoStrings);
    if (histogram.length > 0) msg += ` ${histogram.join(', ')}.`;
  }
  if (postFilterMsg !== '') msg += ` ${postFilterMsg}`;
  return msg;
}

export interface Profile {
  readonly filters: readonly FilterPlugin[];
  readonly scores: readonly ScorePlugin[];
}

export interface ScheduleOptions {
  /** Uniform in [0, 1), for breaking ties between equally scored nodes. */
  readonly random?: () => number;
  /** Run the preemption dry run for the FitError's suffix (DefaultPreemption); default true. */
  readonly preemption?: boolean;
}

export type ScheduleResult =
  | { readonly ok: true; readonly nodeName: string; readonly scores: ReadonlyMap<string, number>; readonly feasible: readonly string[] }
  | { readonly ok: false; readonly error: FitError };

interface FilterOutcome {
  readonly feasible: NodeInfo[];
  readonly nodeToStatus: Map<string, Status>;
  readonly preFilterStatus?: Status;
  readonly state: CycleState;
}

/** PreFilter then Filter on every node; a node's first failing plugin decides its status. */
export function runFilters(profile: Profile, pod: Pod, snapshot: Snapshot, only?: readonly NodeInfo[]): FilterOutcome {
  const state: CycleState = new Map();
  const nodeToStatus = new Map<string, Status>();
  const nodes = only ?? snapshot.nodeInfos;
  for (const plugin of profile.filters) {
    const s = plugin.preFilter?.(state, pod, snapshot);
    if (s !== undefined && !isSuccess(s)) {
      for (const ni of nodes) nodeToStatus.set(ni.name, s);
      return { feasible: [], nodeToStatus, preFilterStatus: s, state };
    }
  }
  const feasible: NodeInfo[] = [];
  for (const ni of nodes) {
    let failed: Status | undefined;
    for (const plugin of profile.filters) {
      const s = plugin.filter(state, pod, ni);
      if (!isSuccess(s)) {
        failed = s;
        break;
      }
    }
    if (failed === undefined) feasible.push(ni);
    else nodeToStatus.set(ni.name, failed);
  }
  return { feasible, nodeToStatus, state };
}

/** Weighted sum of every score plugin's normalized score, per feasible node. */
export function runScores(profile: Profile, pod: Pod, snapshot: Snapshot, feasible: readonly NodeInfo[], state: CycleState): Map<string, number> {
  const total = new Map<string, number>(feasible.map((ni) => [ni.name, 0]));
  for (const plugin of profile.scores) {
    plugin.preScore?.(state, pod, feasible, snapshot);
    const scores = new Map<string, number>();
    for (const ni of feasible) scores.set(ni.name, plugin.score(state, pod, ni));
    plugin.normalize?.(state, pod, scores);
    for (const [name, s] of scores) {
      if (s < 0 || s > MAX_NODE_SCORE) throw new Error(`plugin ${plugin.name} returned score ${s} for node ${name}, outside 0..${MAX_NODE_SCORE}`);
      total.set(name, (total.get(name) ?? 0) + s * plugin.weight);
    }
  }
  return total;
}

/** The highest-scored node; ties broken uniformly at random (upstream's selectHost). */
export function selectHost(scores: ReadonlyMap<string, number>, random: () => number): string {
  let best: string | undefined;
  let bestScore = -Infinity;
  let ties = 0;
  for (const [name, s] of scores) {
    if (s > bestScore) {
      best = name;
      bestScore = s;
      ties = 1;
    } else if (s === bestScore) {
      ties++;
      // Reservoir sampling: each of the tied nodes ends up chosen with probability 1/ties.
      if (Math.floor(random() * ties) === 0) best = name;
    }
  }
  if (best === undefined) throw new Error('selectHost: no nodes');
  return best;
}

/** One scheduling cycle for `pod` over `snapshot` (which it does not change). */
export function schedule(pod: Pod, snapshot: Snapshot, profile: Profile, options: ScheduleOptions = {}): ScheduleResult {
  const random = options.random ?? Math.random;
  const numAllNodes = snapshot.nodeInfos.length;
  const outcome = runFilters(profile, pod, snapshot);
  if (outcome.feasible.length === 0) {
    const preFilterMsg = outcome.preFilterStatus?.reasons.join(', ') ?? '';
    const postFilterMsg = options.preemption === false ? '' : preemptionMessage(profile, pod, snapshot, outcome.nodeToStatus);
    return { ok: false, error: new FitError(pod, numAllNodes, outcome.nodeToStatus, preFilterMsg, postFilterMsg) };
  }
  const feasible = outcome.feasible.map((ni) => ni.name);
  const only = outcome.feasible[0];
  if (outcome.feasible.length === 1 && only !== undefined) {
    return { ok: true, nodeName: only.name, scores: new Map([[only.name, 0]]), feasible };
  }
  const scores = runScores(profile, pod, snapshot, outcome.feasible, outcome.state);
  return { ok: true, nodeName: selectHost(scores, random), scores, feasible };
}

export const podPriority = (pod: Pod): number => pod.spec?.priority ?? 0;

/**
 * DefaultPreemption's PostFilter as a dry run, for its message: a node where the filters said
 * UnschedulableAndUnresolvable is "not helpful"; one with no lower-priority pods has "no victims";
 * otherwise the pod is tried there without every lower-priority pod, and still failing gives the
 * filter's reasons. When some node would fit after evicting, upstream preempts and nominates it
 * (no message); tskube does not preempt yet, so it says nothing either.
 */
export function preemptionMessage(profile: Profile, pod: Pod, snapshot: Snapshot, nodeToStatus: ReadonlyMap<string, Status>): string {
  if (pod.spec?.preemptionPolicy === 'Never') return 'preemption: not eligible due to preemptionPolicy=Never.';
  const statuses = new Map<string, Status>();
  let candidates = 0;
  for (const ni of snapshot.nodeInfos) {
    const status = nodeToStatus.get(ni.name);
    if (status === undefined || status.code === 'UnschedulableAndUnresolvable') {
      statuses.set(ni.name, unresolvable(PREEMPTION_NOT_HELPFUL));
      continue;
    }
    const victims = ni.pods.filter((p) => podPriority(p) < podPriority(pod));
    if (victims.length === 0) {
      statuses.set(ni.name, unresolvable(NO_PREEMPTION_VICTIMS));
      continue;
    }
    const without = ni.clone();
    for (const v of victims) without.removePod(v);
    const retry = runFilters(profile, pod, snapshot.withNodeInfo(without), [without]);
    const failed = retry.nodeToStatus.get(ni.name);
    if (failed === undefined) candidates++;
    else statuses.set(ni.name, failed);
  }
  if (candidates > 0) return '';
  return `preemption: ${fitErrorMessage(snapshot.nodeInfos.length, statuses)}`;
}
