/**
 * @module scheduler/plugins/pod-topology-spread
 *
 * PodTopologySpread, as upstream's:
 * - Filter (whenUnsatisfiable DoNotSchedule): counting the matching pods (same namespace, not
 *   terminating) per domain over the nodes that pass the pod's nodeSelector/affinity and carry
 *   every constraint's key, placing the pod in a domain must keep
 *   `count + self − min(count over domains) ≤ maxSkew` (min taken as 0 when fewer domains than
 *   minDomains). A node lacking a key fails as UnschedulableAndUnresolvable with
 *   "... (missing required label)".
 * - Score (ScheduleAnyway): fewer matching pods in the node's domains is better, each constraint
 *   weighted by log(domains + 2); nodes lacking a key get 0; weight 2. A pod without constraints
 *   that has a controller gets upstream's system defaults (hostname maxSkew 3, zone maxSkew 5,
 *   ScheduleAnyway) over the pods of the same controller: the SelectorSpread-like spreading score.
 *   A pod with neither skips the scoring walk over the cluster, as upstream's PreScore Skip.
 */
import type { Pod, TopologySpreadConstraint } from 'kubernetes-types/core/v1.js';
import { labelSelectorFromObject, LabelOperator, newRequirement, type LabelSelector } from '../../api/selectors/labels.js';
import { requiredNodeAffinityMatches } from '../../api/selectors/node-selector.js';
import { MAX_NODE_SCORE, SUCCESS, unresolvable, unschedulable, type FilterPlugin, type NodeInfo, type ScorePlugin, type Snapshot } from '../framework.js';

export const ERR_REASON_CONSTRAINTS_NOT_MATCH = "node(s) didn't match pod topology spread constraints";
export const ERR_REASON_NODE_LABEL_NOT_MATCH = `${ERR_REASON_CONSTRAINTS_NOT_MATCH} (missing required label)`;
export const LABEL_HOSTNAME = 'kubernetes.io/hostname';
export const LABEL_ZONE = 'topology.kubernetes.io/zone';

interface Constraint {
  readonly topologyKey: string;
  readonly maxSkew: number;
  readonly minDomains: number;
  readonly selector: LabelSelector | ((pod: Pod) => boolean);
}

const matches = (c: Constraint, pod: Pod): boolean =>
  typeof c.selector === 'function' ? c.selector(pod) : c.selector.matches(pod.metadata?.labels ?? {});

function compile(c: TopologySpreadConstraint, pod: Pod): Constraint {
  let selector = labelSelectorFromObject(c.labelSelector);
  const labels = pod.metadata?.labels ?? {};
  for (const key of c.matchLabelKeys ?? []) {
    const value = labels[key];
    if (value !== undefined) selector = selector.add(newRequirement(key, LabelOperator.In, [value]));
  }
  return { topologyKey: c.topologyKey, maxSkew: c.maxSkew, minDomains: c.minDomains ?? 1, selector };
}

function constraintsOf(pod: Pod, when: 'DoNotSchedule' | 'ScheduleAnyway'): Constraint[] {
  return (pod.spec?.topologySpreadConstraints ?? []).filter((c) => c.whenUnsatisfiable === when).map((c) => compile(c, pod));
}

/** Upstream's system default constraints, over the pods sharing this pod's controller. */
function systemDefaults(pod: Pod): Constraint[] {
  const owner = pod.metadata?.ownerReferences?.find((r) => r.controller);
  if (owner === undefined) return [];
  const selector = (p: Pod): boolean => p.metadata?.ownerReferences?.some((r) => r.controller && r.uid === owner.uid) ?? false;
  return [
    { topologyKey: LABEL_HOSTNAME, maxSkew: 3, minDomains: 1, selector },
    { topologyKey: LABEL_ZONE, maxSkew: 5, minDomains: 1, selector },
  ];
}

const pairKey = (key: string, value: string): string => `${key}\u0000${value}`;
const counted = (c: Constraint, pod: Pod, existing: Pod): boolean =>
  existing.metadata?.deletionTimestamp === undefined && existing.metadata?.namespace === pod.metadata?.namespace && matches(c, existing);
const hasAllKeys = (ni: NodeInfo, constraints: readonly Constraint[]): boolean => constraints.every((c) => ni.labels[c.topologyKey] !== undefined);

interface FilterState {
  readonly constraints: Constraint[];
  /** Matching pods per (key, value) domain over eligible nodes; every eligible domain present. */
  readonly counts: Map<string, number>;
  /** Domains per topology key, for min and minDomains. */
  readonly domains: Map<string, Set<string>>;
}

const FILTER_KEY = 'PodTopologySpread/filter';

export const podTopologySpreadFilter: FilterPlugin = {
  name: 'PodTopologySpread',
  preFilter(state, pod, snapshot) {
    const constraints = constraintsOf(pod, 'DoNotSchedule');
    const s: FilterState = { constraints, counts: new Map(), domains: new Map() };
    for (const ni of snapshot.nodeInfos) {
      if (constraints.length === 0) break;
      // nodeAffinityPolicy Honor, nodeTaintsPolicy Ignore: upstream's defaults.
      if (!requiredNodeAffinityMatches(pod.spec, ni.node) || !hasAllKeys(ni, constraints)) continue;
      for (const c of constraints) {
        const value = ni.labels[c.topologyKey] ?? '';
        const k = pairKey(c.topologyKey, value);
        const domains = s.domains.get(c.topologyKey) ?? new Set<string>();
        domains.add(value);
        s.domains.set(c.topologyKey, domains);
        s.counts.set(k, (s.counts.get(k) ?? 0) + ni.pods.filter((p) => counted(c, pod, p)).length);
      }
    }
    state.set(FILTER_KEY, s);
    return undefined;
  },
  filter(state, pod, nodeInfo) {
    const s = state.get(FILTER_KEY) as FilterState | undefined;
    if (s === undefined) throw new Error('PodTopologySpread: Filter without PreFilter');
    for (const c of s.constraints) {
      const value = nodeInfo.labels[c.topologyKey];
      if (value === undefined) return unresolvable(ERR_REASON_NODE_LABEL_NOT_MATCH);
      const domains = s.domains.get(c.topologyKey) ?? new Set<string>();
      let min = 0;
      if (domains.size >= c.minDomains) {
        min = Infinity;
        for (const d of domains) min = Math.min(min, s.counts.get(pairKey(c.topologyKey, d)) ?? 0);
        if (min === Infinity) min = 0;
      }
      const self = matches(c, pod) ? 1 : 0;
      const count = s.counts.get(pairKey(c.topologyKey, value)) ?? 0;
      if (count + self - min > c.maxSkew) return unschedulable(ERR_REASON_CONSTRAINTS_NOT_MATCH);
    }
    return SUCCESS;
  },
};

interface ScoreState {
  readonly constraints: Constraint[];
  readonly requireAllKeys: boolean;
  readonly counts: Map<string, number>;
  readonly weights: number[];
}

const SCORE_KEY = 'PodTopologySpread/score';
const INVALID = -1;

function countOnNode(c: Constraint, pod: Pod, ni: NodeInfo): number {
  return ni.pods.filter((p) => counted(c, pod, p)).length;
}

export const podTopologySpreadScore: ScorePlugin = {
  name: 'PodTopologySpread',
  weight: 2,
  preScore(state, pod, feasible: readonly NodeInfo[], snapshot: Snapshot) {
    const own = pod.spec?.topologySpreadConstraints ?? [];
    const constraints = own.length > 0 ? constraintsOf(pod, 'ScheduleAnyway') : systemDefaults(pod);
    const requireAllKeys = own.length > 0;
    const counts = new Map<string, number>();
    if (constraints.length === 0) {
      // Nothing to spread (upstream's Skip): no walk over the cluster.
      state.set(SCORE_KEY, { constraints, requireAllKeys, counts, weights: [] } satisfies ScoreState);
      return;
    }
    const domains = constraints.map(() => new Set<string>());
    for (const ni of feasible) {
      if (requireAllKeys && !hasAllKeys(ni, constraints)) continue;
      constraints.forEach((c, i) => {
        const value = ni.labels[c.topologyKey];
        if (value === undefined) return;
        domains[i]?.add(value);
        if (c.topologyKey !== LABEL_HOSTNAME) counts.set(pairKey(c.topologyKey, value), 0);
      });
    }
    for (const ni of snapshot.nodeInfos) {
      if (!requiredNodeAffinityMatches(pod.spec, ni.node) || (requireAllKeys && !hasAllKeys(ni, constraints))) continue;
      for (const c of constraints) {
        const value = ni.labels[c.topologyKey];
        if (value === undefined || c.topologyKey === LABEL_HOSTNAME) continue;
        const k = pairKey(c.topologyKey, value);
        const have = counts.get(k);
        if (have !== undefined) counts.set(k, have + countOnNode(c, pod, ni));
      }
    }
    const weights = constraints.map((c, i) => Math.log((c.topologyKey === LABEL_HOSTNAME ? feasible.length : (domains[i]?.size ?? 0)) + 2));
    state.set(SCORE_KEY, { constraints, requireAllKeys, counts, weights } satisfies ScoreState);
  },
  score(state, pod, nodeInfo) {
    const s = state.get(SCORE_KEY) as ScoreState | undefined;
    if (s === undefined || s.constraints.length === 0) return 0;
    if (s.requireAllKeys && !hasAllKeys(nodeInfo, s.constraints)) return INVALID;
    let score = 0;
    s.constraints.forEach((c, i) => {
      const value = nodeInfo.labels[c.topologyKey];
      if (value === undefined) return;
      const cnt = c.topologyKey === LABEL_HOSTNAME ? countOnNode(c, pod, nodeInfo) : (s.counts.get(pairKey(c.topologyKey, value)) ?? 0);
      score += cnt * (s.weights[i] ?? 1) + (c.maxSkew - 1);
    });
    return Math.round(score);
  },
  normalize(state, _pod, scores) {
    const s = state.get(SCORE_KEY) as ScoreState | undefined;
    if (s === undefined || s.constraints.length === 0) return;
    let min = Infinity;
    let max = 0;
    for (const v of scores.values()) {
      if (v === INVALID) continue;
      min = Math.min(min, v);
      max = Math.max(max, v);
    }
    for (const [name, v] of scores) {
      if (v === INVALID) scores.set(name, 0);
      else if (max === 0) scores.set(name, MAX_NODE_SCORE);
      else scores.set(name, Math.trunc((MAX_NODE_SCORE * (max + min - v)) / max));
    }
  },
};
