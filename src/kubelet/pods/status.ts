/**
 * @module kubelet/pods/status
 *
 * The Pod status the node agent reports, computed from what its workers know, as upstream's
 * kubelet computes it (generateAPIPodStatus / getPhase / the condition generators): container
 * statuses with state and lastState, the phase, and the conditions PodReadyToStartContainers,
 * Initialized, ContainersReady and Ready with upstream's reasons and messages. Pure functions;
 * the worker decides when to write.
 */
import { createHash } from 'node:crypto';
import type { Container, ContainerState as ApiContainerState, ContainerStatus, Pod, PodCondition, PodSpec } from 'kubernetes-types/core/v1.js';
import type { RuntimeContainer } from '../runtime/interface.js';
import { metaTime } from '../../api/time.js';
import { parseQuantity } from '../../api/quantity.js';

/** What the worker knows of one container, enough for its status. */
export interface ContainerView {
  readonly name: string;
  readonly image: string;
  /** The latest run, running or exited. */
  readonly current?: RuntimeContainer;
  /** The run before it, if it exited (lastState). */
  readonly previous?: RuntimeContainer;
  readonly restartCount: number;
  /** Why it is not running (ContainerCreating, PodInitializing, CrashLoopBackOff, ...). */
  readonly waiting?: { readonly reason: string; readonly message?: string };
  /** The current run will be started again (its exit shows as lastState, not state). */
  readonly restartPending: boolean;
  readonly ready: boolean;
  readonly started: boolean;
}

export const CONTAINER_ID_SCHEME = 'tskube://';

/** A stable digest-style image id: tskube has no registry, so the digest is of the name. */
export function imageID(image: string): string {
  return `${image.split('@')[0]}@sha256:${createHash('sha256').update(image).digest('hex')}`;
}

function terminated(c: RuntimeContainer): ApiContainerState | undefined {
  const s = c.status;
  if (s.state !== 'exited') return undefined;
  return {
    terminated: {
      exitCode: s.exitCode,
      reason: s.reason,
      ...(s.message && { message: s.message }),
      ...(s.signal && { signal: signalNumber(s.signal) }),
      startedAt: metaTime(s.startedAt),
      finishedAt: metaTime(s.finishedAt),
      containerID: CONTAINER_ID_SCHEME + c.id,
    },
  };
}

function signalNumber(signal: string): number {
  const numbers: Record<string, number> = { SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGKILL: 9, SIGTERM: 15 };
  return numbers[signal] ?? 0;
}

export function containerStatus(v: ContainerView): ContainerStatus {
  const running = v.current?.status.state === 'running';
  let state: ApiContainerState;
  let lastState: ApiContainerState = {};
  if (v.waiting) {
    state = { waiting: { reason: v.waiting.reason, ...(v.waiting.message && { message: v.waiting.message }) } };
    lastState = (v.restartPending && v.current ? terminated(v.current) : undefined) ?? (v.previous ? (terminated(v.previous) ?? {}) : {});
  } else if (v.current && running) {
    state = { running: { startedAt: metaTime(v.current.status.startedAt) } };
    lastState = v.previous ? (terminated(v.previous) ?? {}) : {};
  } else if (v.current) {
    state = terminated(v.current) ?? {};
    lastState = v.previous ? (terminated(v.previous) ?? {}) : {};
  } else {
    state = { waiting: { reason: 'ContainerCreating' } };
  }
  return {
    name: v.name,
    image: v.image,
    imageID: v.current ? imageID(v.image) : '',
    ...(v.current && { containerID: CONTAINER_ID_SCHEME + v.current.id }),
    ready: running && v.ready,
    started: running && v.started,
    restartCount: v.restartCount,
    state,
    lastState,
  };
}

/** A container status counts as succeeded-and-done when it terminated with 0 (init containers). */
export const succeeded = (s: ContainerStatus): boolean => s.state?.terminated?.exitCode === 0;

/** upstream's getPhase, for restartPolicy Always / OnFailure / Never. */
export function podPhase(spec: PodSpec, init: readonly ContainerStatus[], regular: readonly ContainerStatus[], opts: { initFailed: boolean; terminal: boolean }): NonNullable<Pod['status']>['phase'] {
  if (opts.initFailed) return 'Failed';
  const initDone = init.every(succeeded);
  let running = 0;
  let waiting = 0;
  let stopped = 0;
  let ok = 0;
  for (const s of regular) {
    if (s.state?.running) running++;
    else if (s.state?.terminated) {
      stopped++;
      if (s.state.terminated.exitCode === 0) ok++;
    } else if (s.lastState?.terminated) {
      stopped++;
      if (s.lastState.terminated.exitCode === 0) ok++;
    } else waiting++;
  }
  if (opts.terminal) return stopped > 0 && stopped === ok && running === 0 && waiting === 0 ? 'Succeeded' : 'Failed';
  if (!initDone) return 'Pending';
  if (waiting > 0) return 'Pending';
  if (running > 0) return 'Running';
  if (stopped > 0) {
    const policy = spec.restartPolicy ?? 'Always';
    if (policy === 'Always') return 'Running';
    if (stopped === ok) return 'Succeeded';
    if (policy === 'Never') return 'Failed';
    return 'Running';
  }
  return 'Pending';
}

const KUBELET_CONDITIONS = new Set(['PodReadyToStartContainers', 'Initialized', 'ContainersReady', 'Ready']);

/**
 * Every condition the pod should carry: the kubelet's four, computed, and anyone else's
 * (PodScheduled, DisruptionTarget, readiness gates' own) as they are. A condition keeps its
 * lastTransitionTime while its status does not change.
 */
export function podConditions(
  pod: Pod,
  facts: { sandboxReady: boolean; init: readonly ContainerStatus[]; regular: readonly ContainerStatus[]; phase: string | undefined },
  now: Date,
): PodCondition[] {
  const previous = new Map((pod.status?.conditions ?? []).map((c) => [c.type, c]));
  const completed = facts.phase === 'Succeeded';
  const list = (names: string[]) => `[${names.join(' ')}]`;
  const out: PodCondition[] = [];
  const add = (type: string, ok: boolean, reason?: string, message?: string) => {
    const status = ok ? 'True' : 'False';
    const old = previous.get(type);
    out.push({
      type,
      status,
      lastTransitionTime: old && old.status === status && old.lastTransitionTime ? old.lastTransitionTime : metaTime(now),
      ...(reason && { reason }),
      ...(message && { message }),
    });
  };

  add('PodReadyToStartContainers', facts.sandboxReady);

  const incomplete = facts.init.filter((s) => !succeeded(s)).map((s) => s.name);
  if (completed && incomplete.length === 0) add('Initialized', true, 'PodCompleted');
  else if (incomplete.length === 0) add('Initialized', true);
  else add('Initialized', false, 'ContainersNotInitialized', `containers with incomplete status: ${list(incomplete)}`);

  const unready = facts.regular.filter((s) => !s.ready).map((s) => s.name);
  if (completed) {
    add('ContainersReady', false, 'PodCompleted');
    add('Ready', false, 'PodCompleted');
  } else if (unready.length > 0) {
    add('ContainersReady', false, 'ContainersNotReady', `containers with unready status: ${list(unready)}`);
    add('Ready', false, 'ContainersNotReady', `containers with unready status: ${list(unready)}`);
  } else {
    add('ContainersReady', true);
    const gate = readinessGatesMessage(pod);
    if (gate) add('Ready', false, 'ReadinessGatesNotReady', gate);
    else add('Ready', true);
  }

  for (const c of pod.status?.conditions ?? []) if (!KUBELET_CONDITIONS.has(c.type)) out.unshift(c);
  return out;
}

function readinessGatesMessage(pod: Pod): string | undefined {
  const conditions = new Map((pod.status?.conditions ?? []).map((c) => [c.type, c]));
  const problems: string[] = [];
  for (const gate of pod.spec?.readinessGates ?? []) {
    const c = conditions.get(gate.conditionType);
    if (!c) problems.push(`corresponding condition of pod readiness gate "${gate.conditionType}" does not exist.`);
    else if (c.status !== 'True') problems.push(`the status of pod readiness gate "${gate.conditionType}" is not "True", but ${c.status}`);
  }
  return problems.length > 0 ? problems.join(', ') : undefined;
}

/** upstream's QoS classes: Guaranteed (limits = requests for cpu and memory everywhere), BestEffort (nothing set), else Burstable. */
export function qosClass(spec: PodSpec): 'Guaranteed' | 'Burstable' | 'BestEffort' {
  const containers: Container[] = [...(spec.initContainers ?? []), ...(spec.containers ?? [])];
  let any = false;
  let guaranteed = true;
  for (const c of containers) {
    const requests = c.resources?.requests ?? {};
    const limits = c.resources?.limits ?? {};
    for (const r of ['cpu', 'memory']) {
      const req = requests[r];
      const lim = limits[r];
      if ((req !== undefined && parseQuantity(req) !== 0) || (lim !== undefined && parseQuantity(lim) !== 0)) any = true;
      if (lim === undefined || (req !== undefined && parseQuantity(req) !== parseQuantity(lim))) guaranteed = false;
    }
  }
  if (!any) return 'BestEffort';
  return guaranteed ? 'Guaranteed' : 'Burstable';
}
