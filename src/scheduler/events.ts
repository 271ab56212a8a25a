/**
 * @module scheduler/events
 *
 * The scheduler's core/v1 Events about pods, as upstream's event recorder writes them: one Event
 * per (pod, reason, message); the same one again bumps `count` and `lastTimestamp` instead of
 * adding another (client-go's event correlator), so a pod retried every few seconds does not
 * flood its namespace. Names are `<pod>.<hex unix nanoseconds>`, as upstream's.
 */
import type { Event as EventType, Pod } from 'kubernetes-types/core/v1.js';
import type { KubeObject } from '../api/object.js';
import { isApiStatusError, type RestClient } from '../client/index.js';
import type { Logger } from '../log.js';

type Event = EventType & KubeObject;

/** Seconds-precision RFC 3339, as metav1.Time serializes. */
export const metaTime = (date = new Date()): string => date.toISOString().replace(/\.\d{3}Z$/, 'Z');

let sequence = 0n;

/** `<pod>.<hex nanoseconds>`, as client-go's recorder (unique within this process). */
export function eventName(podName: string, now = Date.now()): string {
  sequence = (sequence + 1n) % 1_000_000n;
  return `${podName}.${(BigInt(now) * 1_000_000n + sequence).toString(16)}`;
}

interface Recorded {
  readonly namespace: string;
  readonly name: string;
  readonly key: string;
  count: number;
}

export class PodEventRecorder {
  /** Pod uid → the last Event written about it. */
  private readonly recorded = new Map<string, Recorded>();

  constructor(
    private readonly client: RestClient,
    private readonly component: string,
    private readonly log: Logger,
  ) {}

  /** Writes (or bumps) the Event; failures are logged, never thrown: events are best effort. */
  async record(pod: Pod, type: 'Normal' | 'Warning', reason: string, message: string, signal?: AbortSignal): Promise<void> {
    const namespace = pod.metadata?.namespace ?? 'default';
    const podName = pod.metadata?.name ?? '';
    const uid = pod.metadata?.uid ?? `${namespace}/${podName}`;
    const key = `${type}\u0000${reason}\u0000${message}`;
    const events = this.client.resource<Event>('', 'v1', 'events');
    const now = metaTime();
    try {
      const last = this.recorded.get(uid);
      if (last?.key === key) {
        try {
          await events.patch(last.name, 'merge', { count: last.count + 1, lastTimestamp: now }, { namespace: last.namespace, ...(signal && { signal }) });
          last.count++;
          return;
        } catch (err) {
          if (!isApiStatusError(err, 404)) throw err;
          // Deleted (TTL, someone else): write a new one.
        }
      }
      const created = await events.create(
        {
          apiVersion: 'v1',
          kind: 'Event',
          // Named as upstream's recorder names them: a generateName of "<pod>." would not be a
          // valid DNS subdomain prefix (it ends in a dot), here or upstream.
          metadata: { name: eventName(podName), namespace },
          involvedObject: {
            apiVersion: 'v1',
            kind: 'Pod',
            name: podName,
            namespace,
            ...(pod.metadata?.uid && { uid: pod.metadata.uid }),
            ...(pod.metadata?.resourceVersion && { resourceVersion: pod.metadata.resourceVersion }),
          },
          reason,
          message,
          type,
          source: { component: this.component },
          reportingComponent: this.component,
          reportingInstance: this.component,
          firstTimestamp: now,
          lastTimestamp: now,
          count: 1,
        },
        { namespace, ...(signal && { signal }) },
      );
      this.recorded.set(uid, { namespace, name: created.metadata?.name ?? '', key, count: 1 });
    } catch (err) {
      if (!signal?.aborted) this.log.warn({ err, pod: `${namespace}/${podName}`, reason }, 'could not record event');
    }
  }

  /** Forgets a pod (deleted): its next event starts a new Event. */
  forget(uid: string | undefined): void {
    if (uid) this.recorded.delete(uid);
  }
}
