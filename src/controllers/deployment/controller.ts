/**
 * @module controllers/deployment/controller
 *
 * The Deployment controller, as upstream's. It watches Deployments, ReplicaSets and pods; per
 * sync of one Deployment:
 *   1. claim ReplicaSets by the deployment's selector (adopt orphans, release non-matching);
 *   2. being deleted → status only; paused/resumed conditions; paused → scaling only;
 *   3. a scaling event (an active ReplicaSet sized for another spec.replicas) → proportional
 *      scaling only;
 *   4. otherwise one step of the strategy: RollingUpdate (rolling.ts) or Recreate (recreate.ts).
 * The new ReplicaSet is `<deployment>-<pod-template-hash>`; the deployment.kubernetes.io/revision
 * annotation numbers templates, and `kubectl rollout undo` (client-side: it copies an old
 * ReplicaSet's template into the deployment) makes an old ReplicaSet new again with the next
 * revision. The legacy spec.rollbackTo (extensions/v1beta1) is not served, so not handled.
 */
import { labelSelectorFromObject } from '../../api/selectors/labels.js';
import { DeletedFinalStateUnknown, EventRecorder, isNotFound, metaNamespaceKey, RateLimitingQueue, restEventSink, runController, type RestClient, type SharedInformer } from '../../client/index.js';
import type { Logger } from '../../log.js';
import { claimObjects, getControllerOf } from '../common/controller-ref.js';
import type { InformerFactory } from '../common/informers.js';
import type { Deployment, Pod, ReplicaSet } from '../common/types.js';
import { checkPausedConditions, syncDeploymentStatus } from './progress.js';
import { rolloutRecreate } from './recreate.js';
import { rolloutRolling } from './rolling.js';
import { cleanupDeployment, isScalingEvent, scale } from './scaling.js';
import { DEPLOYMENT_KIND, DeploymentSync } from './sync-context.js';

export interface DeploymentControllerOptions {
  readonly client: RestClient;
  readonly informers: InformerFactory;
  readonly log: Logger;
  /** Upstream's --concurrent-deployment-syncs (default 5). */
  readonly workers?: number;
}

export class DeploymentController {
  private readonly queue = new RateLimitingQueue<string>();
  private readonly deployments: SharedInformer<Deployment>;
  private readonly replicaSets: SharedInformer<ReplicaSet>;
  private readonly pods: SharedInformer<Pod>;
  private readonly recorder: EventRecorder;

  constructor(private readonly options: DeploymentControllerOptions) {
    const { informers, client, log } = options;
    this.deployments = informers.informerFor<Deployment>('apps', 'v1', 'deployments');
    this.replicaSets = informers.informerFor<ReplicaSet>('apps', 'v1', 'replicasets');
    this.pods = informers.informerFor<Pod>('', 'v1', 'pods');
    this.recorder = new EventRecorder({ sink: restEventSink(client), component: 'deployment-controller', log });
    const unwrap = <T>(obj: T | DeletedFinalStateUnknown<T>): T => (obj instanceof DeletedFinalStateUnknown ? obj.obj : obj);

    this.deployments.addEventHandler({
      onAdd: (d) => this.enqueue(d),
      onUpdate: (_old, d) => this.enqueue(d),
      onDelete: (obj) => this.enqueue(unwrap(obj)),
    });
    this.replicaSets.addEventHandler({
      onAdd: (rs) => this.onReplicaSet(undefined, rs),
      onUpdate: (old, rs) => this.onReplicaSet(old, rs),
      onDelete: (obj) => this.onReplicaSet(undefined, unwrap(obj)),
    });
    // Recreate waits for old pods to be gone; a pod's deletion is what it waits for.
    this.pods.addEventHandler({
      onDelete: (obj) => {
        const pod = unwrap(obj);
        const rsRef = getControllerOf(pod);
        if (rsRef?.kind !== 'ReplicaSet') return;
        const rs = this.replicaSets.indexer.getByKey(`${pod.metadata?.namespace}/${rsRef.name}`);
        const d = rs && this.resolveControllerRef(rs);
        if (d && d.spec?.strategy?.type === 'Recreate') this.enqueue(d);
      },
    });
  }

  async run(signal: AbortSignal): Promise<void> {
    await runController({
      name: 'deployment',
      queue: this.queue,
      workers: this.options.workers ?? 5,
      informers: [this.deployments, this.replicaSets, this.pods],
      signal,
      maxRetries: 15,
      sync: (key, s) => this.sync(key, s),
      log: this.options.log,
    });
  }

  private enqueue(d: Deployment): void {
    this.queue.add(metaNamespaceKey(d));
  }

  private resolveControllerRef(rs: ReplicaSet): Deployment | undefined {
    const ref = getControllerOf(rs);
    if (!ref || ref.kind !== DEPLOYMENT_KIND.kind) return undefined;
    const d = this.deployments.indexer.getByKey(`${rs.metadata?.namespace}/${ref.name}`);
    return d?.metadata?.uid === ref.uid ? d : undefined;
  }

  private onReplicaSet(old: ReplicaSet | undefined, rs: ReplicaSet): void {
    if (old && old.metadata?.resourceVersion === rs.metadata?.resourceVersion) return;
    const oldOwner = old && this.resolveControllerRef(old);
    if (oldOwner && getControllerOf(old!)?.uid !== getControllerOf(rs)?.uid) this.enqueue(oldOwner);
    const owner = this.resolveControllerRef(rs);
    if (owner) return this.enqueue(owner);
    if (getControllerOf(rs)) return;
    // An orphan: every deployment that might adopt it.
    for (const d of this.deployments.indexer.byIndex('namespace', rs.metadata?.namespace ?? '')) {
      if (labelSelectorFromObject(d.spec?.selector).matches(rs.metadata?.labels)) this.enqueue(d);
    }
  }

  private async sync(key: string, signal: AbortSignal): Promise<void> {
    const cached = this.deployments.indexer.getByKey(key);
    if (!cached) return;
    const d = structuredClone(cached);
    const selector = labelSelectorFromObject(d.spec?.selector);
    if (selector.isEmpty()) {
      void this.recorder.event(d, 'Warning', 'SelectingAll', 'This deployment is selecting all pods. A non-empty selector is required.', { signal });
      return;
    }
    const namespace = d.metadata?.namespace ?? 'default';
    const deployments = this.options.client.resource<Deployment>('apps', 'v1', 'deployments');
    const rsList = await claimObjects(this.replicaSets.indexer.byIndex('namespace', namespace), {
      owner: d,
      ownerKind: DEPLOYMENT_KIND,
      selector,
      resource: this.options.client.resource<ReplicaSet>('apps', 'v1', 'replicasets'),
      fetchOwner: async () => {
        try {
          return await deployments.get(d.metadata!.name!, { namespace, signal });
        } catch (err) {
          if (isNotFound(err)) return undefined;
          throw err;
        }
      },
      signal,
    });
    const podMap = new Map<string, Pod[]>();
    for (const rs of rsList) podMap.set(rs.metadata?.uid ?? '', []);
    for (const pod of this.pods.indexer.byIndex('namespace', namespace)) {
      const uid = getControllerOf(pod)?.uid;
      if (uid && podMap.has(uid) && selector.matches(pod.metadata?.labels)) podMap.get(uid)!.push(pod);
    }
    const ctx = new DeploymentSync(d, rsList, podMap, {
      client: this.options.client,
      recorder: this.recorder,
      signal,
      cachedReplicaSet: (ns, name) => this.replicaSets.indexer.getByKey(`${ns}/${name}`),
      requeueAfter: (ms) => (ms <= 0 ? this.queue.add(key) : this.queue.addAfter(key, ms)),
    });
    try {
      if (d.metadata?.deletionTimestamp) {
        const [newRS, oldRSs] = await ctx.allReplicaSetsAndSyncRevision(false);
        return await syncDeploymentStatus(ctx, [...oldRSs, ...(newRS ? [newRS] : [])], newRS);
      }
      await checkPausedConditions(ctx);
      if (ctx.d.spec?.paused || (await isScalingEvent(ctx))) return await this.syncScaling(ctx);
      if (ctx.d.spec?.strategy?.type === 'Recreate') return await rolloutRecreate(ctx);
      return await rolloutRolling(ctx);
    } catch (err) {
      if (isNotFound(err)) return;
      throw err;
    }
  }

  /** Scaling without rolling out (upstream's sync): paused deployments and replica changes. */
  private async syncScaling(ctx: DeploymentSync): Promise<void> {
    const [newRS, oldRSs] = await ctx.allReplicaSetsAndSyncRevision(false);
    await scale(ctx, newRS, oldRSs);
    const latest = (rs: ReplicaSet) => ctx.rsList.find((r) => r.metadata?.uid === rs.metadata?.uid) ?? rs;
    const olds = oldRSs.map(latest);
    if (ctx.d.spec?.paused) await cleanupDeployment(ctx, olds);
    const newest = newRS && latest(newRS);
    await syncDeploymentStatus(ctx, [...olds, ...(newest ? [newest] : [])], newest);
  }
}
