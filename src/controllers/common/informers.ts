/**
 * @module controllers/common/informers
 *
 * One shared informer per resource for every controller of a controller-manager (upstream's
 * SharedInformerFactory): the ReplicaSet, Deployment, DaemonSet controllers and the garbage
 * collector all watch pods, and one watch serves them all. `run(signal)` starts every informer
 * asked for so far, and those asked for later at once.
 */
import type { KubeObject } from '../../api/object.js';
import { findResource, groupVersion } from '../../api/resources.js';
import { listWatchFor, SharedInformer, type RestClient } from '../../client/index.js';
import type { Logger } from '../../log.js';
import { raiseMaxListeners } from '../../util/listeners.js';

export class InformerFactory {
  private readonly informers = new Map<string, SharedInformer>();
  private readonly runs: Promise<void>[] = [];
  private signal: AbortSignal | undefined;

  constructor(
    private readonly client: RestClient,
    private readonly log: Logger,
  ) {}

  /** The informer of one served resource (every namespace). */
  informerFor<T extends KubeObject>(group: string, version: string, plural: string): SharedInformer<T> {
    const key = `${groupVersion({ group, version })}/${plural}`;
    let informer = this.informers.get(key);
    if (!informer) {
      if (!findResource(group, version, plural)) throw new TypeError(`no served resource ${key}`);
      informer = new SharedInformer<KubeObject>({ name: plural, listWatch: listWatchFor(this.client.resource(group, version, plural)), log: this.log });
      this.informers.set(key, informer);
      if (this.signal) this.runs.push(informer.run(this.signal));
    }
    return informer as unknown as SharedInformer<T>;
  }

  /** Starts the informers and resolves once all have stopped (after the signal aborts). */
  async run(signal: AbortSignal): Promise<void> {
    if (this.signal) throw new Error('the informer factory was already started');
    this.signal = signal;
    // Every informer, and the controllers beside them, listen on this one signal: by design.
    raiseMaxListeners(signal, 100);
    for (const informer of this.informers.values()) this.runs.push(informer.run(signal));
    while (true) {
      const count = this.runs.length;
      await Promise.all(this.runs);
      if (this.runs.length === count) return;
    }
  }
}
