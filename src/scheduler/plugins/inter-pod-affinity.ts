/**
 * @module scheduler/plugins/inter-pod-affinity
 *
 * InterPodAffinity, as upstream's:
 * - Filter, in upstream's order: the pod's required affinity (every term needs a matching pod in
 *   the node's domain for its topologyKey; the first pod of a self-affine group may go anywhere
 *   that has the keys), its required anti-affinity (no matching pod in the domain), and existing
 *   pods' required anti-affinity against it.
 * - Score: preferred affinity (+weight) and anti-affinity (−weight) of the pod towards existing
 *   pods, and of existing pods towards it (their required affinity counts 1, the default
 *   hardPodAffinityWeight), summed per topology domain, min–max normalized; weight 2.
 * Namespaces of a term: its `namespaces` plus those its `namespaceSelector` selects; neither means
 * the owning pod's namespace.
 * Cost, as upstream's: existing pods are walked only where they can matter — every pod when the
 * incoming pod has terms of its own, otherwise only the snapshot's pods with (anti-)affinity
 * terms — so a cluster without affinity pays nothing per cycle.
 */
import type { Pod, PodAffinityTerm } from 'kubernetes-types/core/v1.js';
import { labelSelectorFromObject, type LabelSelector } from '../../api/selectors/labels.js';
import {
  MAX_NODE_SCORE,
  SUCCESS,
  unresolvable,
  unschedulable,
  type CycleState,
  type FilterPlugin,
  type NodeInfo,
  type ScorePlugin,
  type Snapshot,
} from '../framework.js';

export const ERR_REASON_AFFINITY = "node(s) didn't match pod affinity rules";
export const ERR_REASON_ANTI_AFFINITY = "node(s) didn't match pod anti-affinity rules";
export const ERR_REASON_EXISTING_ANTI_AFFINITY = "node(s) didn't satisfy existing pods anti-affinity rules";
const HARD_POD_AFFINITY_WEIGHT = 1;

/** A term compiled against the pod that owns it. */
interface AffinityTerm {
  readonly topologyKey: string;
  readonly selector: LabelSelector;
  readonly namespaces: ReadonlySet<string>;
  readonly namespaceSelector: LabelSelector | undefined;
}

function compile(term: PodAffinityTerm, owner: Pod): AffinityTerm {
  const namespaces = new Set(term.namespaces ?? []);
  const namespaceSelector = term.namespaceSelector === undefined ? undefined : labelSelectorFromObject(term.namespaceSelector);
  if (namespaces.size === 0 && namespaceSelector === undefined) namespaces.add(owner.metadata?.namespace ?? 'default');
  return { topologyKey: term.topologyKey, selector: labelSelectorFromObject(term.labelSelector), namespaces, namespaceSelector };
}

function termMatches(term: AffinityTerm, pod: Pod, snapshot: Snapshot): boolean {
  const ns = pod.metadata?.namespace ?? 'default';
  const inNamespace = term.namespaces.has(ns) || (term.namespaceSelector?.matches(snapshot.namespaceLabels.get(ns) ?? {}) ?? false);
  return inNamespace && term.selector.matches(pod.metadata?.labels ?? {});
}

const pairKey = (key: string, value: string): string => `${key}\u0000${value}`;
const isTerminating = (pod: Pod): boolean => pod.metadata?.deletionTimestamp !== undefined;

interface FilterState {
  readonly affinityTerms: AffinityTerm[];
  readonly antiAffinityTerms: AffinityTerm[];
  readonly affinityCounts: Map<string, number>;
  readonly antiAffinityCounts: Map<string, number>;
  readonly existingAntiAffinityCounts: Map<string, number>;
  readonly selfMatchesAllAffinityTerms: boolean;
}

const FILTER_KEY = 'InterPodAffinity/filter';

function add(m: Map<string, number>, ni: NodeInfo, key: string, by: number): void {
  const value = ni.labels[key];
  if (value !== undefined) m.set(pairKey(key, value), (m.get(pairKey(key, value)) ?? 0) + by);
}

export const interPodAffinityFilter: FilterPlugin = {
  name: 'InterPodAffinity',
  preFilter(state, pod, snapshot) {
    const aff = pod.spec?.affinity;
    const affinityTerms = (aff?.podAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? []).map((t) => compile(t, pod));
    const antiAffinityTerms = (aff?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? []).map((t) => compile(t, pod));
    const s: FilterState = {
      affinityTerms,
      antiAffinityTerms,
      affinityCounts: new Map(),
      antiAffinityCounts: new Map(),
      existingAntiAffinityCounts: new Map(),
      selfMatchesAllAffinityTerms: affinityTerms.every((t) => termMatches(t, pod, snapshot)),
    };
    // Existing pods' required anti-affinity against this pod: only the pods that have some.
    for (const ni of snapshot.havePodsWithRequiredAntiAffinity) {
      for (const existing of ni.podsWithRequiredAntiAffinity) {
        for (const raw of existing.spec?.affinity?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? []) {
          const t = compile(raw, existing);
          if (termMatches(t, pod, snapshot)) add(s.existingAntiAffinityCounts, ni, t.topologyKey, 1);
        }
      }
    }
    // This pod's own required terms: every existing pod may match them.
    if (affinityTerms.length > 0 || antiAffinityTerms.length > 0) {
      for (const ni of snapshot.nodeInfos) {
        for (const existing of ni.pods) {
          if (affinityTerms.length > 0 && affinityTerms.every((t) => termMatches(t, existing, snapshot))) {
            for (const t of affinityTerms) add(s.affinityCounts, ni, t.topologyKey, 1);
          }
          for (const t of antiAffinityTerms) if (termMatches(t, existing, snapshot)) add(s.antiAffinityCounts, ni, t.topologyKey, 1);
        }
      }
    }
    state.set(FILTER_KEY, s);
    return undefined;
  },
  filter(state, _pod, nodeInfo) {
    const s = state.get(FILTER_KEY) as FilterState | undefined;
    if (s === undefined) throw new Error('InterPodAffinity: Filter without PreFilter');
    const labels = nodeInfo.labels;
    // Required affinity: every topology key present, and a matching pod in each domain.
    let podsExist = true;
    for (const t of s.affinityTerms) {
      const value = labels[t.topologyKey];
      if (value === undefined) return unresolvable(ERR_REASON_AFFINITY);
      if ((s.affinityCounts.get(pairKey(t.topologyKey, value)) ?? 0) <= 0) podsExist = false;
    }
    // The first pod of a group with affinity to itself must be able to start somewhere.
    if (!podsExist && !(s.affinityCounts.size === 0 && s.selfMatchesAllAffinityTerms)) return unresolvable(ERR_REASON_AFFINITY);
    for (const t of s.antiAffinityTerms) {
      const value = labels[t.topologyKey];
      if (value !== undefined && (s.antiAffinityCounts.get(pairKey(t.topologyKey, value)) ?? 0) > 0) return unschedulable(ERR_REASON_ANTI_AFFINITY);
    }
    if (s.existingAntiAffinityCounts.size === 0) return SUCCESS;
    for (const [key, value] of Object.entries(labels)) {
      if ((s.existingAntiAffinityCounts.get(pairKey(key, value)) ?? 0) > 0) return unschedulable(ERR_REASON_EXISTING_ANTI_AFFINITY);
    }
    return SUCCESS;
  },
};

const SCORE_KEY = 'InterPodAffinity/score';

export const interPodAffinityScore: ScorePlugin = {
  name: 'InterPodAffinity',
  weight: 2,
  preScore(state, pod, _feasible, snapshot) {
    const aff = pod.spec?.affinity;
    const preferred = [
      ...(aff?.podAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? []).map((w) => ({ term: compile(w.podAffinityTerm, pod), weight: w.weight })),
      ...(aff?.podAntiAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? []).map((w) => ({
        term: compile(w.podAffinityTerm, pod),
        weight: -w.weight,
      })),
    ];
    const topologyScore = new Map<string, number>();
    // Without preferred terms of its own, only existing pods with affinity terms can score it.
    const ownTerms = preferred.length > 0;
    for (const ni of ownTerms ? snapshot.nodeInfos : snapshot.havePodsWithAffinity) {
      for (const existing of ownTerms ? ni.pods : ni.podsWithAffinity) {
        if (isTerminating(existing)) continue;
        for (const { term, weight } of preferred) if (termMatches(term, existing, snapshot)) add(topologyScore, ni, term.topologyKey, weight);
        const ea = existing.spec?.affinity;
        const theirs = [
          ...(ea?.podAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? []).map((t) => ({ term: t, weight: HARD_POD_AFFINITY_WEIGHT })),
          ...(ea?.podAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? []).map((w) => ({ term: w.podAffinityTerm, weight: w.weight })),
          ...(ea?.podAntiAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? []).map((w) => ({ term: w.podAffinityTerm, weight: -w.weight })),
        ];
        for (const { term, weight } of theirs) {
          const t = compile(term, existing);
          if (termMatches(t, pod, snapshot)) add(topologyScore, ni, t.topologyKey, weight);
        }
      }
    }
    state.set(SCORE_KEY, topologyScore);
  },
  score(state, _pod, nodeInfo) {
    const topologyScore = state.get(SCORE_KEY) as Map<string, number> | undefined;
    if (topologyScore === undefined || topologyScore.size === 0) return 0;
    let sum = 0;
    for (const [key, value] of Object.entries(nodeInfo.labels)) sum += topologyScore.get(pairKey(key, value)) ?? 0;
    return sum;
  },
  normalize(_state: CycleState, _pod, scores) {
    const values = [...scores.values()];
    const min = Math.min(...values);
    const diff = Math.max(...values) - min;
    for (const [name, s] of scores) scores.set(name, diff > 0 ? Math.trunc((MAX_NODE_SCORE * (s - min)) / diff) : 0);
  },
};
