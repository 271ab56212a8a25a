/**
 * @module controllers/common/events
 *
 * core/v1 Events about any object (a ReplicaSet, a Deployment, a DaemonSet), as client-go's
 * recorder writes them: named `<object>.<hex nanoseconds>`, with source.component set to the
 * controller's name; the same (object, type, reason, message) again within the process bumps the
 * existing Event's count and lastTimestamp (the event correlator) instead of adding another.
 * Best effort: a failure is logged, never thrown, as an event is never worth failing a sync.
 */
import type { Event as EventType } from 'kubernetes-types/core/v1.js';
import type { KubeObject } from '../../api/object.js';
import { isApiStatusError, type RestClient } from '../../client/index.js';
import type { Logger } from '../../log.js';
import { metaTime } from './types.js';

type Event = EventType & KubeObject;

let sequence = 0n;

function eventName(objectName: string, now = Date.now()): string {
  sequence = (sequence + 1n) % 1_000_000n;
  return `${objectName}.${(BigInt(now) * 1_000_000n + sequence).toString(16)}`;
}

interface Recorded {
  readonly name: string;
  count: number;
}

/** Distinct (object, reason, message) Events remembered for correlation; the oldest go first. */
const MAX_REMEMBERED = 4096;

export class EventRecorder {
  private readonly recorded = new Map<string, Recorded>();

  constructor(
    private readonly client: RestClient,
    /** source.component, e.g. "replicaset-controller", "deployment-controller". */
    private readonly component: string,
    private readonly log: Logger,
  ) {}

  async event(obj: KubeObject, type: 'Normal' | 'Warning', reason: string, message: string, signal?: AbortSignal): Promise<void> {
    const namespace = obj.metadata?.namespace ?? 'default';
    const objName = obj.metadata?.name ?? '';
    const key = `${obj.metadata?.uid ?? `${namespace}/${objName}`}\u0000${type}\u0000${reason}\u0000${message}`;
    const events = this.client.resource<Event>('', 'v1', 'events');
    const now = metaTime();
    const call = { namespace, ...(signal && { signal }) };
    try {
      const last = this.recorded.get(key);
      if (last) {
        try {
          await events.patch(last.name, 'merge', { count: last.count + 1, lastTimestamp: now }, call);
          last.count++;
          return;
        } catch (err) {
          if (!isApiStatusError(err, 404)) throw err;
        }
      }
      const created = await events.create(
        {
          apiVersion: 'v1',
          kind: 'Event',
          metadata: { name: eventName(objName), namespace },
          involvedObject: {
            ...(obj.apiVersion && { apiVersion: obj.apiVersion }),
            ...(obj.kind && { kind: obj.kind }),
            name: objName,
            namespace,
            ...(obj.metadata?.uid && { uid: obj.metadata.uid }),
            ...(obj.metadata?.resourceVersion && { resourceVersion: obj.metadata.resourceVersion }),
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
        call,
      );
      this.recorded.set(key, { name: created.metadata?.name ?? '', count: 1 });
      if (this.recorded.size > MAX_REMEMBERED) this.recorded.delete(this.recorded.keys().next().value!);
    } catch (err) {
      if (!signal?.aborted) this.log.warn({ err, object: `${namespace}/${objName}`, reason }, 'could not record event');
    }
  }
}
