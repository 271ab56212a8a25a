/**
 * @module client/event-recorder
 *
 * core/v1 Events about API objects, written as client-go's tools/record does for every component
 * (controllers, scheduler, kubelet):
 * - an Event is named `<object>.<hex nanoseconds>` and carries `source` {component, host} and the
 *   involved object's reference (with a fieldPath when it is about a part of it, e.g. a container);
 * - the same (object, fieldPath, type, reason, message) again bumps the existing Event's `count`
 *   and `lastTimestamp` instead of adding another (the event correlator), so a pod retried or
 *   restarted every few seconds does not flood its namespace; an Event deleted meanwhile (TTL) is
 *   written anew. What it remembers for that is bounded (least recently used go first), as
 *   upstream's LRU is;
 * - best effort: a failure is logged, never thrown, as an event is never worth failing the work
 *   it reports on.
 */
import type { Event as CoreEvent, ObjectReference } from 'kubernetes-types/core/v1.js';
import type { KubeObject, ObjectMeta } from '../api/object.js';
import { metaTime } from '../api/time.js';
import type { Logger } from '../log.js';
import { isApiStatusError } from './errors.js';
import type { RestClient } from './rest-client.js';

export type EventType = 'Normal' | 'Warning';

/** Where Events go (client-go's EventSink): the API server, or whatever a component wraps it in. */
export interface EventSink {
  create(event: CoreEvent, signal?: AbortSignal): Promise<CoreEvent>;
  /** A JSON merge patch of an existing Event (count and lastTimestamp of a repeated one). */
  patch(namespace: string, name: string, patch: Pick<CoreEvent, 'count' | 'lastTimestamp'>, signal?: AbortSignal): Promise<void>;
}

/** An EventSink writing core/v1 Events through `client`. */
export function restEventSink(client: RestClient): EventSink {
  const events = client.resource<CoreEvent & KubeObject>('', 'v1', 'events');
  return {
    create: (event, signal) => events.create(event as CoreEvent & KubeObject, { namespace: event.metadata?.namespace ?? 'default', signal }),
    patch: async (namespace, name, patch, signal) => {
      await events.patch(name, 'merge', patch, { namespace, signal });
    },
  };
}

/** What an Event can be about: any API object (its apiVersion and kind as the server returned them). */
export interface EventSubject {
  readonly apiVersion?: string;
  readonly kind?: string;
  readonly metadata?: Pick<ObjectMeta, 'name' | 'namespace' | 'uid' | 'resourceVersion'>;
}

export interface EventOptions {
  /** The part of the object the event is about, e.g. `spec.containers{web}`. */
  readonly fieldPath?: string | undefined;
  readonly signal?: AbortSignal | undefined;
}

export interface EventRecorderOptions {
  readonly sink: EventSink;
  /** source.component and reportingComponent, e.g. "replicaset-controller", "kubelet". */
  readonly component: string;
  /** source.host and reportingInstance (the kubelet's node); reportingInstance is the component without it. */
  readonly host?: string;
  readonly log: Logger;
  /** How many distinct events it remembers for correlation; upstream's LRU holds 4096. */
  readonly maxRemembered?: number;
}

const DEFAULT_MAX_REMEMBERED = 4096;

interface Recorded {
  readonly objectKey: string;
  readonly namespace: string;
  readonly name: string;
  count: number;
}

let sequence = 0n;

/** `<object>.<hex nanoseconds>`, as client-go names Events (a sequence keeps them unique within the process). */
export function eventName(objectName: string, now = Date.now()): string {
  sequence = (sequence + 1n) % 1_000_000n;
  return `${objectName}.${(BigInt(now) * 1_000_000n + sequence).toString(16)}`;
}

export class EventRecorder {
  /** Event key → the Event written for it; Map order is recency of use (oldest first). */
  private readonly recorded = new Map<string, Recorded>();
  /** Object key (uid, or namespace/name) → its event keys, so `forget` need not scan. */
  private readonly byObject = new Map<string, Set<string>>();
  private readonly maxRemembered: number;

  constructor(private readonly options: EventRecorderOptions) {
    this.maxRemembered = options.maxRemembered ?? DEFAULT_MAX_REMEMBERED;
  }

  /** Writes (or bumps) the Event; resolves when done, never rejects. */
  async event(obj: EventSubject, type: EventType, reason: string, message: string, options: EventOptions = {}): Promise<void> {
    const { fieldPath, signal } = options;
    const namespace = obj.metadata?.namespace ?? 'default';
    const objName = obj.metadata?.name ?? '';
    const objectKey = obj.metadata?.uid ?? `${namespace}/${objName}`;
    const key = [objectKey, fieldPath ?? '', type, reason, message].join('\u0000');
    const now = metaTime();
    try {
      const last = this.recorded.get(key);
      if (last) {
        try {
          await this.options.sink.patch(last.namespace, last.name, { count: last.count + 1, lastTimestamp: now }, signal);
          last.count++;
          this.touch(key, last);
          return;
        } catch (err) {
          if (!isApiStatusError(err, 404)) throw err;
          // Deleted meanwhile (TTL, someone else): write a new one.
        }
      }
      const { component, host } = this.options;
      const name = eventName(objName);
      const created = await this.options.sink.create(
        {
          apiVersion: 'v1',
          kind: 'Event',
          // Not generateName: "<object>." would not be a valid DNS subdomain prefix (it ends in a dot).
          metadata: { name, namespace },
          involvedObject: reference(obj, namespace, objName, fieldPath),
          reason,
          message,
          type,
          source: { component, ...(host && { host }) },
          reportingComponent: component,
          reportingInstance: host ?? component,
          firstTimestamp: now,
          lastTimestamp: now,
          count: 1,
        },
        signal,
      );
      this.remember(key, { objectKey, namespace, name: created.metadata?.name ?? name, count: 1 });
    } catch (err) {
      if (!signal?.aborted) this.options.log.warn({ err, object: `${namespace}/${objName}`, reason }, 'could not record event');
    }
  }

  /** Forgets an object that is gone (by uid): its next event, if any, starts a new Event. */
  forget(uid: string | undefined): void {
    if (!uid) return;
    for (const key of this.byObject.get(uid) ?? []) this.recorded.delete(key);
    this.byObject.delete(uid);
  }

  private touch(key: string, rec: Recorded): void {
    this.recorded.delete(key);
    this.recorded.set(key, rec);
  }

  private remember(key: string, rec: Recorded): void {
    this.recorded.delete(key);
    this.recorded.set(key, rec);
    let keys = this.byObject.get(rec.objectKey);
    if (!keys) this.byObject.set(rec.objectKey, (keys = new Set()));
    keys.add(key);
    while (this.recorded.size > this.maxRemembered) {
      const [oldestKey, oldest] = this.recorded.entries().next().value!;
      this.recorded.delete(oldestKey);
      const siblings = this.byObject.get(oldest.objectKey);
      siblings?.delete(oldestKey);
      if (siblings?.size === 0) this.byObject.delete(oldest.objectKey);
    }
  }
}

function reference(obj: EventSubject, namespace: string, name: string, fieldPath: string | undefined): ObjectReference {
  const meta = obj.metadata;
  return {
    ...(obj.apiVersion && { apiVersion: obj.apiVersion }),
    ...(obj.kind && { kind: obj.kind }),
    name,
    namespace,
    ...(meta?.uid && { uid: meta.uid }),
    ...(meta?.resourceVersion && { resourceVersion: meta.resourceVersion }),
    ...(fieldPath && { fieldPath }),
  };
}
