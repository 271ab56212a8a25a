import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, it } from 'node:test';
import { resolveBuiltinImage } from './images.js';

describe('built-in images', () => {
  it('resolves the references of tskube/echo to the Node program that exists', () => {
    for (const ref of ['tskube/echo', 'tskube/echo:latest', 'docker.io/tskube/echo:1.2.3']) {
      const image = resolveBuiltinImage(ref);
      assert.ok(image, ref);
      const program = image.entrypoint.at(-1)!;
      assert.ok(existsSync(program), program);
      assert.equal(image.entrypoint[0], process.execPath);
      assert.match(program, /images\/echo\/main\.(ts|js)$/);
    }
  });

  it('runs tskube/pause as one cheap perl process that exits 0 on SIGTERM', () => {
    for (const ref of ['tskube/pause', 'docker.io/tskube/pause:3.9']) {
      const image = resolveBuiltinImage(ref);
      assert.equal(image?.entrypoint[0], 'perl', ref);
    }
    const run = spawnSync('sh', ['-c', `"$@" & pid=$!; sleep 0.3; kill -TERM $pid; wait $pid`, 'sh', ...resolveBuiltinImage('tskube/pause')!.entrypoint], { encoding: 'utf8' });
    assert.equal(run.status, 0, run.stderr);
    assert.equal(run.stdout, 'tskube/pause: waiting for SIGTERM\n');
  });

  it('knows nothing else', () => {
    for (const ref of ['nginx', 'nginx:1.25', 'tskube/echo@sha256:abc', 'quay.io/tskube/echo', 'tskube/echoes', 'tskube/echo:bad tag']) {
      assert.equal(resolveBuiltinImage(ref), undefined, ref);
    }
  });

  it('passes the loader flags on with modules resolved, and drops the test runner\'s flags', () => {
    const flags = resolveBuiltinImage('tskube/echo')!.entrypoint.slice(1, -1);
    assert.ok(!flags.some((f) => f.startsWith('--test')));
    for (const f of flags.filter((f) => f.startsWith('--import='))) assert.match(f, /^--import=(file:|node:|data:)/);
  });
});
