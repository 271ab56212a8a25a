/**
 * @module controllers/nodelifecycle/config
 *
 * The node lifecycle controller's settings, with upstream's flag names and defaults
 * (kube-controller-manager 1.32), and the timing checks `tskube doctor` and every component's
 * start-up run. Seed 002 is the reason these checks exist: a grace period of 10 s with the kubelet
 * reporting every 10 s turned every small delay into a NotReady node and a rescheduled pod.
 */

export interface NodeLifecycleConfig {
  /** --node-monitor-period: how often node health is judged. */
  readonly nodeMonitorPeriodMs: number;
  /** --node-monitor-grace-period: silence after which a running node is Unknown. */
  readonly nodeMonitorGracePeriodMs: number;
  /** --node-startup-grace-period: the same for a node that never reported. */
  readonly nodeStartupGracePeriodMs: number;
  /** --node-eviction-rate: nodes per second whose pods are evicted while a zone is healthy. */
  readonly nodeEvictionRate: number;
  /** --secondary-node-eviction-rate: the same while a zone is partially disrupted. */
  readonly secondaryNodeEvictionRate: number;
  /** --large-cluster-size-threshold: zones this small get no secondary evictions at all. */
  readonly largeClusterSizeThreshold: number;
  /** --unhealthy-zone-threshold: the not-ready share that makes a zone partially disrupted. */
  readonly unhealthyZoneThreshold: number;
}

export const DEFAULT_NODE_LIFECYCLE_CONFIG: NodeLifecycleConfig = {
  nodeMonitorPeriodMs: 5_000,
  // 50 s since Kubernetes 1.32 (was 40 s): it must outlast an HTTP/2 health check (30 s read
  // idle + 15 s ping timeout) so a dead connection is replaced before the node is judged.
  nodeMonitorGracePeriodMs: 50_000,
  nodeStartupGracePeriodMs: 60_000,
  nodeEvictionRate: 0.1,
  secondaryNodeEvictionRate: 0.01,
  largeClusterSizeThreshold: 50,
  unhealthyZoneThreshold: 0.55,
};

/** The node agent's side of the timing, which the checks compare against. */
export interface HeartbeatTiming {
  /** --node-status-update-frequency (10 s). */
  readonly nodeStatusUpdateFrequencyMs: number;
  /** Lease renewal interval: a quarter of --node-lease-duration-seconds (40 s → 10 s). */
  readonly leaseRenewIntervalMs: number;
  /** HTTP/2 read-idle period plus ping timeout of the agent's client (30 s + 15 s). */
  readonly deadConnectionDetectionMs: number;
}

export const DEFAULT_HEARTBEAT_TIMING: HeartbeatTiming = {
  nodeStatusUpdateFrequencyMs: 10_000,
  leaseRenewIntervalMs: 10_000,
  deadConnectionDetectionMs: 45_000,
};

export interface TimingFinding {
  readonly severity: 'error' | 'warning';
  /** The setting to change, by its flag name. */
  readonly setting: string;
  /** One line: what is wrong, why, and what to set. */
  readonly message: string;
}

const s = (ms: number) => `${ms / 1000}s`;

/**
 * Judges a configuration. Errors are settings that cannot work (any delay at all marks nodes
 * NotReady); warnings are settings upstream accepts but that fail under ordinary trouble.
 */
export function checkTiming(config: NodeLifecycleConfig, heartbeat: HeartbeatTiming = DEFAULT_HEARTBEAT_TIMING): TimingFinding[] {
  const findings: TimingFinding[] = [];
  const grace = config.nodeMonitorGracePeriodMs;
  const beat = Math.max(heartbeat.leaseRenewIntervalMs, 0);
  const positive: [string, number][] = [
    ['--node-monitor-period', config.nodeMonitorPeriodMs],
    ['--node-monitor-grace-period', grace],
    ['--node-startup-grace-period', config.nodeStartupGracePeriodMs],
  ];
  for (const [flag, value] of positive) {
    if (!(value > 0)) findings.push({ severity: 'error', setting: flag, message: `${flag} must be positive, got ${s(value)}` });
  }
  if (config.unhealthyZoneThreshold <= 0 || config.unhealthyZoneThreshold > 1) {
    findings.push({ severity: 'error', setting: '--unhealthy-zone-threshold', message: `--unhealthy-zone-threshold must be in (0, 1], got ${config.unhealthyZoneThreshold}` });
  }
  if (config.nodeEvictionRate < 0 || config.secondaryNodeEvictionRate < 0) {
    findings.push({ severity: 'error', setting: '--node-eviction-rate', message: 'eviction rates must not be negative' });
  }
  if (grace > 0 && grace <= beat * 2) {
    findings.push({
      severity: 'error',
      setting: '--node-monitor-grace-period',
      message: `--node-monitor-grace-period=${s(grace)} allows at most ${Math.max(1, Math.floor(grace / beat))} heartbeat(s) every ${s(beat)}: one late or lost heartbeat marks the node NotReady and evicts its pods (seed 002); set it to at least ${s(beat * 4)}, e.g. the default 50s`,
    });
  } else if (grace > 0 && grace < beat * 4) {
    findings.push({
      severity: 'warning',
      setting: '--node-monitor-grace-period',
      message: `--node-monitor-grace-period=${s(grace)} leaves fewer than 4 heartbeats (every ${s(beat)}) before a node is judged NotReady; a short network or storage stall will cause evictions; the default is 50s`,
    });
  }
  if (grace > 0 && grace <= heartbeat.deadConnectionDetectionMs) {
    findings.push({
      severity: 'warning',
      setting: '--node-monitor-grace-period',
      message: `--node-monitor-grace-period=${s(grace)} is not longer than the ${s(heartbeat.deadConnectionDetectionMs)} a node agent needs to notice a dead connection (HTTP/2 read idle + ping timeout) and redial (seed 000); use more than ${s(heartbeat.deadConnectionDetectionMs)}`,
    });
  }
  if (config.nodeMonitorPeriodMs > 0 && grace > 0 && config.nodeMonitorPeriodMs >= grace) {
    findings.push({
      severity: 'error',
      setting: '--node-monitor-period',
      message: `--node-monitor-period=${s(config.nodeMonitorPeriodMs)} must be shorter than --node-monitor-grace-period=${s(grace)}, or health is judged too rarely to matter`,
    });
  }
  if (heartbeat.nodeStatusUpdateFrequencyMs > 0 && grace > 0 && grace <= heartbeat.nodeStatusUpdateFrequencyMs) {
    findings.push({
      severity: 'error',
      setting: '--node-status-update-frequency',
      message: `--node-status-update-frequency=${s(heartbeat.nodeStatusUpdateFrequencyMs)} is not shorter than --node-monitor-grace-period=${s(grace)}: status updates alone can never keep the node Ready`,
    });
  }
  return findings;
}
