/**
 * @module kubelet/pods/prober
 *
 * One container's probes, with upstream's semantics:
 *   - startupProbe: until it succeeds the container is not `started` and neither liveness nor
 *     readiness runs; failureThreshold failures in a row kill it (restart per policy);
 *   - livenessProbe: failureThreshold failures in a row kill it ("failed liveness probe, will be
 *     restarted"); it is considered healthy until then;
 *   - readinessProbe: the container is not ready until successThreshold successes in a row, and
 *     becomes unready after failureThreshold failures in a row.
 * Every failed probe is an Unhealthy event. Each probe waits initialDelaySeconds from the
 * container's start, then runs every periodSeconds with timeoutSeconds. On a runtime without
 * processes (simulated) probes are not run and count as succeeding, as KWOK does.
 */
import type { Probe } from 'kubernetes-types/core/v1.js';
import { sleep } from '../../util/sleep.js';
import { runExec, runHttpGet, runTcpSocket, type HandlerResult, type HandlerTarget } from './handlers.js';

export type ProbeKind = 'Startup' | 'Liveness' | 'Readiness';

export interface ProberEvents {
  /** started or ready changed: the pod's status is due. */
  onChange(): void;
  /** A probe failed (Unhealthy event). */
  onUnhealthy(kind: ProbeKind, message: string): void;
  /** Liveness or startup gave up: kill and restart the container. */
  onFailed(kind: 'Startup' | 'Liveness', message: string): void;
}

interface ProbeSettings {
  readonly initialDelayMs: number;
  readonly periodMs: number;
  readonly timeoutMs: number;
  readonly successThreshold: number;
  readonly failureThreshold: number;
}

function settings(probe: Probe): ProbeSettings {
  return {
    initialDelayMs: (probe.initialDelaySeconds ?? 0) * 1000,
    periodMs: Math.max(1, probe.periodSeconds ?? 10) * 1000,
    timeoutMs: Math.max(1, probe.timeoutSeconds ?? 1) * 1000,
    successThreshold: Math.max(1, probe.successThreshold ?? 1),
    failureThreshold: Math.max(1, probe.failureThreshold ?? 3),
  };
}

export class ContainerProber {
  private startedFlag: boolean;
  private readyFlag: boolean;
  private readonly stop = new AbortController();
  private startupDone: Promise<void>;
  private markStarted: () => void = () => {};

  constructor(
    private readonly target: HandlerTarget,
    private readonly startedAt: Date,
    private readonly events: ProberEvents,
    /** False on a runtime without processes: every probe counts as passing. */
    private readonly runProbes: boolean,
  ) {
    const c = target.container;
    const probesStartup = runProbes && c.startupProbe !== undefined;
    this.startedFlag = !probesStartup;
    this.readyFlag = !(runProbes && c.readinessProbe !== undefined) && this.startedFlag;
    this.startupDone = this.startedFlag ? Promise.resolve() : new Promise((resolve) => (this.markStarted = resolve));
  }

  get started(): boolean {
    return this.startedFlag;
  }

  get ready(): boolean {
    return this.readyFlag;
  }

  /** Starts the probe loops; they end when stopped or the parent signal aborts. */
  start(parent: AbortSignal): void {
    const onAbort = () => this.stop.abort();
    parent.addEventListener('abort', onAbort, { once: true });
    this.stop.signal.addEventListener('abort', () => parent.removeEventListener('abort', onAbort), { once: true });
    const c = this.target.container;
    if (!this.runProbes) return;
    if (c.startupProbe) void this.loop('Startup', c.startupProbe);
    if (c.livenessProbe) void this.loop('Liveness', c.livenessProbe);
    if (c.readinessProbe) void this.loop('Readiness', c.readinessProbe);
  }

  /** Stops every probe (the container exited or is being stopped). */
  close(): void {
    this.stop.abort();
  }

  private async loop(kind: ProbeKind, probe: Probe): Promise<void> {
    const signal = this.stop.signal;
    const s = settings(probe);
    if (kind !== 'Startup') await Promise.race([this.startupDone, new Promise((r) => signal.addEventListener('abort', r, { once: true }))]);
    const delay = this.startedAt.getTime() + s.initialDelayMs - Date.now();
    if (delay > 0) await sleep(delay, signal);
    let successes = 0;
    let failures = 0;
    while (!signal.aborted) {
      const result = await this.probeOnce(probe, s.timeoutMs);
      if (signal.aborted) return;
      if (result.ok) {
        successes++;
        failures = 0;
        if (kind === 'Startup') {
          this.startedFlag = true;
          // Readiness without a probe follows "started".
          if (!this.target.container.readinessProbe) this.readyFlag = true;
          this.markStarted();
          this.events.onChange();
          return;
        }
        if (kind === 'Readiness' && !this.readyFlag && successes >= s.successThreshold) {
          this.readyFlag = true;
          this.events.onChange();
        }
      } else {
        failures++;
        successes = 0;
        this.events.onUnhealthy(kind, result.message);
        if (failures >= s.failureThreshold) {
          if (kind === 'Readiness') {
            if (this.readyFlag) {
              this.readyFlag = false;
              this.events.onChange();
            }
          } else {
            this.events.onFailed(kind, result.message);
            return;
          }
        }
      }
      await sleep(s.periodMs, signal);
    }
  }

  private async probeOnce(probe: Probe, timeoutMs: number): Promise<HandlerResult> {
    if (probe.httpGet) return runHttpGet(probe.httpGet, this.target, timeoutMs);
    if (probe.tcpSocket) return runTcpSocket(probe.tcpSocket, this.target, timeoutMs);
    if (probe.exec) return runExec(probe.exec, this.target, timeoutMs);
    // gRPC probes are not implemented yet: count them as passing rather than kill a container.
    return { ok: true, message: '' };
  }
}
