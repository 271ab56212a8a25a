import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { runCli, startCli } from '../support/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'tskube-up-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('tskube up', () => {
  it('starts on the embedded store, stops cleanly on SIGTERM, and resumes the same cluster', async () => {
    const dataDir = join(dir, 'cluster');
    const first = startCli(['up', '--data-dir', dataDir, '--port', '0', '--nodes', '3', '--zones', 'zone-a,zone-b']);
    let uid: string;
    try {
      const created = await first.waitFor(/created cluster/);
      uid = /cluster ([0-9a-f-]{36})/.exec(created)![1]!;
      await first.waitFor(/running; press Ctrl-C/);
      assert.ok(first.output.some((l) => l.includes('not yet built')), 'says plainly what does not run yet');
    } finally {
      assert.equal(await first.stop('SIGTERM'), 0);
    }
    assert.ok(first.output.some((l) => l.includes('stopped cleanly')));

    const second = startCli(['up', '--data-dir', dataDir, '--port', '0']);
    try {
      const resumed = await second.waitFor(/resumed cluster/);
      assert.ok(resumed.includes(uid), `expected cluster ${uid}, got: ${resumed}`);
      await second.waitFor(/nodes: tskube-node-1 \(zone-a\), tskube-node-2 \(zone-b\), tskube-node-3 \(zone-a\)/);
    } finally {
      assert.equal(await second.stop('SIGINT'), 0);
    }
  });

  it('refuses a second tskube on the same data dir with a clear message', async () => {
    const dataDir = join(dir, 'locked');
    const first = startCli(['up', '--data-dir', dataDir, '--port', '0']);
    try {
      await first.waitFor(/running/);
      const second = runCli(['up', '--data-dir', dataDir, '--port', '0']);
      assert.notEqual(second.status, 0);
      assert.match(second.stderr, /in use by another process/);
    } finally {
      await first.stop();
    }
  });

  for (const [args, message] of [
    [['--zones', 'Zone A'], /--zones.*not a valid name/],
    [['--nodes', '0'], /--nodes.*at least 1/],
    [['--port', '70000'], /--port.*not a port/],
    [['--storage', 'postgres'], /unknown storage "postgres"/],
    [['--storage', 'etcd://nohost'], /invalid etcd endpoint/],
  ] as const) {
    it(`rejects ${args.join(' ')} with a one-line reason`, () => {
      const res = runCli(['up', '--data-dir', join(dir, 'bad'), ...args]);
      assert.equal(res.status, 1);
      assert.match(res.stderr, message);
    });
  }

  it('has --help on every subcommand', () => {
    for (const args of [['--help'], ['up', '--help']]) {
      const res = runCli(args);
      assert.equal(res.status, 0);
      assert.match(res.stdout, /Usage: tskube/);
    }
  });
});
