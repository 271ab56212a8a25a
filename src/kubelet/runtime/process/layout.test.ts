import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { joinInside, SandboxLayout } from './layout.js';

describe('sandbox layout', () => {
  it('keeps volume items and mountPaths inside their directory', () => {
    assert.equal(joinInside('/s/v', 'a/b'), '/s/v/a/b');
    assert.equal(joinInside('/s/rootfs', '/etc/config'), '/s/rootfs/etc/config');
    assert.equal(joinInside('/s/v', '../x'), undefined);
    assert.equal(joinInside('/s/v', 'a/../../x'), undefined);
    assert.equal(joinInside('/s/rootfs', '/../../etc'), undefined);
  });

  it('refuses names that would leave the data dir', () => {
    const layout = new SandboxLayout('/data');
    assert.equal(layout.logPath('uid-1', 'app', 2), '/data/pods/uid-1/logs/app/2.log');
    assert.throws(() => layout.sandboxDir('../etc'));
    assert.throws(() => layout.volumeDir('uid', 'a/b'));
  });
});
