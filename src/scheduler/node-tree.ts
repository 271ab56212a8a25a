/**
 * @module scheduler/node-tree
 *
 * The order in which a cycle visits nodes, as upstream's nodeTree: nodes grouped by zone (zones
 * in the order they first appeared, nodes in the order they were added), listed round-robin
 * across zones — one node of each zone, then the second of each, ... — so that a cycle that stops
 * filtering after the first N feasible nodes (percentageOfNodesToScore) still sees every zone.
 */
import type { Node } from 'kubernetes-types/core/v1.js';

const ZONE = 'topology.kubernetes.io/zone';
const REGION = 'topology.kubernetes.io/region';
const BETA_ZONE = 'failure-domain.beta.kubernetes.io/zone';
const BETA_REGION = 'failure-domain.beta.kubernetes.io/region';

/** Region and zone as one key ('' when the node has neither), as upstream's GetZoneKey. */
export function zoneKey(node: Node): string {
  const labels = node.metadata?.labels ?? {};
  const zone = labels[ZONE] ?? labels[BETA_ZONE] ?? '';
  const region = labels[REGION] ?? labels[BETA_REGION] ?? '';
  if (region === '' && zone === '') return '';
  // A NUL between them, so a colon inside either cannot make two pairs collide.
  return `${region}:\u0000:${zone}`;
}

export class NodeTree {
  /** Zone key → node names, in insertion order; a Map keeps the zones in first-seen order. */
  private readonly zones = new Map<string, string[]>();
  /** Node name → its zone key. */
  private readonly zoneOf = new Map<string, string>();
  /** Bumped whenever `list()` would answer differently. */
  version = 0;

  get size(): number {
    return this.zoneOf.size;
  }

  addNode(node: Node): void {
    const name = node.metadata?.name ?? '';
    if (this.zoneOf.has(name)) return;
    const zone = zoneKey(node);
    const names = this.zones.get(zone);
    if (names === undefined) this.zones.set(zone, [name]);
    else names.push(name);
    this.zoneOf.set(name, zone);
    this.version++;
  }

  removeNode(name: string): void {
    const zone = this.zoneOf.get(name);
    if (zone === undefined) return;
    this.zoneOf.delete(name);
    const names = this.zones.get(zone) ?? [];
    const i = names.indexOf(name);
    if (i >= 0) names.splice(i, 1);
    if (names.length === 0) this.zones.delete(zone);
    this.version++;
  }

  /** Moves the node when its zone labels changed; true if it moved. */
  updateNode(node: Node): boolean {
    const name = node.metadata?.name ?? '';
    const before = this.zoneOf.get(name);
    if (before === zoneKey(node)) return false;
    this.removeNode(name);
    this.addNode(node);
    return true;
  }

  /** Every node name, round-robin across zones. */
  list(): string[] {
    const out: string[] = [];
    const zones = [...this.zones.values()];
    for (let i = 0; out.length < this.zoneOf.size; i++) {
      for (const names of zones) {
        const name = names[i];
        if (name !== undefined) out.push(name);
      }
    }
    return out;
  }
}
