import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runCli } from '../support/cli.js';

describe('tskube doctor', () => {
  it('passes the upstream defaults', () => {
    const res = runCli(['doctor']);
    assert.equal(res.status, 0, res.stderr);
    assert.match(res.stdout, /sound/);
  });

  it("refuses seed 002's 10 s grace period with 10 s status updates, naming the setting", () => {
    const res = runCli(['doctor', '--node-monitor-grace-period=10s', '--node-status-update-frequency=10s']);
    assert.equal(res.status, 1);
    assert.match(res.stderr, /^error: --node-monitor-grace-period=10s .* set it to at least 40s/m);
  });

  it('warns, but passes, where upstream accepts a risky setting', () => {
    const res = runCli(['doctor', '--node-monitor-grace-period=40s']);
    assert.equal(res.status, 0);
    assert.match(res.stderr, /^warning: .*dead connection/m);
  });

  it('rejects a malformed duration with the fix', () => {
    const res = runCli(['doctor', '--node-monitor-grace-period=ten']);
    assert.equal(res.status, 1);
    assert.match(res.stderr, /use e\.g\. 40s/);
  });
});
