/**
 * @module controllers/endpointslice/controller
 *
 * The EndpointSlice controller, as upstream's: for every Service with a selector it keeps the
 * Service's EndpointSlices (labelled `kubernetes.io/service-name` and managed by
 * `endpointslice-controller.k8s.io`, owned by the Service) equal to the pods the Service selects.
 * The decision is `reconcileSlices` (reconciler.ts); this file watches, queues Service keys and
 * writes the plan.
 *
 * The informer cache lags behind the controller's own writes, so a sync right after one could
 * see a slice missing and create it twice. As upstream's EndpointSliceTracker, the controller
 * remembers the resourceVersion of every slice it wrote or deleted per Service and retries a
 * sync (with backoff) until the cache has caught up. There is no garbage collector yet, so the
 * controller itself deletes the slices of a Service that is gone.
 */
import type { EndpointSlice as EndpointSliceType } from 'kubernetes-types/discovery/v1.js';
import type { KubeObject } from '../../api/object.js';
import {
  isNotFound,
  listWatchFor,
  RateLimitingQueue,
  runController,
  SharedInformer,
  splitMetaNamespaceKey,
  type ResourceClient,
  type RestClient,
} from '../../client/index.js';
import type { Logger } from '../../log.js';
import type { InformerFactory } from '../common/informers.js';
import { enqueueServicesOnChange, unwrap, type NodeObject, type PodObject, type ServiceObject } from './informers.js';
import { serviceSelectsPod } from './pod-endpoints.js';
import { CONTROLLER_NAME, DEFAULT_MAX_ENDPOINTS_PER_SLICE, LABEL_MANAGED_BY, LABEL_SERVICE_NAME, reconcileSlices } from './reconciler.js';
import { LABEL_TOPOLOGY_ZONE } from './hints.js';

type EndpointSlice = EndpointSliceType & KubeObject;

const SERVICE_INDEX = 'service';
const STALE_WRITE_FORGET_MS = 30_000;

/** Raised when the cache has not yet seen the controller's own writes: the sync is retried. */
export class StaleSliceCacheError extends Error {
  override readonly name = 'StaleSliceCacheError';
}

export interface EndpointSliceControllerOptions {
  readonly client: RestClient;
  /** Shared informers (services, pods, nodes), run by their owner. */
  readonly informers: InformerFactory;
  readonly log: Logger;
  /** `--concurrent-service-endpoint-syncs`; default 5. */
  readonly workers?: number;
  /** `--max-endpoints-per-slice`; default 100 (upstream's default and maximum is 1000). */
  readonly maxEndpointsPerSlice?: number;
}

export class EndpointSliceController {
  private readonly services: SharedInformer<ServiceObject>;
  private readonly pods;
  private readonly nodes: SharedInformer<NodeObject>;
  private readonly slices: SharedInformer<EndpointSlice>;
  private readonly sliceClient: ResourceClient<EndpointSlice>;
  private readonly queue = new RateLimitingQueue<string>();
  /** Per Service key: slice name → the resourceVersion written (or 'deleted') and when. */
  private readonly written = new Map<string, Map<string, { readonly rv: number | 'deleted'; readonly at: number }>>();
  private readonly maxEndpointsPerSlice: number;

  constructor(private readonly options: EndpointSliceControllerOptions) {
    const { client, log } = options;
    this.maxEndpointsPerSlice = options.maxEndpointsPerSlice ?? DEFAULT_MAX_ENDPOINTS_PER_SLICE;
    if (!Number.isInteger(this.maxEndpointsPerSlice) || this.maxEndpointsPerSlice < 1 || this.maxEndpointsPerSlice > 1000) {
      throw new RangeError(`maxEndpointsPerSlice must be between 1 and 1000, not ${this.maxEndpointsPerSlice}`);
    }
    this.services = options.informers.informerFor<ServiceObject>('', 'v1', 'services');
    this.pods = options.informers.informerFor<PodObject>('', 'v1', 'pods');
    this.nodes = options.informers.informerFor<NodeObject>('', 'v1', 'nodes');
    this.sliceClient = client.resource<EndpointSlice>('discovery.k8s.io', 'v1', 'endpointslices');
    this.slices = new SharedInformer<EndpointSlice>({
      name: 'endpointslices',
      listWatch: listWatchFor(this.sliceClient, { labelSelector: `${LABEL_MANAGED_BY}=${CONTROLLER_NAME}` }),
      indexers: { [SERVICE_INDEX]: (s) => [serviceKeyOf(s)] },
      log,
    });

    enqueueServicesOnChange(this.services, this.pods, (key) => this.queue.add(key));
    // A node's zone is copied into endpoints; a node's readiness and CPU weigh in Auto hints.
    this.nodes.addEventHandler({
      onUpdate: (old, node) => {
        const zone = (n: NodeObject) => n.metadata?.labels?.[LABEL_TOPOLOGY_ZONE];
        if (zone(old) !== zone(node)) this.addAll(this.services.indexer.listKeys());
      },
    });
    // Someone else changed or removed a managed slice: put it right.
    const sliceChanged = (slice: EndpointSlice) => {
      const key = serviceKeyOf(slice);
      if (key) this.queue.add(key);
    };
    this.slices.addEventHandler({ onUpdate: (_old, s) => sliceChanged(s), onDelete: (s) => sliceChanged(unwrap(s)) });
  }

  async run(signal: AbortSignal): Promise<void> {
    // Services, pods and nodes are the shared factory's to run; the managed slices are ours.
    const informers = [this.services, this.pods, this.nodes, this.slices];
    const runs = [this.slices.run(signal)];
    await runController({
      name: 'endpointslice',
      queue: this.queue,
      workers: this.options.workers ?? 5,
      informers,
      signal,
      maxRetries: 15,
      sync: (key, s) => this.sync(key, s),
      log: this.options.log,
    });
    await Promise.all(runs);
  }

  private addAll(keys: readonly string[]): void {
    for (const key of keys) this.queue.add(key);
  }

  private async sync(key: string, signal: AbortSignal): Promise<void> {
    const existing = this.slices.indexer.byIndex(SERVICE_INDEX, key);
    this.checkCacheFresh(key, existing);
    const service = this.services.indexer.getByKey(key);
    const { namespace } = splitMetaNamespaceKey(key);
    const wanted = service && service.spec?.type !== 'ExternalName' && Object.keys(service.spec?.selector ?? {}).length > 0;
    if (!service || !wanted) {
      // Gone, or no longer selector-based: its managed slices go (no garbage collector does it).
      for (const slice of existing) await this.deleteSlice(key, slice, signal);
      if (!service) this.written.delete(key);
      return;
    }
    const pods = this.pods.indexer.list().filter((pod) => serviceSelectsPod(service, pod));
    const nodes = new Map(this.nodes.indexer.list().map((n) => [n.metadata!.name!, n]));
    const plan = reconcileSlices({ service, pods, nodes, existing, maxEndpointsPerSlice: this.maxEndpointsPerSlice });
    for (const slice of plan.delete) await this.deleteSlice(key, slice as EndpointSlice, signal);
    for (const slice of plan.update) this.record(key, await this.sliceClient.update(slice as EndpointSlice, { namespace, signal }));
    for (const slice of plan.create) this.record(key, await this.sliceClient.create(slice as EndpointSlice, { namespace, signal }));
    if (plan.create.length + plan.update.length + plan.delete.length > 0) {
      this.options.log.debug({ service: key, created: plan.create.length, updated: plan.update.length, deleted: plan.delete.length }, 'endpoint slices reconciled');
    }
  }

  private async deleteSlice(key: string, slice: EndpointSlice, signal: AbortSignal): Promise<void> {
    try {
      await this.sliceClient.delete(slice.metadata!.name!, { namespace: slice.metadata!.namespace!, preconditions: { uid: slice.metadata!.uid! }, signal });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    this.tracked(key).set(slice.metadata!.name!, { rv: 'deleted', at: Date.now() });
  }

  private record(key: string, slice: EndpointSlice): void {
    this.tracked(key).set(slice.metadata!.name!, { rv: Number(slice.metadata!.resourceVersion), at: Date.now() });
  }

  private tracked(key: string): Map<string, { readonly rv: number | 'deleted'; readonly at: number }> {
    let map = this.written.get(key);
    if (!map) this.written.set(key, (map = new Map()));
    return map;
  }

  /**
   * Throws while the cache misses a write of ours; forgets writes the cache has caught up with.
   * A write the cache never shows (someone deleted our slice right after) is forgotten after
   * STALE_WRITE_FORGET_MS, so one lost event cannot wedge a Service.
   */
  private checkCacheFresh(key: string, cached: readonly EndpointSlice[]): void {
    const writes = this.written.get(key);
    if (!writes) return;
    const byName = new Map(cached.map((s) => [s.metadata!.name!, s]));
    const now = Date.now();
    for (const [name, { rv, at }] of writes) {
      const seen = byName.get(name);
      const caughtUp = rv === 'deleted' ? seen === undefined : seen !== undefined && Number(seen.metadata!.resourceVersion) >= rv;
      if (caughtUp || now - at > STALE_WRITE_FORGET_MS) writes.delete(name);
      else throw new StaleSliceCacheError(`endpoint slice cache of ${key} has not seen the write of ${name} yet`);
    }
  }
}

function serviceKeyOf(slice: EndpointSlice): string {
  const name = slice.metadata?.labels?.[LABEL_SERVICE_NAME];
  return name ? `${slice.metadata?.namespace ?? ''}/${name}` : '';
}
