/**
 * @module controllers/nodelifecycle/zones
 *
 * Zone states and eviction rates, as upstream's node lifecycle controller: telling "one node is
 * gone" from "everything went dark at once" (seed 000). A zone whose every node stopped reporting
 * is FullDisruption; when EVERY zone is, the fault is almost certainly between the nodes and the
 * control plane, not in the nodes, and nothing is evicted at all.
 */
import type { NodeLifecycleConfig } from './config.js';

export type ZoneState = 'Normal' | 'PartialDisruption' | 'FullDisruption';

export interface ZoneCounts {
  readonly ready: number;
  readonly notReady: number;
}

export function computeZoneState(counts: ZoneCounts, unhealthyZoneThreshold: number): ZoneState {
  const total = counts.ready + counts.notReady;
  if (counts.ready === 0 && counts.notReady > 0) return 'FullDisruption';
  if (counts.notReady > 2 && counts.notReady / total >= unhealthyZoneThreshold) return 'PartialDisruption';
  return 'Normal';
}

/** Nodes per second whose NoExecute taints may be applied in a zone in this state. */
export function evictionRate(state: ZoneState, zoneSize: number, config: NodeLifecycleConfig): number {
  switch (state) {
    case 'Normal':
    case 'FullDisruption':
      // A zone that is entirely down while others are fine really lost its nodes: evict at the
      // normal pace so its pods move elsewhere (the all-zones-down case is handled by the caller).
      return config.nodeEvictionRate;
    case 'PartialDisruption':
      return zoneSize <= config.largeClusterSizeThreshold ? 0 : config.secondaryNodeEvictionRate;
  }
}

export function allFullyDisrupted(states: Iterable<ZoneState>): boolean {
  let any = false;
  for (const state of states) {
    if (state !== 'FullDisruption') return false;
    any = true;
  }
  return any;
}

/** A node's zone, as upstream keys it: region and zone together (a zone name may repeat across regions). */
export function zoneKey(labels: Readonly<Record<string, string>> | undefined): string {
  const region = labels?.['topology.kubernetes.io/region'] ?? '';
  const zone = labels?.['topology.kubernetes.io/zone'] ?? '';
  return `${region}/${zone}`;
}
