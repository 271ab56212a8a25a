/**
 * @module scheduler/framework
 *
 * The scheduling framework, as upstream kube-scheduler's (`pkg/scheduler/framework`): a snapshot
 * of NodeInfos (a node plus the pods assigned to it, what they request and which host ports they
 * hold), Filter plugins that say whether a pod may go on a node (a Status with upstream's reason
 * strings), Score plugins that rank the nodes that passed (0–100 after normalizing, times the
 * plugin's weight), and `schedule(pod, snapshot)`: the chosen node, or a FitError whose message is
 * upstream's, letter for letter, including the preemption dry run's suffix. As upstream, a cycle
 * in a large cluster filters only until it has found percentageOfNodesToScore feasible nodes,
 * starting where the previous cycle stopped, and scores those: it picks among fewer equals, and
 * costs a share of the cluster rather than all of it.
 *
 * Pure: no I/O, randomness injected, so every decision can be tested in process.
 */
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import { compareGoStrings } from '../api/selectors/compare.js';
import type { NodeInfo } from './node-info.js';
import type { Snapshot } from './snapshot.js';

export type { Node, Pod };
export { isTerminal, NodeInfo, podHostPorts, type HostPort } from './node-info.js';
export { Snapshot } from './snapshot.js';

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

/** Per-cycle scratch space, as upstream's CycleState: a plugin's PreFilter/PreScore results. */
export type CycleState = Map<string, unknown>;

/**
 * What a plugin derives from the pod alone (its requests, host ports...), computed on the first
 * node of a cycle and reused for every other: upstream's plugins do this in PreFilter/PreScore.
 * `compute` should be a module-level function: this runs once per node, and a closure made per
 * call would cost more than the lookup saves.
 */
export function perCycle<T>(state: CycleState, key: string, pod: Pod, compute: (pod: Pod) => T): T {
  if (state.has(key)) return state.get(key) as T;
  const value = compute(pod);
  state.set(key, value);
  return value;
}

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
  /**
   * Upstream's percentageOfNodesToScore: filtering stops once this share of the nodes was found
   * feasible (see numFeasibleNodesToFind); 0 or unset = adaptive, 100 = every node.
   */
  readonly percentageOfNodesToScore?: number;
  /** Where in the snapshot's node list filtering starts (upstream's nextStartNodeIndex); default 0. */
  readonly startNodeIndex?: number;
}

export type ScheduleResult = (
  | { readonly ok: true; readonly nodeName: string; readonly scores: ReadonlyMap<string, number>; readonly feasible: readonly string[] }
  | { readonly ok: false; readonly error: FitError }
) & {
  /** Nodes the filters looked at: the caller's next startNodeIndex is this much further on. */
  readonly processedNodes: number;
};

/** Upstream's minFeasibleNodesToFind: below this many nodes every node is filtered and scored. */
export const MIN_FEASIBLE_NODES_TO_FIND = 100;
/** Upstream's minFeasibleNodesPercentageToFind: the adaptive percentage never goes below this. */
export const MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND = 5;

/**
 * How many feasible nodes a cycle looks for before it stops filtering, as upstream's
 * numFeasibleNodesToFind: every node below 100; else `percentage` of them (adaptive when 0:
 * 50% − nodes/125, at least 5%), and never fewer than 100.
 */
export function numFeasibleNodesToFind(numAllNodes: number, percentageOfNodesToScore = 0): number {
  if (numAllNodes < MIN_FEASIBLE_NODES_TO_FIND) return numAllNodes;
  let percentage = percentageOfNodesToScore;
  if (percentage <= 0) percentage = Math.max(MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND, 50 - Math.trunc(numAllNodes / 125));
  if (percentage >= 100) return numAllNodes;
  return Math.max(MIN_FEASIBLE_NODES_TO_FIND, Math.trunc((numAllNodes * percentage) / 100));
}

export interface FilterOptions {
  /** Filter only these nodes (the preemption dry run); default every node of the snapshot. */
  readonly only?: readonly NodeInfo[];
  /** Stop once this many nodes passed; default all of them. */
  readonly numNodesToFind?: number;
  /** Index of the first node to try, wrapping around; default 0. */
  readonly startIndex?: number;
}

interface FilterOutcome {
  readonly feasible: NodeInfo[];
  readonly nodeToStatus: Map<string, Status>;
  readonly preFilterStatus?: Status;
  readonly state: CycleState;
  /** Nodes filtered (feasible or not). */
  readonly processed: number;
}

/**
 * PreFilter, then Filter on the nodes from `startIndex` on (wrapping around) until
 * `numNodesToFind` passed; a node's first failing plugin decides its status.
 */
export function runFilters(profile: Profile, pod: Pod, snapshot: Snapshot, options: FilterOptions = {}): FilterOutcome {
  const state: CycleState = new Map();
  const nodeToStatus = new Map<string, Status>();
  const nodes = options.only ?? snapshot.nodeInfos;
  for (const plugin of profile.filters) {
    const s = plugin.preFilter?.(state, pod, snapshot);
    if (s !== undefined && !isSuccess(s)) {
      for (const ni of nodes) nodeToStatus.set(ni.name, s);
      return { feasible: [], nodeToStatus, preFilterStatus: s, state, processed: nodes.length };
    }
  }
  const feasible: NodeInfo[] = [];
  const want = options.numNodesToFind ?? nodes.length;
  const start = nodes.length === 0 ? 0 : (options.startIndex ?? 0) % nodes.length;
  let processed = 0;
  for (; processed < nodes.length && feasible.length < want; processed++) {
    const ni = nodes[(start + processed) % nodes.length]!;
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
  return { feasible, nodeToStatus, state, processed };
}

/** Weighted sum of every score plugin's normalized score, per feasible node. */
export function runScores(profile: Profile, pod: Pod, snapshot: Snapshot, feasible: readonly NodeInfo[], state: CycleState): Map<string, number> {
  // Indexed like `feasible`: this runs for hundreds of nodes per cycle, so no map per plugin
  // unless the plugin normalizes.
  const total = new Array<number>(feasible.length).fill(0);
  const add = (plugin: ScorePlugin, i: number, s: number): void => {
    if (!(s >= 0 && s <= MAX_NODE_SCORE)) throw new Error(`plugin ${plugin.name} returned score ${s} for node ${feasible[i]?.name}, outside 0..${MAX_NODE_SCORE}`);
    total[i]! += s * plugin.weight;
  };
  for (const plugin of profile.scores) {
    plugin.preScore?.(state, pod, feasible, snapshot);
    if (plugin.normalize === undefined) {
      for (let i = 0; i < feasible.length; i++) add(plugin, i, plugin.score(state, pod, feasible[i]!));
      continue;
    }
    const scores = new Map<string, number>();
    for (const ni of feasible) scores.set(ni.name, plugin.score(state, pod, ni));
    plugin.normalize(state, pod, scores);
    for (let i = 0; i < feasible.length; i++) add(plugin, i, scores.get(feasible[i]!.name) ?? 0);
  }
  return new Map(feasible.map((ni, i) => [ni.name, total[i]!]));
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
  const outcome = runFilters(profile, pod, snapshot, {
    numNodesToFind: numFeasibleNodesToFind(numAllNodes, options.percentageOfNodesToScore),
    startIndex: options.startNodeIndex ?? 0,
  });
  const processedNodes = outcome.processed;
  if (outcome.feasible.length === 0) {
    const preFilterMsg = outcome.preFilterStatus?.reasons.join(', ') ?? '';
    const postFilterMsg = options.preemption === false ? '' : preemptionMessage(profile, pod, snapshot, outcome.nodeToStatus);
    return { ok: false, error: new FitError(pod, numAllNodes, outcome.nodeToStatus, preFilterMsg, postFilterMsg), processedNodes };
  }
  const feasible = outcome.feasible.map((ni) => ni.name);
  const only = outcome.feasible[0];
  if (outcome.feasible.length === 1 && only !== undefined) {
    return { ok: true, nodeName: only.name, scores: new Map([[only.name, 0]]), feasible, processedNodes };
  }
  const scores = runScores(profile, pod, snapshot, outcome.feasible, outcome.state);
  return { ok: true, nodeName: selectHost(scores, random), scores, feasible, processedNodes };
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
    const retry = runFilters(profile, pod, snapshot.withNodeInfo(without), { only: [without] });
    const failed = retry.nodeToStatus.get(ni.name);
    if (failed === undefined) candidates++;
    else statuses.set(ni.name, failed);
  }
  if (candidates > 0) return '';
  return `preemption: ${fitErrorMessage(snapshot.nodeInfos.length, statuses)}`;
}
