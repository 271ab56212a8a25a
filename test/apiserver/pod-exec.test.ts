/**
 * kubectl exec through the API server to a kubelet API server: WebSocket (v5.channel.k8s.io)
 * end to end, exit codes, stdout/stderr separation, stdin, and the API server's error Statuses.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { running, startKubeletCluster, type KubeletCluster } from '../support/kubelet-cluster.js';

describe('kubectl exec through the kubelet API', { timeout: 120_000 }, () => {
  let k: KubeletCluster;
  before(async () => {
    k = await startKubeletCluster();
    k.containers.add('default', 'web', 'a');
    k.containers.add('default', 'web', 'b');
    await k.createPod('web', ['a', 'b'], [running('a'), running('b')]);
    await k.createPod('unscheduled', ['a'], [], '');
  });
  after(() => k?.close());

  it('prints stdout and stderr and exits with the command exit code', async () => {
    const r = await k.cluster.kubectl(['exec', 'web', '-c', 'a', '--', 'sh', '-c', 'echo hi; echo oops >&2; exit 3']);
    assert.equal(r.stdout, 'hi\n');
    assert.match(r.stderr, /oops/);
    assert.equal(r.status, 3, r.stderr);
  });

  it('exits 0 for a command that succeeds', async () => {
    const r = await k.cluster.kubectl(['exec', 'web', '-c', 'b', '--', 'sh', '-c', 'printf "%s" "$((6*7))"']);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, '42');
  });

  it('passes stdin with -i and ends it when kubectl stdin ends', async () => {
    const r = await k.cluster.kubectl(['exec', '-i', 'web', '-c', 'a', '--', 'sh', '-c', 'tr a-z A-Z; echo done'], 'hello world\n');
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, 'HELLO WORLD\ndone\n');
  });

  it('carries more than a window of output intact', async () => {
    const r = await k.cluster.kubectl(['exec', 'web', '-c', 'a', '--', 'sh', '-c', 'seq 1 50000']);
    assert.equal(r.status, 0, r.stderr);
    const lines = r.stdout.trimEnd().split('\n');
    assert.equal(lines.length, 50000);
    assert.equal(lines.at(-1), '50000');
  });

  it('answers a pod with several containers and no -c with upstream message', async () => {
    const r = await k.cluster.kubectl(['get', '--raw', '/api/v1/namespaces/default/pods/web/exec?command=true&stdout=true']);
    assert.notEqual(r.status, 0);
    // Without an upgrade the request cannot stream at all.
    assert.match(r.stderr, /Upgrade request required/);
  });

  it('refuses an unknown container and an unscheduled pod with upstream messages', async () => {
    const bad = await k.cluster.kubectl(['exec', 'web', '-c', 'zzz', '--', 'true']);
    assert.notEqual(bad.status, 0);
    assert.match(bad.stderr, /container zzz is not valid for pod web/);
    const pending = await k.cluster.kubectl(['exec', 'unscheduled', '--', 'true']);
    assert.notEqual(pending.status, 0);
    assert.match(pending.stderr, /pod unscheduled does not have a host assigned/);
  });

  it('reports a container the kubelet does not run', async () => {
    await k.createPod('ghost', ['a'], [running('a')]);
    const r = await k.cluster.kubectl(['exec', 'ghost', '--', 'true']);
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /container not found \("a"\)/);
  });
});
