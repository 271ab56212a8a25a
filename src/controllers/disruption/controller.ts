/**
 * @module controllers/disruption/controller
 *
 * The disruption controller, as upstream's: for every PodDisruptionBudget it counts the pods its
 * selector covers and writes the status kubectl shows — expectedPods, currentHealthy (Ready and
 * not terminating), desiredHealthy (minAvailable, or expected − maxUnavailable, percentages
 * rounded up), disruptionsAllowed = max(0, currentHealthy − desiredHealthy), observedGeneration
 * and the DisruptionAllowed condition (SufficientPods / InsufficientPods).
 *
 * Simplification: the expected count is the number of covered pods, not the scale of their
 * controllers (upstream asks each owner's scale for percentages and maxUnavailable), so while a
 * controller is still creating pods the budget counts only those that exist. The eviction
 * subresource judges evictions from the pods themselves (src/api/disruption.ts), with the same
 * arithmetic, so this status is what users see, not what guards evictions.
 */
import type { Condition } from 'kubernetes-types/meta/v1.js';
import type { PodDisruptionBudget as PodDisruptionBudgetType, PodDisruptionBudgetStatus } from 'kubernetes-types/policy/v1.js';
import { desiredHealthy, podIsHealthy } from '../../api/disruption.js';
import type { KubeObject } from '../../api/object.js';
import { jsonEqual } from '../../api/object.js';
import { labelSelectorFromObject } from '../../api/selectors/labels.js';
import { DeletedFinalStateUnknown, isNotFound, metaNamespaceKey, NAMESPACE_INDEX, RateLimitingQueue, runController, type RestClient, type SharedInformer } from '../../client/index.js';
import type { Logger } from '../../log.js';
import type { InformerFactory } from '../common/informers.js';
import { isPodTerminal } from '../common/pod-state.js';
import { metaTime, type Pod } from '../common/types.js';

type PodDisruptionBudget = PodDisruptionBudgetType & KubeObject;

export interface DisruptionControllerOptions {
  readonly client: RestClient;
  readonly informers: InformerFactory;
  readonly log: Logger;
  readonly workers?: number;
}

export class DisruptionController {
  private readonly budgets: SharedInformer<PodDisruptionBudget>;
  private readonly pods: SharedInformer<Pod>;
  private readonly queue = new RateLimitingQueue<string>();

  constructor(private readonly options: DisruptionControllerOptions) {
    this.budgets = options.informers.informerFor<PodDisruptionBudget>('policy', 'v1', 'poddisruptionbudgets');
    this.pods = options.informers.informerFor<Pod>('', 'v1', 'pods');
    const enqueue = (pdb: PodDisruptionBudget) => this.queue.add(metaNamespaceKey(pdb));
    this.budgets.addEventHandler({ onAdd: enqueue, onUpdate: (_old, pdb) => enqueue(pdb) });
    // Any pod change in a namespace may change its budgets' counts.
    const podChanged = (pod: Pod) => {
      for (const pdb of this.budgets.indexer.byIndex(NAMESPACE_INDEX, pod.metadata?.namespace ?? '')) enqueue(pdb);
    };
    this.pods.addEventHandler({
      onAdd: podChanged,
      onUpdate: (_old, pod) => podChanged(pod),
      onDelete: (obj) => podChanged(obj instanceof DeletedFinalStateUnknown ? (obj.obj as Pod) : obj),
    });
  }

  async run(signal: AbortSignal): Promise<void> {
    await runController({
      name: 'disruption',
      queue: this.queue,
      workers: this.options.workers ?? 2,
      informers: [this.budgets, this.pods],
      signal,
      maxRetries: 15,
      sync: (key, s) => this.sync(key, s),
      log: this.options.log,
    });
  }

  private async sync(key: string, signal: AbortSignal): Promise<void> {
    const pdb = this.budgets.indexer.getByKey(key);
    if (!pdb || pdb.metadata?.deletionTimestamp) return;
    const status = this.statusOf(pdb);
    if (sameStatus(pdb.status, status)) return;
    try {
      await this.options.client
        .resource<PodDisruptionBudget>('policy', 'v1', 'poddisruptionbudgets')
        .updateStatus({ ...pdb, status }, { namespace: pdb.metadata!.namespace!, signal });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }

  /** The status the budget should show now. */
  statusOf(pdb: PodDisruptionBudget): PodDisruptionBudgetStatus {
    const spec = pdb.spec ?? {};
    // A budget without a selector covers no pods (policy/v1), an empty one every pod of its namespace.
    const selector = spec.selector ? labelSelectorFromObject(spec.selector) : undefined;
    const covered = selector
      ? this.pods.indexer.byIndex(NAMESPACE_INDEX, pdb.metadata?.namespace ?? '').filter((p) => selector.matches(p.metadata?.labels ?? {}) && !isPodTerminal(p))
      : [];
    const expectedPods = covered.length;
    const currentHealthy = covered.filter(podIsHealthy).length;
    const desired = desiredHealthy(spec, expectedPods);
    const disruptionsAllowed = Math.max(0, currentHealthy - desired);
    const allowed = disruptionsAllowed > 0;
    const previous = pdb.status?.conditions?.find((c) => c.type === 'DisruptionAllowed');
    const condition: Condition = {
      type: 'DisruptionAllowed',
      status: allowed ? 'True' : 'False',
      reason: allowed ? 'SufficientPods' : 'InsufficientPods',
      message: '',
      observedGeneration: pdb.metadata?.generation ?? 0,
      lastTransitionTime: previous && previous.status === (allowed ? 'True' : 'False') ? previous.lastTransitionTime : metaTime(),
    };
    return {
      observedGeneration: pdb.metadata?.generation ?? 0,
      disruptionsAllowed,
      currentHealthy,
      desiredHealthy: desired,
      expectedPods,
      conditions: [condition],
    };
  }
}

/** Equal but for the condition's transition time (which only moves when its status does). */
function sameStatus(a: PodDisruptionBudgetStatus | undefined, b: PodDisruptionBudgetStatus): boolean {
  const strip = (s: PodDisruptionBudgetStatus | undefined) => s && { ...s, conditions: s.conditions?.map(({ lastTransitionTime: _t, ...c }) => c) };
  return jsonEqual(strip(a), strip(b));
}
