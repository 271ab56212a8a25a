/**
 * @module controllers/endpoints/controller
 *
 * The endpoints controller, as upstream's: for every Service with a selector it keeps a v1
 * Endpoints object of the same name equal to the pods the Service selects (subsets.ts), and
 * deletes it when the Service goes or loses its selector. Endpoints of Services without a
 * selector belong to their users and are never touched. Writes carry the cached
 * resourceVersion, so a stale cache costs a 409 and a retry, never a lost update.
 */
import type { Endpoints as EndpointsType } from 'kubernetes-types/core/v1.js';
import type { KubeObject } from '../../api/object.js';
import { isAlreadyExists, isNotFound, listWatchFor, metaNamespaceKey, RateLimitingQueue, runController, SharedInformer, splitMetaNamespaceKey, type ResourceClient, type RestClient } from '../../client/index.js';
import type { Logger } from '../../log.js';
import type { InformerFactory } from '../common/informers.js';
import { enqueueServicesOnChange, unwrap, type PodObject, type ServiceObject } from '../endpointslice/informers.js';
import { serviceSelectsPod } from '../endpointslice/pod-endpoints.js';
import { LABEL_HEADLESS } from '../endpointslice/reconciler.js';
import { ANNOTATION_OVER_CAPACITY, endpointsFor } from './subsets.js';

type Endpoints = EndpointsType & KubeObject;

export interface EndpointsControllerOptions {
  readonly client: RestClient;
  /** Shared informers (services, pods), run by their owner. */
  readonly informers: InformerFactory;
  readonly log: Logger;
  /** `--concurrent-endpoint-syncs`; default 5. */
  readonly workers?: number;
}

export class EndpointsController {
  private readonly services: SharedInformer<ServiceObject>;
  private readonly pods;
  private readonly endpoints: SharedInformer<Endpoints>;
  private readonly client: ResourceClient<Endpoints>;
  private readonly queue = new RateLimitingQueue<string>();

  constructor(private readonly options: EndpointsControllerOptions) {
    const { client, log } = options;
    this.services = options.informers.informerFor<ServiceObject>('', 'v1', 'services');
    this.pods = options.informers.informerFor<PodObject>('', 'v1', 'pods');
    this.client = client.resource<Endpoints>('', 'v1', 'endpoints');
    this.endpoints = new SharedInformer<Endpoints>({ name: 'endpoints', listWatch: listWatchFor(this.client), log });
    enqueueServicesOnChange(this.services, this.pods, (key) => this.queue.add(key));
    // Someone else edited or removed the Endpoints of a selector Service: put it right.
    const endpointsChanged = (ep: Endpoints) => {
      const key = metaNamespaceKey(ep);
      if (this.services.indexer.getByKey(key)?.spec?.selector) this.queue.add(key);
    };
    this.endpoints.addEventHandler({ onUpdate: (_old, ep) => endpointsChanged(ep), onDelete: (ep) => endpointsChanged(unwrap(ep)) });
  }

  async run(signal: AbortSignal): Promise<void> {
    // Services and pods are the shared factory's to run; the Endpoints informer is ours.
    const informers = [this.services, this.pods, this.endpoints];
    const runs = [this.endpoints.run(signal)];
    await runController({
      name: 'endpoints',
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

  private async sync(key: string, signal: AbortSignal): Promise<void> {
    const { namespace, name } = splitMetaNamespaceKey(key);
    const service = this.services.indexer.getByKey(key);
    const current = this.endpoints.indexer.getByKey(key);
    if (!service) {
      // Upstream deletes the Endpoints of a deleted Service (they carry no owner reference).
      if (current) await this.client.delete(name, { namespace, signal }).catch((err: unknown) => {
        if (!isNotFound(err)) throw err;
      });
      return;
    }
    if (!service.spec?.selector || Object.keys(service.spec.selector).length === 0 || service.spec.type === 'ExternalName') return;

    const pods = this.pods.indexer.list().filter((pod) => serviceSelectsPod(service, pod));
    const { subsets, truncated } = endpointsFor(service, pods);
    const labels: Record<string, string> = { ...service.metadata?.labels };
    if (service.spec.clusterIP === 'None') labels[LABEL_HEADLESS] = '';
    else delete labels[LABEL_HEADLESS];
    const annotations: Record<string, string> = { ...current?.metadata?.annotations };
    if (truncated) annotations[ANNOTATION_OVER_CAPACITY] = 'truncated';
    else delete annotations[ANNOTATION_OVER_CAPACITY];

    if (current && same(current.subsets ?? [], subsets) && same(current.metadata?.labels ?? {}, labels) && same(current.metadata?.annotations ?? {}, annotations)) return;
    const desired: Endpoints = {
      apiVersion: 'v1',
      kind: 'Endpoints',
      metadata: {
        ...(current?.metadata ?? { name, namespace }),
        labels,
        ...(Object.keys(annotations).length > 0 ? { annotations } : {}),
      },
      subsets,
    };
    if (Object.keys(annotations).length === 0) delete desired.metadata!.annotations;
    if (current) {
      await this.client.update(desired, { namespace, signal });
      return;
    }
    try {
      await this.client.create(desired, { namespace, signal });
    } catch (err) {
      // Created by us a moment ago and not yet in the cache: the retry sees it.
      if (isAlreadyExists(err)) throw new Error(`endpoints ${key} exist but are not in the cache yet`);
      throw err;
    }
  }
}

const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);
