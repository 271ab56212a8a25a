/**
 * @module apiserver/printers/pods
 *
 * The pod printer: NAME READY STATUS RESTARTS AGE, plus IP, NODE, NOMINATED NODE and READINESS
 * GATES for `-o wide`. STATUS is the column people read most, and upstream derives it from
 * several places (phase, status.reason, init and app container states, the Initialized and Ready
 * conditions, deletion); {@link podStatusSummary} walks them in upstream's order so a pod reads
 * the same here as on a real cluster ("Init:1/2", "CrashLoopBackOff", "Terminating", ...).
 */
import type { Container, ContainerStatus, Pod, PodCondition } from 'kubernetes-types/core/v1.js';
import { ageColumn, column, nameColumn, wideColumn } from './columns.js';
import { isDeleting, isSet, nonEmpty } from './format.js';
import { humanDuration, parseTimestamp, translateTimestampSince } from './human-duration.js';
import type { PrintContext, TableCell, TablePrinter, TableRowCondition } from './types.js';

/** status.reason the node lifecycle controller sets on pods of an unreachable node. */
const NODE_UNREACHABLE_POD_REASON = 'NodeLost';

/** What the READY, STATUS and RESTARTS cells are built from. */
export interface PodStatusSummary {
  /** Ready containers (app containers and started sidecars). */
  readonly ready: number;
  /** App containers plus restartable init containers (sidecars). */
  readonly total: number;
  /** The STATUS cell. */
  readonly reason: string;
  readonly restarts: number;
  /** Epoch ms of the latest container termination counted in `restarts`, if any. */
  readonly lastRestartMs: number | undefined;
}

/** A sidecar: an init container with restartPolicy Always keeps running beside the app containers. */
function isRestartableInitContainer(container: Container | undefined): boolean {
  return container?.restartPolicy === 'Always';
}

function conditionIsTrue(conditions: readonly PodCondition[] | undefined, type: string): boolean {
  // Upstream looks at the first condition of the type only.
  const found = (conditions ?? []).find((c) => c.type === type);
  return found?.status === 'True';
}

function hasReadyCondition(conditions: readonly PodCondition[] | undefined): boolean {
  // Unlike the Initialized check, any Ready=True condition counts here (upstream scans them all).
  return (conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
}

/** Latest of `current` and the status's last termination time. */
function laterRestart(current: number | undefined, status: ContainerStatus): number | undefined {
  const finished = parseTimestamp(status.lastState?.terminated?.finishedAt);
  if (finished === undefined) return current;
  return current === undefined || finished > current ? finished : current;
}

/** Computes READY, STATUS and RESTARTS the way upstream's printPod does. */
export function podStatusSummary(pod: Pod): PodStatusSummary {
  const spec = pod.spec;
  const status = pod.status ?? {};
  const phase = status.phase ?? '';

  let reason = nonEmpty(status.reason) ? status.reason : phase;
  for (const condition of status.conditions ?? []) {
    if (condition.type === 'PodScheduled' && condition.reason === 'SchedulingGated') reason = 'SchedulingGated';
  }

  const initSpecs = spec?.initContainers ?? [];
  const initByName = new Map<string, Container>(initSpecs.map((c) => [c.name, c]));
  const total = (spec?.containers ?? []).length + initSpecs.filter(isRestartableInitContainer).length;

  let ready = 0;
  let restarts = 0;
  let lastRestartMs: number | undefined;
  let sidecarRestarts = 0;
  let lastSidecarRestartMs: number | undefined;
  let initializing = false;

  const initStatuses = status.initContainerStatuses ?? [];
  for (const [index, cs] of initStatuses.entries()) {
    restarts += cs.restartCount ?? 0;
    lastRestartMs = laterRestart(lastRestartMs, cs);
    const sidecar = isRestartableInitContainer(initByName.get(cs.name));
    if (sidecar) {
      sidecarRestarts += cs.restartCount ?? 0;
      lastSidecarRestartMs = laterRestart(lastSidecarRestartMs, cs);
    }

    const terminated = cs.state?.terminated;
    const waitingReason = cs.state?.waiting?.reason;
    if (isSet(terminated) && (terminated.exitCode ?? 0) === 0) continue;
    if (sidecar && cs.started === true) {
      if (cs.ready) ready++;
      continue;
    }
    // The first init container that has not finished decides the status; later ones have not run.
    if (isSet(terminated)) {
      if (nonEmpty(terminated.reason)) {
        reason = `Init:${terminated.reason}`;
      } else {
        reason = terminated.signal ? `Init:Signal:${terminated.signal}` : `Init:ExitCode:${terminated.exitCode ?? 0}`;
      }
    } else if (nonEmpty(waitingReason) && waitingReason !== 'PodInitializing') {
      reason = `Init:${waitingReason}`;
    } else {
      reason = `Init:${index}/${initSpecs.length}`;
    }
    initializing = true;
    break;
  }

  if (!initializing || conditionIsTrue(status.conditions, 'Initialized')) {
    // Once initialised, only sidecar restarts still matter among init containers.
    restarts = sidecarRestarts;
    lastRestartMs = lastSidecarRestartMs;
    let hasRunning = false;
    const statuses = status.containerStatuses ?? [];
    // Walk backwards so the first container with a problem is the one whose reason sticks.
    for (let i = statuses.length - 1; i >= 0; i--) {
      const cs = statuses[i];
      if (cs === undefined) continue;
      restarts += cs.restartCount ?? 0;
      lastRestartMs = laterRestart(lastRestartMs, cs);
      const terminated = cs.state?.terminated;
      const waitingReason = cs.state?.waiting?.reason;
      const terminatedReason = terminated?.reason;
      if (nonEmpty(waitingReason)) {
        reason = waitingReason;
      } else if (nonEmpty(terminatedReason)) {
        reason = terminatedReason;
      } else if (isSet(terminated)) {
        reason = terminated.signal ? `Signal:${terminated.signal}` : `ExitCode:${terminated.exitCode ?? 0}`;
      } else if (cs.ready && isSet(cs.state?.running)) {
        hasRunning = true;
        ready++;
      }
    }
    // "Completed" from one container is wrong while another container is still running.
    if (reason === 'Completed' && hasRunning) {
      reason = hasReadyCondition(status.conditions) ? 'Running' : 'NotReady';
    }
  }

  if (isDeleting(pod.metadata) && status.reason === NODE_UNREACHABLE_POD_REASON) {
    reason = 'Unknown';
  } else if (isDeleting(pod.metadata) && phase !== 'Succeeded' && phase !== 'Failed') {
    reason = 'Terminating';
  }

  return { ready, total, reason, restarts, lastRestartMs };
}

/** The RESTARTS cell: "0", "4", or "4 (5m ago)" when the last restart time is known. */
export function restartsCell(summary: PodStatusSummary, now: number): string {
  if (summary.restarts !== 0 && summary.lastRestartMs !== undefined) {
    return `${summary.restarts} (${humanDuration(now - summary.lastRestartMs)} ago)`;
  }
  return String(summary.restarts);
}

function readinessGatesCell(pod: Pod): string {
  const gates = pod.spec?.readinessGates ?? [];
  if (gates.length === 0) return '<none>';
  const conditions = pod.status?.conditions ?? [];
  let satisfied = 0;
  for (const gate of gates) {
    const condition = conditions.find((c) => c.type === gate.conditionType);
    if (condition?.status === 'True') satisfied++;
  }
  return `${satisfied}/${gates.length}`;
}

function podIP(pod: Pod): string {
  // The v1 → internal conversion fills podIPs from podIP when only the latter is set.
  const first = pod.status?.podIPs?.[0]?.ip ?? pod.status?.podIP ?? '';
  return first === '' ? '<none>' : first;
}

function orNone(value: string | undefined): string {
  return nonEmpty(value) ? value : '<none>';
}

const COMPLETED_MESSAGES: Readonly<Record<string, string>> = {
  Succeeded: 'The pod has completed successfully.',
  Failed: 'The pod failed.',
};

export const podPrinter: TablePrinter<Pod> = {
  columns: [
    nameColumn(),
    column('Ready', 'string', 'The aggregate readiness state of this pod for accepting traffic.'),
    column('Status', 'string', 'The aggregate status of the containers in this pod.'),
    column(
      'Restarts',
      'string',
      'The number of times the containers in this pod have been restarted and when the last container in this pod ' +
        'has restarted.',
    ),
    ageColumn,
    wideColumn('IP', 'string', 'IP address allocated to the pod. Routable at least within the cluster.'),
    wideColumn('Node', 'string', 'NodeName is the name of the node this pod is scheduled onto.'),
    wideColumn('Nominated Node', 'string', 'The node the scheduler nominated for this pod after preemption.'),
    wideColumn('Readiness Gates', 'string', 'Readiness gates whose conditions are true, out of all gates.'),
  ],
  cells(pod: Pod, ctx: PrintContext): TableCell[] {
    const summary = podStatusSummary(pod);
    return [
      pod.metadata?.name ?? '',
      `${summary.ready}/${summary.total}`,
      summary.reason,
      restartsCell(summary, ctx.now),
      translateTimestampSince(pod.metadata?.creationTimestamp, ctx.now),
      podIP(pod),
      orNone(pod.spec?.nodeName),
      orNone(pod.status?.nominatedNodeName),
      readinessGatesCell(pod),
    ];
  },
  conditions(pod: Pod): TableRowCondition[] | undefined {
    // Marks finished pods so clients can tell them from live ones without parsing STATUS.
    const phase = pod.status?.phase;
    const message = phase === undefined ? undefined : COMPLETED_MESSAGES[phase];
    if (phase === undefined || message === undefined) return undefined;
    return [{ type: 'Completed', status: 'True', reason: phase, message }];
  },
};
