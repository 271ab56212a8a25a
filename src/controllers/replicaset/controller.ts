/**
 * @module controllers/replicaset/controller
 *
 * The ReplicaSet controller, as upstream's: keeps `spec.replicas` active pods matching the
 * selector. Per sync of one ReplicaSet:
 *   1. claim the namespace's pods (adopt matching orphans, release owned pods that stopped
 *      matching; ControllerRef semantics in common/controller-ref);
 *   2. only if the expectations of the previous sync are met (the cache has seen every pod it
 *      created or deleted) and the ReplicaSet is not being deleted: create the missing pods in
 *      slow-start batches (at most 500 per sync) or delete the surplus, least valuable first;
 *   3. write status (replicas, fullyLabeled, ready, available, observedGeneration,
 *      ReplicaFailure), and come back after minReadySeconds when pods are ready but not yet
 *      available.
 */
import type { ReplicaSetStatus } from 'kubernetes-types/apps/v1.js';
import { jsonEqual } from '../../api/object.js';
import { labelSelectorFromObject } from '../../api/selectors/labels.js';
import {
  DeletedFinalStateUnknown,
  EventRecorder,
  isNotFound,
  metaNamespaceKey,
  RateLimitingQueue,
  restEventSink,
  runController,
  type RestClient,
  type SharedInformer,
} from '../../client/index.js';
import type { Logger } from '../../log.js';
import { claimObjects, getControllerOf, newControllerRef } from '../common/controller-ref.js';
import { ControllerExpectations } from '../common/expectations.js';
import type { InformerFactory } from '../common/informers.js';
import { PodControl, podFromTemplate } from '../common/pod-control.js';
import { podsToDelete } from '../common/pod-ranking.js';
import { isPodActive, isPodReady } from '../common/pod-state.js';
import { SLOW_START_INITIAL_BATCH, slowStartBatch } from '../common/slow-start.js';
import type { Pod, ReplicaSet } from '../common/types.js';
import { calculateStatus, type ManageFailure } from './status.js';

export const REPLICASET_KIND = { apiVersion: 'apps/v1', kind: 'ReplicaSet' } as const;
/** Upstream's BurstReplicas: the most pods one sync creates or deletes. */
export const BURST_REPLICAS = 500;

export interface ReplicaSetControllerOptions {
  readonly client: RestClient;
  readonly informers: InformerFactory;
  readonly log: Logger;
  /** Upstream's --concurrent-replicaset-syncs (default 5). */
  readonly workers?: number;
}

export class ReplicaSetController {
  private readonly queue = new RateLimitingQueue<string>();
  private readonly expectations = new ControllerExpectations();
  private readonly replicaSets: SharedInformer<ReplicaSet>;
  private readonly pods: SharedInformer<Pod>;
  private readonly podControl: PodControl;
  private readonly recorder: EventRecorder;

  constructor(private readonly options: ReplicaSetControllerOptions) {
    const { informers, client, log } = options;
    this.replicaSets = informers.informerFor<ReplicaSet>('apps', 'v1', 'replicasets');
    this.pods = informers.informerFor<Pod>('', 'v1', 'pods');
    this.recorder = new EventRecorder({ sink: restEventSink(client), component: 'replicaset-controller', log });
    this.podControl = new PodControl(client, this.recorder);

    this.replicaSets.addEventHandler({
      onAdd: (rs) => this.enqueue(rs),
      onUpdate: (_old, rs) => this.enqueue(rs),
      onDelete: (obj) => {
        const rs = obj instanceof DeletedFinalStateUnknown ? (obj.obj as ReplicaSet) : obj;
        this.expectations.delete(metaNamespaceKey(rs));
        this.enqueue(rs);
      },
    });
    this.pods.addEventHandler({
      onAdd: (pod) => this.addPod(pod),
      onUpdate: (old, pod) => this.updatePod(old, pod),
      onDelete: (obj) => this.deletePod(obj instanceof DeletedFinalStateUnknown ? (obj.obj as Pod) : obj),
    });
  }

  async run(signal: AbortSignal): Promise<void> {
    await runController({
      name: 'replicaset',
      queue: this.queue,
      workers: this.options.workers ?? 5,
      informers: [this.replicaSets, this.pods],
      signal,
      maxRetries: 15,
      sync: (key, s) => this.sync(key, s),
      log: this.options.log,
    });
  }

  private enqueue(rs: ReplicaSet, afterMs = 0): void {
    const key = metaNamespaceKey(rs);
    if (afterMs > 0) this.queue.addAfter(key, afterMs);
    else this.queue.add(key);
  }

  /** The ReplicaSet a controllerRef names, if it is in the cache with that uid. */
  private resolveControllerRef(pod: Pod): ReplicaSet | undefined {
    const ref = getControllerOf(pod);
    if (!ref || ref.kind !== REPLICASET_KIND.kind || ref.apiVersion.split('/')[0] !== 'apps') return undefined;
    const rs = this.replicaSets.indexer.getByKey(`${pod.metadata?.namespace}/${ref.name}`);
    return rs?.metadata?.uid === ref.uid ? rs : undefined;
  }

  /** ReplicaSets of the pod's namespace whose selector matches it (for orphans). */
  private matchingReplicaSets(pod: Pod): ReplicaSet[] {
    return this.replicaSets.indexer
      .byIndex('namespace', pod.metadata?.namespace ?? '')
      .filter((rs) => labelSelectorFromObject(rs.spec?.selector).matches(pod.metadata?.labels));
  }

  private addPod(pod: Pod): void {
    if (pod.metadata?.deletionTimestamp) return this.deletePod(pod);
    if (getControllerOf(pod)) {
      const rs = this.resolveControllerRef(pod);
      if (!rs) return;
      this.expectations.creationObserved(metaNamespaceKey(rs));
      return this.enqueue(rs);
    }
    for (const rs of this.matchingReplicaSets(pod)) this.enqueue(rs);
  }

  private updatePod(old: Pod, pod: Pod): void {
    if (old.metadata?.resourceVersion === pod.metadata?.resourceVersion) return;
    const labelsChanged = !jsonEqual(old.metadata?.labels ?? {}, pod.metadata?.labels ?? {});
    if (pod.metadata?.deletionTimestamp) {
      // Marked for deletion: that is the deletion the controller waits for; the pod may stay a
      // while (graceful termination) but no longer counts.
      this.deletePod(pod);
      if (labelsChanged) this.deletePod(old);
      return;
    }
    const oldRef = getControllerOf(old);
    const ref = getControllerOf(pod);
    if (oldRef && oldRef.uid !== ref?.uid) {
      const oldRs = this.resolveControllerRef(old);
      if (oldRs) this.enqueue(oldRs);
    }
    if (ref) {
      const rs = this.resolveControllerRef(pod);
      if (!rs) return;
      this.enqueue(rs);
      // Became ready: look again once it has been ready for minReadySeconds.
      const minReady = rs.spec?.minReadySeconds ?? 0;
      if (minReady > 0 && !isPodReady(old) && isPodReady(pod)) this.enqueue(rs, minReady * 1000 + 1000);
      return;
    }
    if (labelsChanged || oldRef) for (const rs of this.matchingReplicaSets(pod)) this.enqueue(rs);
  }

  private deletePod(pod: Pod): void {
    const rs = this.resolveControllerRef(pod);
    if (!rs) return;
    this.expectations.deletionObserved(metaNamespaceKey(rs), pod.metadata?.uid);
    this.enqueue(rs);
  }

  private async sync(key: string, signal: AbortSignal): Promise<void> {
    const rs = this.replicaSets.indexer.getByKey(key);
    if (!rs) {
      this.expectations.delete(key);
      return;
    }
    const needsSync = this.expectations.satisfied(key);
    const selector = labelSelectorFromObject(rs.spec?.selector);
    const namespace = rs.metadata?.namespace ?? '';
    const candidates = this.pods.indexer.byIndex('namespace', namespace).filter(isPodActive);
    const resource = this.options.client.resource<ReplicaSet>('apps', 'v1', 'replicasets');
    const pods = await claimObjects(candidates, {
      owner: rs,
      ownerKind: REPLICASET_KIND,
      selector,
      resource: this.options.client.resource<Pod>('', 'v1', 'pods'),
      fetchOwner: async () => {
        try {
          return await resource.get(rs.metadata!.name!, { namespace, signal });
        } catch (err) {
          if (isNotFound(err)) return undefined;
          throw err;
        }
      },
      signal,
    });

    let failure: ManageFailure | undefined;
    let manageError: unknown;
    if (needsSync && !rs.metadata?.deletionTimestamp) {
      try {
        await this.manageReplicas(key, pods, rs, signal);
      } catch (err) {
        manageError = err;
        const diff = pods.length - (rs.spec?.replicas ?? 1);
        failure = { reason: diff < 0 ? 'FailedCreate' : 'FailedDelete', message: err instanceof Error ? err.message : String(err) };
      }
    }
    const status = calculateStatus(rs, pods, failure);
    await this.updateStatus(rs, status, signal);
    if (manageError) throw manageError;
    const minReady = rs.spec?.minReadySeconds ?? 0;
    if (minReady > 0 && status.readyReplicas === (rs.spec?.replicas ?? 1) && status.availableReplicas !== status.readyReplicas) {
      this.enqueue(rs, minReady * 1000);
    }
  }

  private async manageReplicas(key: string, pods: readonly Pod[], rs: ReplicaSet, signal: AbortSignal): Promise<void> {
    const diff = pods.length - (rs.spec?.replicas ?? 1);
    if (diff < 0) {
      const count = Math.min(-diff, BURST_REPLICAS);
      // Expect them all before the first request: a watch event can arrive before create returns.
      this.expectations.expectCreations(key, count);
      const template = podFromTemplate(rs.spec?.template, rs, newControllerRef(rs, REPLICASET_KIND));
      const result = await slowStartBatch(count, SLOW_START_INITIAL_BATCH, async () => {
        try {
          await this.podControl.createPod(structuredClone(template), rs, signal);
        } catch (err) {
          this.expectations.lowerCreations(key, 1);
          throw err;
        }
      });
      if (result.skipped > 0) this.expectations.lowerCreations(key, result.skipped);
      if (result.error !== undefined) throw result.error;
      return;
    }
    if (diff > 0) {
      const count = Math.min(diff, BURST_REPLICAS);
      const related = this.relatedPods(rs);
      const victims = podsToDelete(pods, related, count);
      this.expectations.expectDeletions(key, victims.map((p) => p.metadata?.uid ?? ''));
      const results = await Promise.allSettled(
        victims.map(async (pod) => {
          try {
            if (!(await this.podControl.deletePod(pod, rs, signal))) this.expectations.deletionObserved(key, pod.metadata?.uid);
          } catch (err) {
            this.expectations.deletionObserved(key, pod.metadata?.uid);
            throw err;
          }
        }),
      );
      const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed) throw failed.reason;
    }
  }

  /**
   * Active pods of this ReplicaSet and of its siblings (same controlling owner), for ranking
   * victims by how crowded their node is (upstream's getIndirectlyRelatedPods).
   */
  private relatedPods(rs: ReplicaSet): Pod[] {
    const owner = getControllerOf(rs);
    const uids = new Set<string>([rs.metadata?.uid ?? '']);
    if (owner) {
      for (const sibling of this.replicaSets.indexer.byIndex('namespace', rs.metadata?.namespace ?? '')) {
        if (getControllerOf(sibling)?.uid === owner.uid) uids.add(sibling.metadata?.uid ?? '');
      }
    }
    return this.pods.indexer
      .byIndex('namespace', rs.metadata?.namespace ?? '')
      .filter((p) => isPodActive(p) && uids.has(getControllerOf(p)?.uid ?? ''));
  }

  private async updateStatus(rs: ReplicaSet, status: ReplicaSetStatus, signal: AbortSignal): Promise<void> {
    if (jsonEqual(rs.status ?? {}, status)) return;
    try {
      await this.options.client.resource<ReplicaSet>('apps', 'v1', 'replicasets').updateStatus({ ...rs, status }, { signal });
    } catch (err) {
      if (isNotFound(err)) return;
      throw err;
    }
  }
}
