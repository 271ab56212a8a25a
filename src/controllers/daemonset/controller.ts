/**
 * @module controllers/daemonset/controller
 *
 * The DaemonSet controller, as upstream's: one daemon pod on every node that should run it
 * (placement.ts). Per sync of one DaemonSet:
 *   1. claim the namespace's pods by selector and group them by target node;
 *   2. if the expectations of the last sync are met: per node, create the missing pod (pinned to
 *      the node through required node affinity; the scheduler binds it), delete failed pods,
 *      extra pods (the oldest stays) and pods on nodes that should not run one or that are gone;
 *      then, with RollingUpdate, delete old-template pods within maxUnavailable (OnDelete: only
 *      when the user deletes them);
 *   3. write status.
 * History (ControllerRevision) is not served: see template.ts.
 */
import type { DaemonSetStatus } from 'kubernetes-types/apps/v1.js';
import { jsonEqual } from '../../api/object.js';
import { labelSelectorFromObject } from '../../api/selectors/labels.js';
import { DeletedFinalStateUnknown, EventRecorder, isNotFound, metaNamespaceKey, RateLimitingQueue, restEventSink, runController, type RestClient, type SharedInformer } from '../../client/index.js';
import type { Logger } from '../../log.js';
import { claimObjects, getControllerOf } from '../common/controller-ref.js';
import { ControllerExpectations } from '../common/expectations.js';
import type { InformerFactory } from '../common/informers.js';
import { PodControl } from '../common/pod-control.js';
import { isPodReady } from '../common/pod-state.js';
import { SLOW_START_INITIAL_BATCH, slowStartBatch } from '../common/slow-start.js';
import { timeMs, type DaemonSet, type Node, type Pod } from '../common/types.js';
import { nodeShouldRunDaemonPod, targetNodeName } from './placement.js';
import { rollingUpdateVictims } from './rolling-update.js';
import { calculateStatus } from './status.js';
import { DAEMONSET_KIND, daemonPodFor, templateHash } from './template.js';

export interface DaemonSetControllerOptions {
  readonly client: RestClient;
  readonly informers: InformerFactory;
  readonly log: Logger;
  /** Upstream's --concurrent-daemonset-syncs (default 2). */
  readonly workers?: number;
}

export class DaemonSetController {
  private readonly queue = new RateLimitingQueue<string>();
  private readonly expectations = new ControllerExpectations();
  private readonly daemonSets: SharedInformer<DaemonSet>;
  private readonly pods: SharedInformer<Pod>;
  private readonly nodes: SharedInformer<Node>;
  private readonly podControl: PodControl;
  private readonly recorder: EventRecorder;

  constructor(private readonly options: DaemonSetControllerOptions) {
    const { informers, client, log } = options;
    this.daemonSets = informers.informerFor<DaemonSet>('apps', 'v1', 'daemonsets');
    this.pods = informers.informerFor<Pod>('', 'v1', 'pods');
    this.nodes = informers.informerFor<Node>('', 'v1', 'nodes');
    this.recorder = new EventRecorder({ sink: restEventSink(client), component: 'daemonset-controller', log });
    this.podControl = new PodControl(client, this.recorder);
    const unwrap = <T>(obj: T | DeletedFinalStateUnknown<T>): T => (obj instanceof DeletedFinalStateUnknown ? obj.obj : obj);

    this.daemonSets.addEventHandler({
      onAdd: (ds) => this.enqueue(ds),
      onUpdate: (_old, ds) => this.enqueue(ds),
      onDelete: (obj) => {
        const ds = unwrap(obj);
        this.expectations.delete(metaNamespaceKey(ds));
        this.enqueue(ds);
      },
    });
    this.pods.addEventHandler({
      onAdd: (pod) => (pod.metadata?.deletionTimestamp ? this.podGone(pod) : this.podCreated(pod)),
      onUpdate: (old, pod) => {
        if (old.metadata?.resourceVersion === pod.metadata?.resourceVersion) return;
        if (pod.metadata?.deletionTimestamp) return this.podGone(pod);
        const ds = this.owner(pod);
        if (!ds) return;
        this.enqueue(ds);
        const minReady = ds.spec?.minReadySeconds ?? 0;
        if (minReady > 0 && !isPodReady(old) && isPodReady(pod)) this.queue.addAfter(metaNamespaceKey(ds), minReady * 1000 + 1000);
      },
      onDelete: (obj) => this.podGone(unwrap(obj)),
    });
    const enqueueAll = () => {
      for (const ds of this.daemonSets.indexer.list()) this.enqueue(ds);
    };
    this.nodes.addEventHandler({
      onAdd: (_node, initial) => {
        if (!initial) enqueueAll();
      },
      onUpdate: (old, node) => {
        const relevant = (n: Node) => [n.metadata?.labels ?? {}, n.spec?.taints ?? [], n.spec?.unschedulable ?? false];
        if (!jsonEqual(relevant(old), relevant(node))) enqueueAll();
      },
      onDelete: enqueueAll,
    });
  }

  async run(signal: AbortSignal): Promise<void> {
    await runController({
      name: 'daemonset',
      queue: this.queue,
      workers: this.options.workers ?? 2,
      informers: [this.daemonSets, this.pods, this.nodes],
      signal,
      maxRetries: 15,
      sync: (key, s) => this.sync(key, s),
      log: this.options.log,
    });
  }

  private enqueue(ds: DaemonSet): void {
    this.queue.add(metaNamespaceKey(ds));
  }

  private owner(pod: Pod): DaemonSet | undefined {
    const ref = getControllerOf(pod);
    if (!ref || ref.kind !== DAEMONSET_KIND.kind) return undefined;
    const ds = this.daemonSets.indexer.getByKey(`${pod.metadata?.namespace}/${ref.name}`);
    return ds?.metadata?.uid === ref.uid ? ds : undefined;
  }

  private podCreated(pod: Pod): void {
    const ds = this.owner(pod);
    if (ds) {
      this.expectations.creationObserved(metaNamespaceKey(ds));
      return this.enqueue(ds);
    }
    if (getControllerOf(pod)) return;
    for (const candidate of this.daemonSets.indexer.byIndex('namespace', pod.metadata?.namespace ?? '')) {
      if (labelSelectorFromObject(candidate.spec?.selector).matches(pod.metadata?.labels)) this.enqueue(candidate);
    }
  }

  private podGone(pod: Pod): void {
    const ds = this.owner(pod);
    if (!ds) return;
    this.expectations.deletionObserved(metaNamespaceKey(ds), pod.metadata?.uid);
    this.enqueue(ds);
  }

  private async sync(key: string, signal: AbortSignal): Promise<void> {
    const ds = this.daemonSets.indexer.getByKey(key);
    if (!ds) {
      this.expectations.delete(key);
      return;
    }
    const namespace = ds.metadata?.namespace ?? 'default';
    const hash = templateHash(ds);
    const nodes = this.nodes.indexer.list();
    const resource = this.options.client.resource<DaemonSet>('apps', 'v1', 'daemonsets');
    const pods = await claimObjects(this.pods.indexer.byIndex('namespace', namespace), {
      owner: ds,
      ownerKind: DAEMONSET_KIND,
      selector: labelSelectorFromObject(ds.spec?.selector),
      resource: this.options.client.resource<Pod>('', 'v1', 'pods'),
      fetchOwner: async () => {
        try {
          return await resource.get(ds.metadata!.name!, { namespace, signal });
        } catch (err) {
          if (isNotFound(err)) return undefined;
          throw err;
        }
      },
      signal,
    });
    const nodeToPods = new Map<string, Pod[]>();
    for (const pod of pods) {
      const node = targetNodeName(pod) ?? '';
      nodeToPods.set(node, [...(nodeToPods.get(node) ?? []), pod]);
    }
    if (!ds.metadata?.deletionTimestamp && this.expectations.satisfied(key)) {
      await this.manage(key, ds, nodes, nodeToPods, hash, signal);
    }
    const status = calculateStatus(ds, nodes, nodeToPods, hash);
    await this.updateStatus(ds, status, signal);
    if ((ds.spec?.minReadySeconds ?? 0) > 0 && status.numberReady !== status.numberAvailable) {
      this.queue.addAfter(key, (ds.spec?.minReadySeconds ?? 0) * 1000);
    }
  }

  private async manage(key: string, ds: DaemonSet, nodes: readonly Node[], nodeToPods: ReadonlyMap<string, readonly Pod[]>, hash: string, signal: AbortSignal): Promise<void> {
    const needPods: string[] = [];
    const toDelete: Pod[] = [];
    const known = new Set<string>();
    for (const node of nodes) {
      const name = node.metadata?.name ?? '';
      known.add(name);
      const { shouldRun, shouldContinueRunning } = nodeShouldRunDaemonPod(node, ds);
      const pods = nodeToPods.get(name);
      if (shouldRun && !pods) {
        needPods.push(name);
      } else if (shouldContinueRunning && pods) {
        const running: Pod[] = [];
        for (const pod of pods) {
          if (pod.metadata?.deletionTimestamp) continue;
          // A failed daemon pod is replaced (deleted here, created again on the next sync).
          if (pod.status?.phase === 'Failed') toDelete.push(pod);
          else running.push(pod);
        }
        // More than one: keep the oldest.
        running.sort((a, b) => (timeMs(a.metadata?.creationTimestamp) ?? 0) - (timeMs(b.metadata?.creationTimestamp) ?? 0));
        toDelete.push(...running.slice(1));
      } else if (!shouldContinueRunning && pods) {
        toDelete.push(...pods.filter((p) => !p.metadata?.deletionTimestamp));
      }
    }
    // Pods for nodes that no longer exist.
    for (const [name, pods] of nodeToPods) if (!known.has(name)) toDelete.push(...pods.filter((p) => !p.metadata?.deletionTimestamp));

    if (needPods.length === 0 && toDelete.length === 0 && (ds.spec?.updateStrategy?.type ?? 'RollingUpdate') === 'RollingUpdate') {
      const desired = nodes.filter((n) => nodeShouldRunDaemonPod(n, ds).shouldRun).length;
      const onEligible = new Map([...nodeToPods].filter(([name]) => known.has(name)));
      toDelete.push(...rollingUpdateVictims(ds, onEligible, desired, hash));
    }
    await this.syncNodes(key, ds, toDelete, needPods, hash, signal);
  }

  private async syncNodes(key: string, ds: DaemonSet, toDelete: readonly Pod[], needPods: readonly string[], hash: string, signal: AbortSignal): Promise<void> {
    let firstError: unknown;
    // Both at once, before any request: a watch event can arrive before its request returns.
    this.expectations.expect(key, needPods.length, toDelete.map((p) => p.metadata?.uid ?? ''));
    if (needPods.length > 0) {
      const queue = [...needPods];
      const result = await slowStartBatch(needPods.length, SLOW_START_INITIAL_BATCH, async () => {
        const node = queue.shift()!;
        try {
          await this.podControl.createPod(daemonPodFor(ds, node, hash), ds, signal);
        } catch (err) {
          this.expectations.lowerCreations(key, 1);
          throw err;
        }
      });
      if (result.skipped > 0) this.expectations.lowerCreations(key, result.skipped);
      firstError = result.error;
    }
    if (toDelete.length > 0) {
      const results = await Promise.allSettled(
        toDelete.map(async (pod) => {
          try {
            if (!(await this.podControl.deletePod(pod, ds, signal))) this.expectations.deletionObserved(key, pod.metadata?.uid);
          } catch (err) {
            this.expectations.deletionObserved(key, pod.metadata?.uid);
            throw err;
          }
        }),
      );
      firstError ??= results.find((r): r is PromiseRejectedResult => r.status === 'rejected')?.reason;
    }
    if (firstError !== undefined) throw firstError;
  }

  private async updateStatus(ds: DaemonSet, status: DaemonSetStatus, signal: AbortSignal): Promise<void> {
    if (jsonEqual(ds.status ?? {}, status)) return;
    try {
      await this.options.client.resource<DaemonSet>('apps', 'v1', 'daemonsets').updateStatus({ ...ds, status }, { signal });
    } catch (err) {
      if (isNotFound(err)) return;
      throw err;
    }
  }
}
