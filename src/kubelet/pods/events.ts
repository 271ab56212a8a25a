/**
 * @module kubelet/pods/events
 *
 * The node agent's core/v1 Events about pods and their containers, as upstream's kubelet writes
 * them: source {component: kubelet, host: <node>}, involvedObject pointing at the pod and, for a
 * container, fieldPath `spec.containers{<name>}` (or `spec.initContainers{...}`). The same
 * (object, reason, message) again bumps count and lastTimestamp (client-go's correlator), so a
 * crash loop does not flood the namespace. Best effort: failures are logged, never thrown.
 */
import { isNotFound } from '../../client/index.js';
import type { Logger } from '../../log.js';
import type { PodApi, PodObject } from './api.js';

export type EventType = 'Normal' | 'Warning';

/** Seconds-precision RFC 3339, as metav1.Time serializes. */
export const metaTime = (date = new Date()): string => date.toISOString().replace(/\.\d{3}Z$/, 'Z');

let sequence = 0n;

interface Recorded {
  name: string;
  count: number;
}

export class PodEventRecorder {
  /** `${uid}\0${fieldPath}\0${type}\0${reason}\0${message}` → the Event written for it. */
  private readonly recorded = new Map<string, Recorded>();

  constructor(
    private readonly api: PodApi,
    private readonly nodeName: string,
    private readonly log: Logger,
  ) {}

  /** Records an event; `fieldPath` names the container it is about, if any. */
  async record(pod: PodObject, type: EventType, reason: string, message: string, fieldPath: string | undefined, signal: AbortSignal): Promise<void> {
    const namespace = pod.metadata?.namespace ?? 'default';
    const podName = pod.metadata?.name ?? '';
    const uid = pod.metadata?.uid ?? '';
    const key = [uid, fieldPath ?? '', type, reason, message].join('\u0000');
    const now = metaTime();
    try {
      const last = this.recorded.get(key);
      if (last) {
        try {
          await this.api.patchEvent(namespace, last.name, { count: last.count + 1, lastTimestamp: now }, signal);
          last.count++;
          return;
        } catch (err) {
          if (!isNotFound(err)) throw err;
        }
      }
      sequence = (sequence + 1n) % 1_000_000n;
      const name = `${podName}.${(BigInt(Date.now()) * 1_000_000n + sequence).toString(16)}`;
      await this.api.createEvent(
        {
          apiVersion: 'v1',
          kind: 'Event',
          metadata: { name, namespace },
          involvedObject: {
            apiVersion: 'v1',
            kind: 'Pod',
            name: podName,
            namespace,
            uid,
            ...(pod.metadata?.resourceVersion && { resourceVersion: pod.metadata.resourceVersion }),
            ...(fieldPath && { fieldPath }),
          },
          reason,
          message,
          type,
          source: { component: 'kubelet', host: this.nodeName },
          reportingComponent: 'kubelet',
          reportingInstance: this.nodeName,
          firstTimestamp: now,
          lastTimestamp: now,
          count: 1,
        },
        signal,
      );
      this.recorded.set(key, { name, count: 1 });
    } catch (err) {
      if (!signal.aborted) this.log.warn({ err, pod: `${namespace}/${podName}`, reason }, 'could not record event');
    }
  }

  /** Forgets a pod that is gone. */
  forget(uid: string): void {
    for (const key of this.recorded.keys()) if (key.startsWith(`${uid}\u0000`)) this.recorded.delete(key);
  }
}
