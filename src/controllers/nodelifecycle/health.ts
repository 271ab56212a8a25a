/**
 * @module controllers/nodelifecycle/health
 *
 * Judges node health by when THIS controller observed a heartbeat, on its own monotonic clock —
 * never by comparing a timestamp written on another machine with this one's wall clock (seed
 * 002: skew or a slow list-watch then looks like a dead node). A heartbeat is a Lease whose
 * renewTime changed, or a Ready condition whose lastHeartbeatTime changed.
 */

export interface Observation {
  /** The node Lease's spec.renewTime as the controller saw it, if any. */
  readonly leaseRenewTime?: string | undefined;
  /** The Ready condition's lastHeartbeatTime, if any. */
  readonly readyHeartbeatTime?: string | undefined;
}

interface Probe {
  leaseRenewTime: string | undefined;
  readyHeartbeatTime: string | undefined;
  /** Monotonic milliseconds when a heartbeat was last observed. */
  observedAt: number;
  /** Whether the node ever reported (else the startup grace period applies). */
  everReported: boolean;
}

export type Health = 'Healthy' | 'Silent';

export class NodeHealthTracker {
  private readonly probes = new Map<string, Probe>();

  constructor(private readonly monotonicNow: () => number = () => performance.now()) {}

  /** Records what the controller sees of a node now; any change counts as a heartbeat. */
  observe(node: string, seen: Observation): void {
    const now = this.monotonicNow();
    const probe = this.probes.get(node);
    if (!probe) {
      this.probes.set(node, {
        leaseRenewTime: seen.leaseRenewTime,
        readyHeartbeatTime: seen.readyHeartbeatTime,
        observedAt: now,
        everReported: seen.leaseRenewTime !== undefined || seen.readyHeartbeatTime !== undefined,
      });
      return;
    }
    const leaseChanged = seen.leaseRenewTime !== undefined && seen.leaseRenewTime !== probe.leaseRenewTime;
    const statusChanged = seen.readyHeartbeatTime !== undefined && seen.readyHeartbeatTime !== probe.readyHeartbeatTime;
    if (leaseChanged || statusChanged) {
      probe.observedAt = now;
      probe.everReported = true;
    }
    probe.leaseRenewTime = seen.leaseRenewTime ?? probe.leaseRenewTime;
    probe.readyHeartbeatTime = seen.readyHeartbeatTime ?? probe.readyHeartbeatTime;
  }

  /** Healthy while the last observed heartbeat is within the grace period (startup grace if it never reported). */
  judge(node: string, graceMs: number, startupGraceMs: number): Health {
    const probe = this.probes.get(node);
    if (!probe) return 'Healthy';
    const grace = probe.everReported ? graceMs : startupGraceMs;
    return this.monotonicNow() - probe.observedAt > grace ? 'Silent' : 'Healthy';
  }

  /** Milliseconds since the last observed heartbeat (for metrics and scenario reports). */
  silenceMs(node: string): number | undefined {
    const probe = this.probes.get(node);
    return probe && this.monotonicNow() - probe.observedAt;
  }

  forget(node: string): void {
    this.probes.delete(node);
  }
}
