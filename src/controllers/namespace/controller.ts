/**
 * @module controllers/namespace/controller
 *
 * The namespace controller, as upstream's: when a Namespace is terminating (deleted while its
 * spec.finalizers still holds "kubernetes"), it deletes every namespaced object in it, waits
 * until they are really gone (graceful pods and finalizers take their time), then removes the
 * "kubernetes" finalizer through the finalize subresource, and the API server deletes the
 * Namespace. A namespace that still has content is re-queued with backoff.
 */
import type { Namespace as NamespaceType } from 'kubernetes-types/core/v1.js';
import type { KubeObject } from '../../api/object.js';
import { RESOURCES } from '../../api/resources.js';
import { isNotFound, listWatchFor, RateLimitingQueue, runController, SharedInformer, type RestClient } from '../../client/index.js';
import type { Logger } from '../../log.js';

type Namespace = NamespaceType & KubeObject;

const FINALIZER = 'kubernetes';

/** Raised while content remains, so the key is retried with backoff. */
class NamespaceNotEmptyError extends Error {
  override readonly name = 'NamespaceNotEmptyError';
}

export interface NamespaceControllerOptions {
  readonly client: RestClient;
  readonly log: Logger;
  readonly workers?: number;
}

export class NamespaceController {
  private readonly informer: SharedInformer<Namespace>;
  private readonly queue = new RateLimitingQueue<string>();

  constructor(private readonly options: NamespaceControllerOptions) {
    this.informer = new SharedInformer<Namespace>({
      name: 'namespaces',
      listWatch: listWatchFor(options.client.resource<Namespace>('', 'v1', 'namespaces')),
      log: options.log,
    });
    const enqueue = (ns: Namespace) => {
      if (ns.metadata?.deletionTimestamp) this.queue.add(ns.metadata.name!);
    };
    this.informer.addEventHandler({ onAdd: enqueue, onUpdate: (_old, ns) => enqueue(ns) });
  }

  async run(signal: AbortSignal): Promise<void> {
    const informer = this.informer.run(signal);
    await runController({
      name: 'namespace',
      queue: this.queue,
      workers: this.options.workers ?? 2,
      informers: [this.informer],
      signal,
      // Content with long grace periods or finalizers can take a while: keep retrying.
      maxRetries: 1_000,
      sync: (name, s) => this.sync(name, s),
      log: this.options.log,
    });
    await informer;
  }

  private async sync(name: string, signal: AbortSignal): Promise<void> {
    const ns = this.informer.indexer.getByKey(name);
    if (!ns?.metadata?.deletionTimestamp || !(ns.spec?.finalizers ?? []).includes(FINALIZER)) return;
    let remaining = 0;
    for (const info of RESOURCES) {
      if (!info.namespaced || !info.verbs.includes('deletecollection')) continue;
      const resource = this.options.client.resource(info.group, info.version, info.plural);
      const left = await resource.list({ namespace: name, signal });
      if (left.items.length === 0) continue;
      remaining += left.items.length;
      await resource.deleteCollection({ namespace: name, signal });
    }
    if (remaining > 0) throw new NamespaceNotEmptyError(`namespace ${name} still has ${remaining} object(s)`);
    try {
      await this.options.client.request({
        method: 'PUT',
        path: `/api/v1/namespaces/${encodeURIComponent(name)}/finalize`,
        body: { ...ns, spec: { ...ns.spec, finalizers: (ns.spec?.finalizers ?? []).filter((f) => f !== FINALIZER) } },
        idempotent: true,
        signal,
      });
      this.options.log.info({ namespace: name }, 'namespace emptied and finalized');
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
}
