/**
 * @module test/support/pod-status
 *
 * Plays the node agent's part for controller tests, until real node agents run pods: a pod bound
 * to a node is reported Running (and Ready, unless the test says it never becomes ready) through
 * pods/status, and a pod marked for deletion on a node is removed once "its containers stopped"
 * (DELETE with grace period 0, as a kubelet does after killing a pod).
 */
import type { PodCondition } from 'kubernetes-types/core/v1.js';
import type { Pod as PodType } from 'kubernetes-types/core/v1.js';
import type { KubeObject } from '../../src/api/object.js';
import { isApiStatusError, listWatchFor, SharedInformer, type RestClient } from '../../src/client/index.js';
import { createLogger } from '../../src/log.js';

type Pod = PodType & KubeObject;

const now = () => new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');

/** Reports the pod Running; Ready=True when `ready`, else Ready=False (ContainersNotReady). */
export async function setPodRunning(client: RestClient, pod: Pod, ready = true): Promise<void> {
  const t = now();
  const condition = (type: string, status: boolean): PodCondition => ({
    type,
    status: status ? 'True' : 'False',
    lastTransitionTime: t,
    ...(!status && { reason: 'ContainersNotReady', message: 'containers with unready status: [c]' }),
  });
  await client.resource<Pod>('', 'v1', 'pods').patch(
    pod.metadata!.name!,
    'merge',
    {
      status: {
        phase: 'Running',
        startTime: t,
        podIP: '10.0.0.1',
        conditions: [condition('PodScheduled', true), condition('Initialized', true), condition('ContainersReady', ready), condition('Ready', ready)],
        containerStatuses: (pod.spec?.containers ?? []).map((c) => ({
          name: c.name,
          image: c.image ?? '',
          imageID: '',
          ready,
          restartCount: 0,
          started: true,
          state: { running: { startedAt: t } },
        })),
      },
    },
    { namespace: pod.metadata!.namespace!, subresource: 'status' },
  );
}

export interface FakeNodeAgentOptions {
  readonly client: RestClient;
  /** Whether a pod ever becomes ready (default: every pod does). */
  readonly ready?: (pod: Pod) => boolean;
}

/** Runs until the signal aborts: marks bound pods Running, removes terminating bound pods. */
export async function runFakeNodeAgent(options: FakeNodeAgentOptions, signal: AbortSignal): Promise<void> {
  const { client } = options;
  const log = createLogger('fake-node-agent');
  const informer = new SharedInformer<Pod>({ name: 'fake-node-agent-pods', listWatch: listWatchFor(client.resource<Pod>('', 'v1', 'pods')), log });
  const inFlight = new Set<string>();
  const handle = (pod: Pod) => {
    if (!pod.spec?.nodeName || signal.aborted) return;
    const key = `${pod.metadata?.uid}/${pod.metadata?.deletionTimestamp ? 'delete' : 'run'}`;
    if (inFlight.has(key)) return;
    let work: Promise<void> | undefined;
    if (pod.metadata?.deletionTimestamp) {
      work = client
        .resource<Pod>('', 'v1', 'pods')
        .delete(pod.metadata.name!, { namespace: pod.metadata.namespace!, gracePeriodSeconds: 0, preconditions: { uid: pod.metadata.uid! } })
        .then(() => undefined);
    } else if (pod.status?.phase !== 'Running') {
      work = setPodRunning(client, pod, options.ready?.(pod) ?? true);
    }
    if (!work) return;
    inFlight.add(key);
    work
      .catch((err: unknown) => {
        // 404/409: the pod is gone or changed meanwhile; its next event brings it back here.
        if (!isApiStatusError(err) && !signal.aborted) log.warn({ err }, 'fake node agent: request failed');
      })
      .finally(() => inFlight.delete(key));
  };
  informer.addEventHandler({ onAdd: handle, onUpdate: (_old, pod) => handle(pod) });
  await informer.run(signal);
}
