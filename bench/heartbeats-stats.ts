/**
 * @module bench/heartbeats-stats
 *
 * What the heartbeat benchmark's children (heartbeats-fleet.ts, heartbeats-controller.ts) and its
 * driver (heartbeats.ts) exchange: the fleet's job, and the answers to the driver's stats queries.
 * A module of its own because the children's modules run their entry point when imported.
 */
import { PerformanceObserver } from 'node:perf_hooks';
import type { ServerStats } from './children.js';

/** The query `BenchChild.stats()` sends (children.ts); the children answer with the types below. */
export const STATS_QUERY = 'stats?';

export interface FleetJob {
  readonly kubeconfig: string;
  /** Nodes in the whole benchmark; this process runs those whose index % processes === index. */
  readonly totalNodes: number;
  readonly processes: number;
  readonly index: number;
  /** Node i (of the whole fleet) starts i × spanMs / totalNodes after the schedule begins. */
  readonly spanMs: number;
  readonly zones: readonly string[];
}

/** What a node's client sends: the two heartbeats' writes, the status loop's GET, and registration. */
export type RequestKind = 'leaseRenew' | 'statusWrite' | 'statusGet' | 'register';
export const REQUEST_KINDS: readonly RequestKind[] = ['leaseRenew', 'statusWrite', 'statusGet', 'register'];

export interface Counters {
  leaseOk: number;
  leaseFailed: number;
  statusOk: number;
  statusFailed: number;
}

/** Garbage collection since the previous query: pauses in total and the longest one (ms). */
export interface GcStats {
  readonly count: number;
  readonly totalMs: number;
  readonly maxMs: number;
}

export interface FleetStats extends ServerStats {
  /** When the counters were read (ms since the epoch, sub-millisecond): rates use the fleet's own clock. */
  readonly atMs: number;
  readonly nodes: number;
  readonly started: number;
  /** Nodes whose first lease renewal and first status heartbeat both succeeded. */
  readonly registered: number;
  /** Milliseconds from the schedule's start to the last node's registration (0: none yet). */
  readonly lastRegisteredAtMs: number;
  /** Heartbeat outcomes (`onHeartbeat`), since start. */
  readonly heartbeats: Counters;
  /** Requests answered (any HTTP status below 400, or 404 on a GET) and failed, since start. */
  readonly requests: Record<RequestKind, { ok: number; failed: number }>;
  /** Since the previous query: each node's start-to-registered time, and each answered request's latency (ms). */
  readonly registrationMs: number[];
  readonly latencyMs: Record<RequestKind, number[]>;
  /** Since the previous query: the longest time between two successful lease renewals of one node (ms). */
  readonly longestLeaseGapMs: number;
  /** Open HTTP/2 sessions and dials over every node's client. */
  readonly sessions: number;
  readonly dials: number;
  /** Failures since start by kind (node names masked), with their counts; at most 20 kinds. */
  readonly errors: Record<string, number>;
  /** V8 heap in use, and memory outside it (TLS and HTTP/2 buffers among it). */
  readonly heapUsedMiB: number;
  readonly externalMiB: number;
  readonly gc: GcStats;
}

export interface HeartbeatServerStats extends ServerStats {
  /** Since the previous query: how long each storage write took, its wait for the group commit included (ms). */
  readonly txnMs: number[];
  readonly gc: GcStats;
  readonly heapUsedMiB: number;
  readonly externalMiB: number;
}

export interface ControllerStats extends ServerStats {
  /** The node lifecycle controller's own counters (undefined until it started). */
  readonly notReadyTransitions?: number;
  readonly evictions?: number;
  /** From the benchmark's node informer: */
  readonly nodes: number;
  readonly ready: number;
  /** Nodes whose Ready condition was seen going from True to NotReady or Unknown, since start. */
  readonly everNotReady: number;
  /** Nodes not Ready now (NotReady, Unknown, or no Ready condition yet). */
  readonly notReadyNow: number;
  /** Of those, the ones never seen going from Ready to not Ready (never Ready at all). */
  readonly neverReady: number;
  /** Nodes that ever carried the not-ready or unreachable taint, and those that carry one now. */
  readonly everTainted: number;
  readonly taintedNow: number;
  /** Names of up to 10 nodes that went NotReady/Unknown, with the condition's reason. */
  readonly notReadyExamples: string[];
}

/** Counts this process's garbage-collection pauses; `take()` returns those since the previous call. */
export function gcMeter(): { take(): GcStats } {
  let count = 0;
  let totalMs = 0;
  let maxMs = 0;
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      count++;
      totalMs += e.duration;
      maxMs = Math.max(maxMs, e.duration);
    }
  }).observe({ entryTypes: ['gc'] });
  return {
    take() {
      const stats = { count, totalMs: Math.round(totalMs), maxMs: Math.round(maxMs) };
      count = totalMs = maxMs = 0;
      return stats;
    },
  };
}

/** The V8 heap in use, and memory outside it (TLS and HTTP/2 buffers among it), in MiB. */
export function heapFigures(): { heapUsedMiB: number; externalMiB: number } {
  const m = process.memoryUsage();
  return { heapUsedMiB: Math.round(m.heapUsed / 2 ** 20), externalMiB: Math.round((m.external + m.arrayBuffers) / 2 ** 20) };
}
