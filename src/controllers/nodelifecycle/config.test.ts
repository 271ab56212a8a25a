import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_HEARTBEAT_TIMING, DEFAULT_NODE_LIFECYCLE_CONFIG, checkTiming } from './config.js';

describe('node lifecycle timing checks', () => {
  it('finds nothing wrong with the defaults', () => {
    assert.deepEqual(checkTiming(DEFAULT_NODE_LIFECYCLE_CONFIG, DEFAULT_HEARTBEAT_TIMING), []);
  });

  it("refuses seed 002's settings: a 10 s grace period with 10 s heartbeats", () => {
    const findings = checkTiming({ ...DEFAULT_NODE_LIFECYCLE_CONFIG, nodeMonitorGracePeriodMs: 10_000 });
    const errors = findings.filter((f) => f.severity === 'error');
    assert.ok(errors.some((f) => f.setting === '--node-monitor-grace-period' && /one late or lost heartbeat/.test(f.message)), JSON.stringify(findings));
  });

  it('warns about a grace period shorter than dead-connection detection (upstream accepts it)', () => {
    const findings = checkTiming({ ...DEFAULT_NODE_LIFECYCLE_CONFIG, nodeMonitorGracePeriodMs: 40_000 });
    assert.deepEqual(findings.map((f) => f.severity), ['warning']);
    assert.match(findings[0]!.message, /dead connection/);
  });

  it('refuses a monitor period as long as the grace period', () => {
    const findings = checkTiming({ ...DEFAULT_NODE_LIFECYCLE_CONFIG, nodeMonitorPeriodMs: 60_000 });
    assert.ok(findings.some((f) => f.severity === 'error' && f.setting === '--node-monitor-period'));
  });
});
