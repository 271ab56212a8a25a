/**
 * @module cli/lifecycle-flags
 *
 * The heartbeat and node-lifecycle flags, with upstream's names and defaults, shared by
 * `tskube controller-manager`, `tskube node` and `tskube doctor` so the doctor judges exactly
 * the settings the components would run with.
 */
import { Option, type Command } from 'commander';
import {
  DEFAULT_HEARTBEAT_TIMING,
  DEFAULT_NODE_LIFECYCLE_CONFIG,
  type HeartbeatTiming,
  type NodeLifecycleConfig,
} from '../controllers/nodelifecycle/config.js';
import { parseDuration, parseFraction, parseRate } from './duration.js';
import { parsePositiveInt } from './parse.js';

export interface LifecycleFlags {
  nodeMonitorPeriod: number;
  nodeMonitorGracePeriod: number;
  nodeStartupGracePeriod: number;
  nodeEvictionRate: number;
  secondaryNodeEvictionRate: number;
  largeClusterSizeThreshold: number;
  unhealthyZoneThreshold: number;
}

export interface HeartbeatFlags {
  nodeStatusUpdateFrequency: number;
  nodeLeaseDurationSeconds: number;
}

const d = DEFAULT_NODE_LIFECYCLE_CONFIG;
const h = DEFAULT_HEARTBEAT_TIMING;

export function addLifecycleFlags(command: Command): Command {
  return command
    .addOption(new Option('--node-monitor-period <duration>', 'how often node health is judged').argParser(parseDuration).default(d.nodeMonitorPeriodMs, '5s'))
    .addOption(new Option('--node-monitor-grace-period <duration>', 'silence after which a node is Unknown').argParser(parseDuration).default(d.nodeMonitorGracePeriodMs, '50s'))
    .addOption(new Option('--node-startup-grace-period <duration>', 'the same for a node that never reported').argParser(parseDuration).default(d.nodeStartupGracePeriodMs, '1m0s'))
    .addOption(new Option('--node-eviction-rate <rate>', 'nodes per second evicted in a healthy zone').argParser(parseRate).default(d.nodeEvictionRate))
    .addOption(new Option('--secondary-node-eviction-rate <rate>', 'nodes per second evicted in a partially disrupted zone').argParser(parseRate).default(d.secondaryNodeEvictionRate))
    .addOption(new Option('--large-cluster-size-threshold <n>', 'zones up to this size get no secondary evictions').argParser(parsePositiveInt).default(d.largeClusterSizeThreshold))
    .addOption(new Option('--unhealthy-zone-threshold <fraction>', 'not-ready share that makes a zone partially disrupted').argParser(parseFraction).default(d.unhealthyZoneThreshold));
}

export function addHeartbeatFlags(command: Command): Command {
  return command
    .addOption(new Option('--node-status-update-frequency <duration>', 'how often a node agent posts its status').argParser(parseDuration).default(h.nodeStatusUpdateFrequencyMs, '10s'))
    .addOption(new Option('--node-lease-duration-seconds <n>', 'the node Lease duration; it is renewed every quarter of it').argParser(parsePositiveInt).default(40));
}

export function lifecycleConfig(flags: LifecycleFlags): NodeLifecycleConfig {
  return {
    nodeMonitorPeriodMs: flags.nodeMonitorPeriod,
    nodeMonitorGracePeriodMs: flags.nodeMonitorGracePeriod,
    nodeStartupGracePeriodMs: flags.nodeStartupGracePeriod,
    nodeEvictionRate: flags.nodeEvictionRate,
    secondaryNodeEvictionRate: flags.secondaryNodeEvictionRate,
    largeClusterSizeThreshold: flags.largeClusterSizeThreshold,
    unhealthyZoneThreshold: flags.unhealthyZoneThreshold,
  };
}

export function heartbeatTiming(flags: HeartbeatFlags): HeartbeatTiming {
  return {
    nodeStatusUpdateFrequencyMs: flags.nodeStatusUpdateFrequency,
    leaseRenewIntervalMs: (flags.nodeLeaseDurationSeconds * 1000) / 4,
    deadConnectionDetectionMs: h.deadConnectionDetectionMs,
  };
}
