/**
 * @module kubelet/heartbeat
 *
 * A node agent's two heartbeats, as upstream's kubelet sends them:
 *   - the Lease in kube-node-lease, renewed every quarter of its duration (10 s of 40 s): cheap,
 *     and what the node lifecycle controller mostly watches;
 *   - NodeStatus, computed every --node-status-update-frequency (10 s) and written when something
 *     changed or at least every --node-status-report-frequency (5 m).
 * Each write is tried up to nodeStatusUpdateRetry (5) times, every request bounded by the
 * heartbeat timeout. From the second failed try on, the agent closes every connection to the API
 * server so the next try dials anew: a connection the network silently stopped forwarding (seed
 * 000) would otherwise carry every retry into the same black hole until the node is evicted.
 */
import type { Lease } from 'kubernetes-types/coordination/v1.js';
import type { NodeStatus } from 'kubernetes-types/core/v1.js';
import type { Logger } from '../log.js';
import { withDeadline } from '../util/deadline.js';
import { sleep } from '../util/sleep.js';
import type { HeartbeatApi } from './api.js';
import { healthyConditions, nodeObject, nodeStatus, statusChanged, type NodeIdentity } from './node-object.js';

export interface HeartbeatOptions {
  readonly api: HeartbeatApi;
  readonly node: NodeIdentity;
  readonly log: Logger;
  /** --node-status-update-frequency (10 s). */
  readonly nodeStatusUpdateFrequencyMs?: number;
  /** --node-status-report-frequency (5 m). */
  readonly nodeStatusReportFrequencyMs?: number;
  /** --node-lease-duration-seconds (40). */
  readonly leaseDurationSeconds?: number;
  /** Timeout of one heartbeat request (upstream: the status update frequency). */
  readonly requestTimeoutMs?: number;
  readonly now?: () => Date;
  /** Told about every heartbeat outcome, for tests, metrics and scenario reports. */
  readonly onHeartbeat?: (kind: 'lease' | 'status', ok: boolean, error?: unknown) => void;
}

export const NODE_STATUS_UPDATE_RETRY = 5;
const LEASE_NAMESPACE = 'kube-node-lease';

export class NodeHeartbeat {
  private readonly api: HeartbeatApi;
  private readonly updateFrequencyMs: number;
  private readonly reportFrequencyMs: number;
  private readonly leaseDurationSeconds: number;
  private readonly requestTimeoutMs: number;
  private readonly now: () => Date;
  private lastStatus: NodeStatus | undefined;
  private lastReportedAt = 0;
  private lease: Lease | undefined;

  constructor(private readonly options: HeartbeatOptions) {
    this.api = options.api;
    this.updateFrequencyMs = options.nodeStatusUpdateFrequencyMs ?? 10_000;
    this.reportFrequencyMs = options.nodeStatusReportFrequencyMs ?? 5 * 60_000;
    this.leaseDurationSeconds = options.leaseDurationSeconds ?? 40;
    this.requestTimeoutMs = options.requestTimeoutMs ?? this.updateFrequencyMs;
    this.now = options.now ?? (() => new Date());
  }

  /** Registers the node, then renews the lease and reports status until the signal aborts. */
  async run(signal: AbortSignal): Promise<void> {
    await this.register(signal);
    await Promise.all([this.leaseLoop(signal), this.statusLoop(signal)]);
  }

  private async register(signal: AbortSignal): Promise<void> {
    const { name } = this.options.node;
    for (let attempt = 0; !signal.aborted; attempt++) {
      try {
        const existing = await this.call(signal, (s) => this.api.getNode(name, s));
        if (!existing) await this.call(signal, (s) => this.api.createNode(nodeObject(this.options.node), s));
        this.lastStatus = existing?.status;
        return;
      } catch (err) {
        if (signal.aborted) return;
        this.options.log.warn({ err, node: name, attempt }, 'node registration failed; retrying');
        if (attempt > 0) this.api.closeAllConnections();
        await sleep(Math.min(7_000, 200 * 2 ** attempt), signal);
      }
    }
  }

  private async leaseLoop(signal: AbortSignal): Promise<void> {
    const interval = (this.leaseDurationSeconds * 1000) / 4;
    while (!signal.aborted) {
      const started = Date.now();
      await this.withRetries('lease', signal, () => this.renewLease(signal));
      await sleep(Math.max(0, interval - (Date.now() - started)), signal);
    }
  }

  private async statusLoop(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      const started = Date.now();
      await this.withRetries('status', signal, async () => {
        // Compared against the server's copy, as the kubelet does: the node lifecycle controller
        // may have set the conditions to Unknown while we could not reach the server.
        const current = await this.call(signal, (s) => this.api.getNode(this.options.node.name, s));
        if (current?.status) this.lastStatus = current.status;
        const next = nodeStatus(this.options.node, healthyConditions(), this.lastStatus, this.now());
        if (!statusChanged(this.lastStatus, next) && Date.now() - this.lastReportedAt < this.reportFrequencyMs) return;
        const node = await this.call(signal, (s) => this.api.patchNodeStatus(this.options.node.name, { status: next }, s));
        this.lastStatus = node.status ?? next;
        this.lastReportedAt = Date.now();
      });
      await sleep(Math.max(0, this.updateFrequencyMs - (Date.now() - started)), signal);
    }
  }

  private async renewLease(signal: AbortSignal): Promise<void> {
    const { name } = this.options.node;
    const renewTime = microTime(this.now());
    if (!this.lease) {
      this.lease = await this.call(signal, (s) => this.api.getLease(LEASE_NAMESPACE, name, s));
      if (!this.lease) {
        const lease: Lease = {
          apiVersion: 'coordination.k8s.io/v1',
          kind: 'Lease',
          metadata: { name, namespace: LEASE_NAMESPACE },
          spec: { holderIdentity: name, leaseDurationSeconds: this.leaseDurationSeconds, renewTime },
        };
        this.lease = await this.call(signal, (s) => this.api.createLease(lease, s));
        return;
      }
    }
    const current = this.lease;
    const renewed: Lease = { ...current, spec: { ...current.spec, holderIdentity: name, leaseDurationSeconds: this.leaseDurationSeconds, renewTime } };
    try {
      this.lease = await this.call(signal, (s) => this.api.updateLease(renewed, s));
    } catch (err) {
      // A stale copy (409) or a lease someone deleted (404): read it again on the next try.
      this.lease = undefined;
      throw err;
    }
  }

  /** Up to nodeStatusUpdateRetry tries; from the second failure on, every connection is dropped. */
  private async withRetries(kind: 'lease' | 'status', signal: AbortSignal, write: () => Promise<void>): Promise<void> {
    for (let attempt = 0; attempt < NODE_STATUS_UPDATE_RETRY && !signal.aborted; attempt++) {
      try {
        await write();
        this.options.onHeartbeat?.(kind, true);
        return;
      } catch (err) {
        if (signal.aborted) return;
        this.options.onHeartbeat?.(kind, false, err);
        this.options.log.warn({ err: errorText(err), node: this.options.node.name, kind, attempt }, 'heartbeat failed');
        if (attempt > 0) this.api.closeAllConnections();
      }
    }
  }

  /** One API call, bounded by the heartbeat timeout. */
  private call<T>(signal: AbortSignal, request: (signal: AbortSignal) => Promise<T>): Promise<T> {
    return withDeadline(signal, this.requestTimeoutMs, request);
  }
}

/** metav1.MicroTime: RFC 3339 with microseconds. */
export function microTime(date: Date): string {
  return date.toISOString().replace(/(\.\d{3})Z$/, '$1000Z');
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
