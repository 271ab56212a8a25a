/**
 * @module client/cache/list-watch
 *
 * What a reflector lists and watches (client-go's ListerWatcher), and the usual one: a resource
 * through the REST client, optionally narrowed to a namespace and selectors.
 */
import type { KubeObject } from '../../api/object.js';
import type { ObjectList, ResourceClient } from '../resource-client.js';
import type { WatchStream } from '../watch.js';

export interface ListPageOptions {
  readonly resourceVersion?: string;
  readonly resourceVersionMatch?: 'Exact' | 'NotOlderThan';
  readonly limit?: number;
  readonly continue?: string;
  readonly signal: AbortSignal;
}

export interface WatchFromOptions {
  readonly resourceVersion: string;
  readonly timeoutSeconds?: number;
  readonly allowWatchBookmarks: boolean;
  /** Treat the watch as broken if it is still open this long after it started. */
  readonly clientDeadlineMs?: number;
  readonly signal: AbortSignal;
}

export interface ListerWatcher<T extends KubeObject> {
  list(options: ListPageOptions): Promise<ObjectList<T>>;
  watch(options: WatchFromOptions): Promise<WatchStream<T>>;
}

export interface ListWatchScope {
  /** Omit for every namespace. */
  readonly namespace?: string;
  readonly labelSelector?: string;
  readonly fieldSelector?: string;
}

export function listWatchFor<T extends KubeObject>(resource: ResourceClient<T>, scope: ListWatchScope = {}): ListerWatcher<T> {
  return {
    list: (o) => resource.list({ ...scope, ...o }),
    watch: (o) => resource.watch({ ...scope, ...o }),
  };
}
