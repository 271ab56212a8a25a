/**
 * @module cloud/health-checker
 *
 * The balancer's health checks, as a cloud load balancer runs them against the health-check node
 * port of a Service with externalTrafficPolicy Local (served by each node's proxy: 200 while the
 * node has a local endpoint, 503 without; proxy/health-check): an HTTP GET to every target every
 * interval, each bounded by a timeout. A target turns healthy after `healthyThreshold` answers of
 * 200 in a row and unhealthy after `unhealthyThreshold` failures in a row (any other status, a
 * refused connection, a timeout), so one lost probe does not flap the backends. A new target is
 * probed at once and counts as unhealthy until it passes.
 */
import http from 'node:http';
import type { Logger } from '../log.js';
import { sleep } from '../util/sleep.js';

export interface HealthTarget {
  /** The node, for status and logs. */
  readonly node: string;
  readonly host: string;
  readonly port: number;
}

export type Health = 'healthy' | 'unhealthy';

export interface HealthCheckSettings {
  /** Between the start of two probes of a target; default 2000 ms. */
  readonly intervalMs?: number;
  /** One probe's limit, connect to last byte; default 1000 ms. */
  readonly timeoutMs?: number;
  /** Passes in a row that make a target healthy; default 1. */
  readonly healthyThreshold?: number;
  /** Failures in a row that make a healthy target unhealthy; default 2. */
  readonly unhealthyThreshold?: number;
}

export interface HealthCheckerOptions extends HealthCheckSettings {
  /** Called after a target's health or the kind of its last answer changed (not for every probe). */
  readonly onChange: () => void;
  readonly log: Logger;
}

/** What `status()` reports for a target. */
export interface TargetHealth {
  readonly health: Health;
  /** The last probe's outcome: "200", "503", "timeout", "ECONNREFUSED", ... */
  readonly last?: string;
}

interface TargetState {
  readonly target: HealthTarget;
  health: Health;
  passes: number;
  failures: number;
  last: string | undefined;
  probing: boolean;
}

const targetKey = (t: HealthTarget): string => `${t.node}|${t.host}:${t.port}`;

export class HealthChecker {
  private readonly intervalMs: number;
  private readonly timeoutMs: number;
  private readonly healthyThreshold: number;
  private readonly unhealthyThreshold: number;
  private readonly targets = new Map<string, TargetState>();
  private signal: AbortSignal | undefined;

  constructor(private readonly options: HealthCheckerOptions) {
    this.intervalMs = options.intervalMs ?? 2000;
    this.timeoutMs = Math.min(options.timeoutMs ?? 1000, this.intervalMs);
    this.healthyThreshold = Math.max(1, options.healthyThreshold ?? 1);
    this.unhealthyThreshold = Math.max(1, options.unhealthyThreshold ?? 2);
  }

  /** Replaces the targets; kept ones keep their health, new ones are probed at once (once running). */
  setTargets(targets: readonly HealthTarget[]): void {
    const wanted = new Map(targets.map((t) => [targetKey(t), t]));
    for (const key of this.targets.keys()) if (!wanted.has(key)) this.targets.delete(key);
    for (const [key, target] of wanted) {
      if (this.targets.has(key)) continue;
      const state: TargetState = { target, health: 'unhealthy', passes: 0, failures: 0, last: undefined, probing: false };
      this.targets.set(key, state);
      if (this.signal) void this.probe(state, this.signal);
    }
  }

  /** A target's health (unhealthy when it is not a target). */
  health(target: HealthTarget): TargetHealth {
    const state = this.targets.get(targetKey(target));
    return state ? { health: state.health, ...(state.last !== undefined && { last: state.last }) } : { health: 'unhealthy' };
  }

  /** Probes every target each interval until `signal` aborts. */
  async run(signal: AbortSignal): Promise<void> {
    this.signal = signal;
    while (!signal.aborted) {
      for (const state of this.targets.values()) void this.probe(state, signal);
      await sleep(this.intervalMs, signal);
    }
  }

  private async probe(state: TargetState, signal: AbortSignal): Promise<void> {
    // A probe still out (a slow target) is not doubled: it ends within the timeout anyway.
    if (state.probing || signal.aborted) return;
    state.probing = true;
    let outcome: string;
    try {
      outcome = await probeOnce(state.target, this.timeoutMs, signal);
    } finally {
      state.probing = false;
    }
    if (signal.aborted || this.targets.get(targetKey(state.target)) !== state) return;
    const before = { health: state.health, last: state.last };
    state.last = outcome;
    if (outcome === '200') {
      state.failures = 0;
      if (++state.passes >= this.healthyThreshold) state.health = 'healthy';
    } else {
      state.passes = 0;
      if (++state.failures >= this.unhealthyThreshold) state.health = 'unhealthy';
    }
    if (state.health !== before.health) {
      const { node, host, port } = state.target;
      this.options.log.info({ node, target: `${host}:${port}`, health: state.health, last: outcome }, 'health check changed');
    }
    // A new kind of answer is news too (a first probe, 503 turning into a timeout): status says why.
    if (state.health !== before.health || outcome !== before.last) this.options.onChange();
  }
}

/** One GET; resolves with the status code as text, or the reason there was none. */
function probeOnce(target: HealthTarget, timeoutMs: number, signal: AbortSignal): Promise<string> {
  return new Promise((resolve) => {
    const req = http.get(
      { host: target.host, port: target.port, path: '/healthz', agent: false, signal: AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]), headers: { 'user-agent': 'tskube-lb-health-check' } },
      (res) => {
        res.resume();
        res.on('end', () => resolve(String(res.statusCode)));
        res.on('error', (err: NodeJS.ErrnoException) => resolve(failure(err)));
      },
    );
    req.on('error', (err: NodeJS.ErrnoException) => resolve(failure(err)));
  });
}

function failure(err: NodeJS.ErrnoException): string {
  if (err.name === 'AbortError' || err.name === 'TimeoutError') return 'timeout';
  return err.code ?? err.message;
}
