/**
 * @module scheduler/scheduler
 *
 * The running scheduler, as upstream kube-scheduler's loop around the framework:
 *
 *   informers on nodes, namespaces (labels for affinity namespaceSelectors) and all pods;
 *   pods to schedule: no spec.nodeName, spec.schedulerName "default-scheduler" (or unset), not
 *   terminating, not terminal — their keys go on a rate-limited queue;
 *   the scheduler cache (cache.ts), kept current by the informers' event handlers: a NodeInfo per
 *   node with its assigned non-terminal pods, plus the pods this scheduler assumed but whose
 *   binding the watch has not delivered yet, so back-to-back pods see each other;
 *   one worker (cycles are sequential, as upstream's scheduleOne), per key:
 *     1. the cycle's Snapshot, brought up to date from the cache (only what changed is copied);
 *     2. `schedule(pod, snapshot, profile)`, filtering from where the last cycle stopped until
 *        enough feasible nodes are found (percentageOfNodesToScore), as upstream;
 *     3. success: assume, then — beside the following cycles, as upstream's binding cycle — POST
 *        pods/{name}/binding (a 409 "already assigned" counts as done) and a Normal "Scheduled"
 *        event; a failed bind forgets the assumption and retries the pod with backoff;
 *     4. FitError: a Warning "FailedScheduling" event with the FitError's message, the pod's
 *        PodScheduled condition set False/Unschedulable with the same message, and the key is
 *        retried with per-pod backoff (1 s doubling to 10 s, upstream's podInitialBackoff /
 *        podMaxBackoff). A change that may make room — a node added or changed (labels, taints,
 *        allocatable, unschedulable), an assigned pod deleted — requeues every unschedulable pod
 *        at once (upstream's MoveAllToActiveOrBackoffQueue).
 */
import { setMaxListeners } from 'node:events';
import type { Namespace as NamespaceType, Node as NodeType, Pod as PodType, PodCondition } from 'kubernetes-types/core/v1.js';
import type { KubeObject } from '../api/object.js';
import { metaTime } from '../api/time.js';
import {
  DeletedFinalStateUnknown,
  EventRecorder,
  ItemExponentialFailureRateLimiter,
  isApiStatusError,
  listWatchFor,
  metaNamespaceKey,
  RateLimitingQueue,
  restEventSink,
  runController,
  SharedInformer,
  type HandlerRegistration,
  type RestClient,
} from '../client/index.js';
import type { Logger } from '../log.js';
import { raiseMaxListeners } from '../util/listeners.js';
import { isTerminal, schedule, type FitError, type Profile } from './framework.js';
import { SchedulerCache } from './cache.js';
import { Snapshot } from './snapshot.js';
import { DEFAULT_SCHEDULER_NAME, defaultProfile } from './profile.js';

type Node = NodeType & KubeObject;
type Pod = PodType & KubeObject;
type Namespace = NamespaceType & KubeObject;

/** Upstream's defaults (podInitialBackoffSeconds, podMaxBackoffSeconds). */
export const POD_INITIAL_BACKOFF_MS = 1_000;
export const POD_MAX_BACKOFF_MS = 10_000;
/** Binding cycles running beside the scheduling cycles at most (each is one or two requests). */
export const MAX_BINDINGS_IN_FLIGHT = 16;

export interface SchedulerOptions {
  readonly client: RestClient;
  readonly log: Logger;
  readonly profile?: Profile;
  /** Pods whose spec.schedulerName is this (or unset, for the default) are ours. */
  readonly schedulerName?: string;
  readonly initialBackoffMs?: number;
  readonly maxBackoffMs?: number;
  /** Tie breaking between equally scored nodes; default Math.random. */
  readonly random?: () => number;
  /** Upstream's percentageOfNodesToScore; default 0, adaptive (see numFeasibleNodesToFind). */
  readonly percentageOfNodesToScore?: number;
}

export interface SchedulerStats {
  /** Pods bound to a node by this scheduler. */
  scheduled: number;
  /** Scheduling attempts that ended in a FitError. */
  unschedulable: number;
  /** Binding calls that failed (other than "already assigned"). */
  bindErrors: number;
}

/** Thrown by a sync whose pod fits nowhere: runController retries the key with backoff. */
export class PodUnschedulableError extends Error {
  override readonly name = 'PodUnschedulableError';
}

/** Whether this scheduler should place `pod`: unassigned, ours, not terminating, not finished. */
export function needsScheduling(pod: PodType, schedulerName = DEFAULT_SCHEDULER_NAME): boolean {
  if (pod.spec?.nodeName) return false;
  if (pod.metadata?.deletionTimestamp) return false;
  if (isTerminal(pod)) return false;
  return (pod.spec?.schedulerName || DEFAULT_SCHEDULER_NAME) === schedulerName;
}

export class Scheduler {
  readonly stats: SchedulerStats = { scheduled: 0, unschedulable: 0, bindErrors: 0 };
  private readonly nodes: SharedInformer<Node>;
  private readonly pods: SharedInformer<Pod>;
  private readonly namespaces: SharedInformer<Namespace>;
  private readonly queue: RateLimitingQueue<string>;
  private readonly profile: Profile;
  private readonly schedulerName: string;
  private readonly events: EventRecorder;
  /** Nodes and the pods on them (assumed ones too), kept current by the informers' handlers. */
  readonly cache = new SchedulerCache();
  /** Reused by every cycle: updating it copies only what changed since the last one. */
  private readonly cycleSnapshot = new Snapshot([], [], this.cache.namespaceLabels);
  /** Where the next cycle starts filtering (upstream's nextStartNodeIndex). */
  private nextStartNodeIndex = 0;
  /** The cache's handler registrations: synced once the cache has taken in each informer's first list. */
  private readonly cacheSources: HandlerRegistration[] = [];
  /** Binding cycles in flight (awaited on shutdown). */
  private readonly bindings = new Set<Promise<void>>();
  /** Scheduled events being written (awaited on shutdown). */
  private readonly eventWrites = new Set<Promise<void>>();
  /**
   * Aborts the event writes when the scheduler stops: a signal of their own, without a listener
   * limit, since a burst can have many in flight.
   */
  private readonly eventWritesStop = new AbortController();
  /** Keys of pods whose last attempt found no node. */
  private readonly unschedulablePods = new Set<string>();

  constructor(private readonly options: SchedulerOptions) {
    const { client, log } = options;
    this.profile = options.profile ?? defaultProfile;
    this.schedulerName = options.schedulerName ?? DEFAULT_SCHEDULER_NAME;
    this.events = new EventRecorder({ sink: restEventSink(client), component: this.schedulerName, log });
    this.queue = new RateLimitingQueue<string>({
      rateLimiter: new ItemExponentialFailureRateLimiter<string>(options.initialBackoffMs ?? POD_INITIAL_BACKOFF_MS, options.maxBackoffMs ?? POD_MAX_BACKOFF_MS),
    });
    this.nodes = new SharedInformer<Node>({ name: 'nodes', listWatch: listWatchFor(client.resource<Node>('', 'v1', 'nodes')), log });
    this.namespaces = new SharedInformer<Namespace>({ name: 'namespaces', listWatch: listWatchFor(client.resource<Namespace>('', 'v1', 'namespaces')), log });
    this.pods = new SharedInformer<Pod>({ name: 'pods', listWatch: listWatchFor(client.resource<Pod>('', 'v1', 'pods')), log });

    const pods = this.pods.addEventHandler({
      onAdd: (pod) => {
        this.cachePod(undefined, pod);
        this.onPodChange(undefined, pod);
      },
      onUpdate: (old, pod) => {
        this.cachePod(old, pod);
        this.onPodChange(old, pod);
      },
      onDelete: (obj) => {
        const pod = obj instanceof DeletedFinalStateUnknown ? obj.obj : obj;
        this.cache.removePod(pod);
        this.onPodDelete(pod);
      },
    });
    const nodes = this.nodes.addEventHandler({
      onAdd: (node, initial) => {
        this.cache.addNode(node);
        if (!initial) this.moveAllUnschedulable('NodeAdd');
      },
      onUpdate: (old, node) => {
        this.cache.updateNode(node);
        if (nodeSchedulingChanged(old, node)) this.moveAllUnschedulable('NodeUpdate');
      },
      onDelete: (obj) => this.cache.removeNode((obj instanceof DeletedFinalStateUnknown ? obj.obj : obj).metadata?.name ?? ''),
    });
    const namespaces = this.namespaces.addEventHandler({
      onAdd: (ns) => this.cache.setNamespace(ns.metadata?.name ?? '', ns.metadata?.labels ?? {}),
      onUpdate: (_old, ns) => this.cache.setNamespace(ns.metadata?.name ?? '', ns.metadata?.labels ?? {}),
      onDelete: (obj) => this.cache.removeNamespace((obj instanceof DeletedFinalStateUnknown ? obj.obj : obj).metadata?.name ?? ''),
    });
    this.cacheSources.push(nodes, namespaces, pods);
  }

  /** Runs until the signal aborts; resolves once the worker and the informers have stopped. */
  async run(signal: AbortSignal): Promise<void> {
    // Three informers, the worker and up to MAX_BINDINGS_IN_FLIGHT binding requests listen on it.
    // Only ever raise the limit: the signal may be shared with other components (0 = unlimited).
    raiseMaxListeners(signal, 16 + MAX_BINDINGS_IN_FLIGHT);
    setMaxListeners(0, this.eventWritesStop.signal);
    const stopEventWrites = () => this.eventWritesStop.abort();
    signal.addEventListener('abort', stopEventWrites, { once: true });
    if (signal.aborted) stopEventWrites();
    const informers = [this.nodes.run(signal), this.namespaces.run(signal), this.pods.run(signal)];
    await runController({
        name: 'scheduler',
        queue: this.queue,
        // Sequential cycles: each sees the previous one's assumption (upstream's scheduleOne).
        workers: 1,
        // Synced informers and a cache that has taken in their first lists: a cycle before that
        // would see a partial cluster.
        informers: this.cacheSources,
        signal,
        // An unschedulable pod is retried for as long as it exists.
        maxRetries: Number.POSITIVE_INFINITY,
        sync: (key, s) => this.sync(key, s),
        log: this.options.log,
      });
    await Promise.allSettled([...this.bindings]);
    await Promise.allSettled([...this.eventWrites]);
    signal.removeEventListener('abort', stopEventWrites);
    await Promise.all(informers);
  }

  /** Assigned, non-terminal pods are the cache's; one that finished gives its room back. */
  private cachePod(old: Pod | undefined, pod: Pod): void {
    if (holdsResources(pod)) {
      // Bound (by us or anyone): added, or the assumption confirmed.
      this.cache.addPod(pod);
    } else if (old !== undefined && holdsResources(old)) {
      this.cache.removePod(pod);
    }
  }

  private onPodChange(old: Pod | undefined, pod: Pod): void {
    const key = metaNamespaceKey(pod);
    if (pod.spec?.nodeName) {
      this.unschedulablePods.delete(key);
      return;
    }
    if (!needsScheduling(pod, this.schedulerName)) return;
    // Our own status writes (the PodScheduled condition) must not cut the backoff short; a change
    // to what the pod asks for (spec, labels) is worth another try at once, as upstream's
    // isPodUpdated.
    if (old && needsScheduling(old, this.schedulerName) && !podSchedulingChanged(old, pod)) return;
    this.queue.add(key);
  }

  private onPodDelete(pod: Pod): void {
    const key = metaNamespaceKey(pod);
    this.unschedulablePods.delete(key);
    this.events.forget(pod.metadata?.uid);
    // An assigned pod gone frees its node's resources, ports and anti-affinity.
    if (pod.spec?.nodeName && !isTerminal(pod)) this.moveAllUnschedulable('AssignedPodDelete');
  }

  private moveAllUnschedulable(event: string): void {
    if (this.unschedulablePods.size === 0) return;
    this.options.log.debug({ event, pods: this.unschedulablePods.size }, 'cluster changed; retrying unschedulable pods');
    for (const key of this.unschedulablePods) this.queue.add(key);
  }

  /**
   * The cluster as this cycle sees it: the cache's NodeInfos (our assumptions included), copied
   * where they changed since the last cycle. The same object every time: read it before the next.
   */
  snapshot(): Snapshot {
    this.cache.updateSnapshot(this.cycleSnapshot);
    return this.cycleSnapshot;
  }

  private async sync(key: string, signal: AbortSignal): Promise<void> {
    const pod = this.pods.indexer.getByKey(key);
    if (!pod || !needsScheduling(pod, this.schedulerName)) {
      this.unschedulablePods.delete(key);
      return;
    }
    // Already bound by an earlier cycle; the watch has not caught up yet.
    if (this.cache.isAssumed(pod)) return;
    const snapshot = this.snapshot();
    const result = schedule(pod, snapshot, this.profile, {
      ...(this.options.random && { random: this.options.random }),
      percentageOfNodesToScore: this.options.percentageOfNodesToScore ?? 0,
      startNodeIndex: this.nextStartNodeIndex,
    });
    const numNodes = snapshot.nodeInfos.length;
    this.nextStartNodeIndex = numNodes === 0 ? 0 : (this.nextStartNodeIndex + result.processedNodes) % numNodes;
    if (!result.ok) return this.handleFitError(key, pod, result.error, signal);

    const nodeName = result.nodeName;
    this.cache.assumePod(pod, nodeName);
    this.unschedulablePods.delete(key);
    // The binding cycle runs beside the next scheduling cycles, as upstream's: the assumption
    // already makes the next cycle see this pod on its node, and waiting for the API here would
    // cap the scheduler at one pod per round trip (two, with the event).
    const binding = this.bind(key, pod, nodeName, result.feasible.length, signal);
    this.bindings.add(binding);
    const settled = () => void this.bindings.delete(binding);
    binding.then(settled, settled);
    // Bounded, so a burst of thousands of pods does not open thousands of requests at once.
    while (this.bindings.size >= MAX_BINDINGS_IN_FLIGHT) await Promise.race(this.bindings);
  }

  /** POST pods/binding and the Scheduled event; a failure forgets the assumption and retries the pod with backoff. */
  private async bind(key: string, pod: Pod, nodeName: string, feasibleNodes: number, signal: AbortSignal): Promise<void> {
    const namespace = pod.metadata!.namespace!;
    const name = pod.metadata!.name!;
    try {
      await this.options.client.request({
        method: 'POST',
        path: `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods/${encodeURIComponent(name)}/binding`,
        body: { apiVersion: 'v1', kind: 'Binding', metadata: { name, namespace, ...(pod.metadata?.uid && { uid: pod.metadata.uid }) }, target: { apiVersion: 'v1', kind: 'Node', name: nodeName } },
        idempotent: false,
        signal,
      });
    } catch (err) {
      if (isApiStatusError(err, 409) && /already assigned/.test(err.message)) {
        // Bound already (a retried request that had landed, or another scheduler): the watch will
        // tell us where; until then keep our guess, which is right in the retried case.
        this.options.log.info({ pod: key, err: err.message }, 'pod already bound');
        return;
      }
      this.cache.forgetPod(pod);
      if (isApiStatusError(err, 404) || signal.aborted) return;
      this.stats.bindErrors++;
      this.options.log.warn({ err, pod: key, node: nodeName }, 'binding failed; retrying the pod');
      this.queue.addRateLimited(key);
      return;
    }
    this.stats.scheduled++;
    this.options.log.info({ pod: key, node: nodeName, feasibleNodes }, 'bound pod to node');
    // Best effort, and outside the binding slot: a slow event write must not hold back the next
    // binding (upstream's event broadcaster is asynchronous too).
    const recorded = this.events.event(pod, 'Normal', 'Scheduled', `Successfully assigned ${namespace}/${name} to ${nodeName}`, { signal: this.eventWritesStop.signal });
    this.eventWrites.add(recorded);
    const done = () => void this.eventWrites.delete(recorded);
    recorded.then(done, done);
  }

  private async handleFitError(key: string, pod: Pod, error: FitError, signal: AbortSignal): Promise<never> {
    this.stats.unschedulable++;
    this.unschedulablePods.add(key);
    const message = error.message;
    this.options.log.info({ pod: key, message }, 'unable to schedule pod; waiting');
    await this.events.event(pod, 'Warning', 'FailedScheduling', message, { signal });
    await this.setUnschedulableCondition(pod, message, signal);
    throw new PodUnschedulableError(message);
  }

  /** PodScheduled=False/Unschedulable with the FitError's message, unless it already says so. */
  private async setUnschedulableCondition(pod: Pod, message: string, signal: AbortSignal): Promise<void> {
    const existing = pod.status?.conditions?.find((c) => c.type === 'PodScheduled');
    if (existing?.status === 'False' && existing.reason === 'Unschedulable' && existing.message === message) return;
    const condition: PodCondition = {
      type: 'PodScheduled',
      status: 'False',
      reason: 'Unschedulable',
      message,
      lastTransitionTime: existing?.status === 'False' && existing.lastTransitionTime ? existing.lastTransitionTime : metaTime(),
    };
    try {
      await this.options.client
        .resource<Pod>('', 'v1', 'pods')
        .patch(pod.metadata!.name!, 'strategic', { status: { conditions: [condition] } }, { namespace: pod.metadata!.namespace!, subresource: 'status', signal });
    } catch (err) {
      if (isApiStatusError(err, 404) || signal.aborted) return;
      this.options.log.warn({ err, pod: metaNamespaceKey(pod) }, 'could not set the PodScheduled condition');
    }
  }
}

/** A pod the cache accounts on its node: assigned and not finished. */
function holdsResources(pod: Pod): boolean {
  return !!pod.spec?.nodeName && !isTerminal(pod);
}

/** A node change that can make an unschedulable pod fit (upstream's NodeUpdate queueing hints). */
export function nodeSchedulingChanged(old: NodeType, node: NodeType): boolean {
  const relevant = (n: NodeType) =>
    JSON.stringify([n.metadata?.labels ?? {}, n.spec?.taints ?? [], n.spec?.unschedulable ?? false, n.status?.allocatable ?? n.status?.capacity ?? {}]);
  return relevant(old) !== relevant(node);
}

/** Whether a pod changed other than in status and bookkeeping metadata (upstream's isPodUpdated). */
export function podSchedulingChanged(old: PodType, pod: PodType): boolean {
  const relevant = (p: PodType) => JSON.stringify([p.spec ?? {}, p.metadata?.labels ?? {}, p.metadata?.annotations ?? {}]);
  return relevant(old) !== relevant(pod);
}
