/**
 * @module controllers/endpointslice/hints
 *
 * Topology hints (`endpoints[].hints.forZones`), which proxies use to keep traffic in its zone:
 *
 * - `trafficDistribution: PreferClose`: every endpoint is hinted to its own zone, as upstream's
 *   PreferClose heuristic.
 * - annotation `service.kubernetes.io/topology-mode: Auto` (or the older
 *   `service.kubernetes.io/topology-aware-hints: auto`), which wins over trafficDistribution as
 *   upstream: ready endpoints are shared out in proportion to each zone's allocatable CPU (node
 *   count when nodes report none). Each endpoint is first hinted to its own zone; endpoints of
 *   zones holding more than their share are then re-hinted to zones holding fewer. No hints at all
 *   when an endpoint has no zone or there are fewer endpoints than zones — upstream's safeguards.
 *   Simplification: upstream also tolerates a 20% overload before moving endpoints and keeps
 *   earlier hints stable; tskube recomputes exact shares each time.
 */
import type { Node } from 'kubernetes-types/core/v1.js';
import type { Endpoint } from 'kubernetes-types/discovery/v1.js';

export const LABEL_TOPOLOGY_ZONE = 'topology.kubernetes.io/zone';
export const ANNOTATION_TOPOLOGY_MODE = 'service.kubernetes.io/topology-mode';
export const ANNOTATION_TOPOLOGY_AWARE_HINTS = 'service.kubernetes.io/topology-aware-hints';

export type HintMode = 'None' | 'PreferClose' | 'Auto';

export function hintModeOf(annotations: Readonly<Record<string, string>> | undefined, trafficDistribution: string | undefined): HintMode {
  const mode = annotations?.[ANNOTATION_TOPOLOGY_MODE] ?? annotations?.[ANNOTATION_TOPOLOGY_AWARE_HINTS];
  if (mode !== undefined && mode !== '') return mode === 'Auto' || mode === 'auto' ? 'Auto' : 'None';
  return trafficDistribution === 'PreferClose' ? 'PreferClose' : 'None';
}

/** Sets or clears `hints` on every endpoint (all slices of one Service together). */
export function applyHints(endpoints: readonly Endpoint[], mode: HintMode, nodes: readonly Node[]): void {
  for (const ep of endpoints) delete ep.hints;
  if (mode === 'PreferClose') {
    for (const ep of endpoints) if (ep.zone) ep.hints = { forZones: [{ name: ep.zone }] };
    return;
  }
  if (mode === 'Auto') autoHints(endpoints, nodes);
}

/** Parses a CPU quantity ("4", "3500m") into millicores; undefined when unreadable. */
function milliCPU(quantity: string | number | undefined): number | undefined {
  if (quantity === undefined) return undefined;
  const text = String(quantity);
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  const m = /^(\d+)m$/.exec(text);
  return m ? Number(m[1]) : undefined;
}

function zoneWeights(nodes: readonly Node[]): Map<string, number> {
  const weights = new Map<string, number>();
  for (const node of nodes) {
    const zone = node.metadata?.labels?.[LABEL_TOPOLOGY_ZONE];
    const ready = (node.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
    if (!zone || !ready) continue;
    weights.set(zone, (weights.get(zone) ?? 0) + (milliCPU(node.status?.allocatable?.cpu) ?? 1000));
  }
  return weights;
}

function autoHints(endpoints: readonly Endpoint[], nodes: readonly Node[]): void {
  const ready = endpoints.filter((ep) => ep.conditions?.ready === true);
  if (ready.length === 0 || ready.some((ep) => !ep.zone)) return;
  const weights = zoneWeights(nodes);
  const total = [...weights.values()].reduce((a, b) => a + b, 0);
  if (weights.size === 0 || total === 0 || ready.length < weights.size) return;
  // Every endpoint's zone must be a known zone, or its share cannot be judged.
  if (ready.some((ep) => !weights.has(ep.zone!))) return;

  // Each zone's share of the ready endpoints, rounded so the shares add up (largest remainder).
  const zones = [...weights.keys()].sort();
  const exact = zones.map((z) => (ready.length * weights.get(z)!) / total);
  const share = new Map(zones.map((z, i) => [z, Math.max(1, Math.floor(exact[i]!))]));
  let left = ready.length - [...share.values()].reduce((a, b) => a + b, 0);
  const byRemainder = zones.map((z, i) => ({ z, r: exact[i]! - Math.floor(exact[i]!) })).sort((a, b) => b.r - a.r);
  for (let i = 0; left > 0; i = (i + 1) % byRemainder.length, left--) share.set(byRemainder[i]!.z, share.get(byRemainder[i]!.z)! + 1);

  const hinted = new Map<string, Endpoint[]>(zones.map((z) => [z, []]));
  for (const ep of ready) hinted.get(ep.zone!)!.push(ep);
  // Move endpoints from zones above their share to zones below it.
  const receivers = zones.filter((z) => hinted.get(z)!.length < share.get(z)!);
  for (const donor of zones) {
    const own = hinted.get(donor)!;
    while (own.length > share.get(donor)!) {
      const receiver = receivers.find((z) => hinted.get(z)!.length < share.get(z)!);
      if (!receiver) break;
      hinted.get(receiver)!.push(own.pop()!);
    }
  }
  for (const [zone, eps] of hinted) for (const ep of eps) ep.hints = { forZones: [{ name: zone }] };
}
