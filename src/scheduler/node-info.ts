/**
 * @module scheduler/node-info
 *
 * NodeInfo, as upstream's `framework.NodeInfo`: a node plus the pods assigned to it, with what
 * the filters and scores read kept as running totals (requests, host ports in use, the pods with
 * affinity terms), so a cycle never re-adds a node's pods. Every change stamps the NodeInfo with
 * a new generation from one process-wide counter: the scheduler cache copies into its snapshot
 * only the NodeInfos whose generation is newer than the snapshot's.
 */
import type { ContainerPort, Node, Pod } from 'kubernetes-types/core/v1.js';
import { milliCPU, quantityValue } from '../api/quantity.js';
import { podRequests, type Resources } from './resources.js';

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

/** Pods that hold no resources any more (upstream's informer skips them with a field selector). */
export function isTerminal(pod: Pod): boolean {
  return pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed';
}

/** Any pod (anti-)affinity term, required or preferred: the pod may attract or repel others. */
export function hasPodAffinity(pod: Pod): boolean {
  const a = pod.spec?.affinity;
  return a?.podAffinity !== undefined || a?.podAntiAffinity !== undefined;
}

export function hasRequiredAntiAffinity(pod: Pod): boolean {
  return (pod.spec?.affinity?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.length ?? 0) > 0;
}

/** Same pod: by uid when both have one, else by namespace/name. */
export function samePod(a: Pod, b: Pod): boolean {
  if (a.metadata?.uid && b.metadata?.uid) return a.metadata.uid === b.metadata.uid;
  return a.metadata?.namespace === b.metadata?.namespace && a.metadata?.name === b.metadata?.name;
}

let lastGeneration = 0;
/** The next value of the process-wide generation counter (upstream's nextGeneration). */
export const nextGeneration = (): number => ++lastGeneration;

type Allocatable = Readonly<Resources & { pods: number }>;

function allocatableOf(node: Node): Allocatable {
  const alloc = node.status?.allocatable ?? node.status?.capacity ?? {};
  return { milliCPU: milliCPU(alloc['cpu']), memory: quantityValue(alloc['memory']), pods: quantityValue(alloc['pods']) };
}

/** A node and the pods assigned to it, with their totals: what the filters and scores read. */
export class NodeInfo {
  private _node: Node;
  /** Read for every node in every cycle: kept rather than looked up in the Node object. */
  private _name: string;
  private _allocatable: Allocatable;
  private _pods: Pod[] = [];
  /** Pods with any pod (anti-)affinity term (InterPodAffinity's score reads only these). */
  private _podsWithAffinity: Pod[] = [];
  /** Pods with a required anti-affinity term (InterPodAffinity's filter reads only these). */
  private _podsWithRequiredAntiAffinity: Pod[] = [];
  private _usedPorts: HostPort[] = [];
  /** Sum of the pods' requests. */
  private _requested: Resources = { milliCPU: 0, memory: 0 };
  /** Sum with 100m / 200Mi for unset requests (what the resource scores use). */
  private _nonZeroRequested: Resources = { milliCPU: 0, memory: 0 };
  /** Bumped by every change; see the module comment. */
  private _generation = nextGeneration();

  constructor(node: Node) {
    this._node = node;
    this._name = node.metadata?.name ?? '';
    this._allocatable = allocatableOf(node);
  }

  get node(): Node {
    return this._node;
  }
  get name(): string {
    return this._name;
  }
  get labels(): Readonly<Record<string, string>> {
    return this._node.metadata?.labels ?? {};
  }
  get allocatable(): Allocatable {
    return this._allocatable;
  }
  get pods(): readonly Pod[] {
    return this._pods;
  }
  get podsWithAffinity(): readonly Pod[] {
    return this._podsWithAffinity;
  }
  get podsWithRequiredAntiAffinity(): readonly Pod[] {
    return this._podsWithRequiredAntiAffinity;
  }
  get usedPorts(): readonly HostPort[] {
    return this._usedPorts;
  }
  get requested(): Readonly<Resources> {
    return this._requested;
  }
  get nonZeroRequested(): Readonly<Resources> {
    return this._nonZeroRequested;
  }
  get generation(): number {
    return this._generation;
  }

  /** Replaces the Node object (labels, taints, allocatable may have changed); the pods stay. */
  setNode(node: Node): void {
    this._node = node;
    this._name = node.metadata?.name ?? '';
    this._allocatable = allocatableOf(node);
    this._generation = nextGeneration();
  }

  /** Marks a change the fields do not show (the node object removed from the cache). */
  markChanged(): void {
    this._generation = nextGeneration();
  }

  addPod(pod: Pod): void {
    this._pods.push(pod);
    if (hasPodAffinity(pod)) this._podsWithAffinity.push(pod);
    if (hasRequiredAntiAffinity(pod)) this._podsWithRequiredAntiAffinity.push(pod);
    this.account(pod, 1);
  }

  /** Removes a pod by uid (or namespace/name); false when it was not here. */
  removePod(pod: Pod): boolean {
    const i = this._pods.findIndex((p) => samePod(p, pod));
    if (i < 0) return false;
    const [removed] = this._pods.splice(i, 1);
    if (removed === undefined) return false;
    removeFrom(this._podsWithAffinity, removed);
    removeFrom(this._podsWithRequiredAntiAffinity, removed);
    this.account(removed, -1);
    return true;
  }

  /** A copy that later changes to either side do not affect (upstream's NodeInfo.Snapshot). */
  clone(): NodeInfo {
    const copy = new NodeInfo(this._node);
    copy.assign(this);
    return copy;
  }

  /** Makes this NodeInfo an independent copy of `other`, keeping this object's identity. */
  assign(other: NodeInfo): void {
    this._node = other._node;
    this._name = other._name;
    this._allocatable = other._allocatable;
    this._pods = other._pods.slice();
    this._podsWithAffinity = other._podsWithAffinity.slice();
    this._podsWithRequiredAntiAffinity = other._podsWithRequiredAntiAffinity.slice();
    this._usedPorts = other._usedPorts.slice();
    this._requested = { ...other._requested };
    this._nonZeroRequested = { ...other._nonZeroRequested };
    this._generation = other._generation;
  }

  private account(pod: Pod, sign: 1 | -1): void {
    const r = podRequests(pod);
    const nz = podRequests(pod, true);
    this._requested.milliCPU += sign * r.milliCPU;
    this._requested.memory += sign * r.memory;
    this._nonZeroRequested.milliCPU += sign * nz.milliCPU;
    this._nonZeroRequested.memory += sign * nz.memory;
    for (const port of podHostPorts(pod)) {
      if (sign > 0) this._usedPorts.push(port);
      else {
        const j = this._usedPorts.findIndex((u) => u.hostIP === port.hostIP && u.protocol === port.protocol && u.port === port.port);
        if (j >= 0) this._usedPorts.splice(j, 1);
      }
    }
    this._generation = nextGeneration();
  }
}

function removeFrom(pods: Pod[], pod: Pod): void {
  const i = pods.findIndex((p) => samePod(p, pod));
  if (i >= 0) pods.splice(i, 1);
}
