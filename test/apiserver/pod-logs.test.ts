/**
 * kubectl logs through the API server to a kubelet API server: -c, --tail, --timestamps, --since,
 * --previous, -f streaming new lines and ending when the container exits, and upstream's
 * error Statuses for containers with nothing to show.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pkiPaths } from '../../src/apiserver/pki/index.js';
import { eventually } from '../support/apiserver.js';
import { NODE_ADDRESS, running, startKubeletCluster, type KubeletCluster } from '../support/kubelet-cluster.js';

describe('kubectl logs through the kubelet API', { timeout: 120_000 }, () => {
  let k: KubeletCluster;
  before(async () => {
    k = await startKubeletCluster();
    for (const c of ['a', 'b']) k.containers.add('default', 'web', c);
    k.containers.add('default', 'web', 'a', { previous: true });
    const t0 = Date.parse('2026-01-02T03:04:05.000Z');
    for (let i = 1; i <= 5; i++) k.containers.write('default', 'web', 'a', `line ${i}`, new Date(t0 + i * 1000));
    k.containers.write('default', 'web', 'b', 'from b');
    const restarted = { ...running('a'), restartCount: 1, lastState: { terminated: { exitCode: 1, reason: 'Error', containerID: 'tskube://a-0' } } };
    await k.createPod('web', ['a', 'b'], [restarted, running('b')]);
    await k.createPod('starting', ['a'], [{ name: 'a', ready: false, restartCount: 0, image: 'busybox', imageID: '', state: { waiting: { reason: 'ContainerCreating' } } }]);
    await k.createPod('unscheduled', ['a'], [], '');
  });
  after(() => k?.close());

  it('returns the named container log, the tail, and timestamps', async () => {
    const all = await k.cluster.kubectl(['logs', 'web', '-c', 'a']);
    assert.equal(all.status, 0, all.stderr);
    assert.equal(all.stdout, 'line 1\nline 2\nline 3\nline 4\nline 5\n');
    const tail = await k.cluster.kubectl(['logs', 'web', '-c', 'a', '--tail=2']);
    assert.equal(tail.stdout, 'line 4\nline 5\n');
    const stamped = await k.cluster.kubectl(['logs', 'web', '-c', 'a', '--tail=1', '--timestamps']);
    assert.equal(stamped.stdout, '2026-01-02T03:04:10.000000000Z line 5\n');
    const b = await k.cluster.kubectl(['logs', 'web', '-c', 'b']);
    assert.equal(b.stdout, 'from b\n');
  });

  it('--since and --since-time keep only the lines written since then', async () => {
    // Container a's lines are from 2026-01-02, b's line from now.
    const recent = await k.cluster.kubectl(['logs', 'web', '-c', 'a', '--since=1h']);
    assert.equal(recent.status, 0, recent.stderr);
    assert.equal(recent.stdout, '');
    assert.equal((await k.cluster.kubectl(['logs', 'web', '-c', 'b', '--since=1h'])).stdout, 'from b\n');
    const sinceTime = await k.cluster.kubectl(['logs', 'web', '-c', 'a', '--since-time=2026-01-02T03:04:08Z']);
    assert.equal(sinceTime.status, 0, sinceTime.stderr);
    assert.equal(sinceTime.stdout, 'line 3\nline 4\nline 5\n');
  });

  it('says which containers to choose from when a pod has several', async () => {
    const r = await k.cluster.kubectl(['get', '--raw', '/api/v1/namespaces/default/pods/web/log']);
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /a container name must be specified for pod web, choose one of: \[a b\]/);
  });

  it('reads the previous instance, or says there is none', async () => {
    k.containers.write('default', 'web', 'a', 'before the restart', new Date(), { previous: true });
    const none = await k.cluster.kubectl(['logs', 'web', '-c', 'b', '--previous']);
    assert.notEqual(none.status, 0);
    assert.match(none.stderr, /previous terminated container "b" in pod "web" not found/);
    const prev = await k.cluster.kubectl(['logs', 'web', '-c', 'a', '--previous']);
    assert.equal(prev.status, 0, prev.stderr);
    assert.equal(prev.stdout, 'before the restart\n');
  });

  it('refuses a container that is waiting to start, and shows nothing for an unscheduled pod', async () => {
    const waiting = await k.cluster.kubectl(['logs', 'starting']);
    assert.notEqual(waiting.status, 0);
    assert.match(waiting.stderr, /container "a" in pod "starting" is waiting to start: ContainerCreating/);
    const unscheduled = await k.cluster.kubectl(['logs', 'unscheduled']);
    assert.equal(unscheduled.status, 0, unscheduled.stderr);
    assert.equal(unscheduled.stdout, '');
  });

  it('rejects invalid options with upstream validation', async () => {
    const r = await k.cluster.kubectl(['get', '--raw', '/api/v1/namespaces/default/pods/web/log?container=a&limitBytes=0']);
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /limitBytes: Invalid value: 0: must be greater than 0/);
  });

  it('follows with -f: new lines arrive while it runs, and it ends when the container exits', async () => {
    const kubectl = k.spawnKubectl(['logs', '-f', 'web', '-c', 'b']);
    let out = '';
    kubectl.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    kubectl.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((resolve) => kubectl.once('exit', resolve));
    await eventually(() => out.includes('from b\n'), 20_000, 'the existing line');
    k.containers.write('default', 'web', 'b', 'fresh line');
    await eventually(() => out.includes('fresh line\n'), 20_000, `the new line (${out})`);
    k.containers.exit('default', 'web', 'b');
    assert.equal(await exited, 0, out);
    assert.equal(out, 'from b\nfresh line\n');
  });

  it('lets only clients with a certificate from the cluster CA into the kubelet API', async () => {
    const paths = pkiPaths(join(k.cluster.dataDir, 'pki'));
    const get = (tls: { cert?: Buffer; key?: Buffer }) =>
      new Promise<number>((resolve, reject) => {
        const req = request({ host: NODE_ADDRESS, port: k.kubelet.port, path: '/healthz', rejectUnauthorized: false, agent: false, ...tls }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        req.once('error', reject);
        req.end();
      });
    assert.equal(await get({}), 401);
    assert.equal(await get({ cert: readFileSync(paths.adminCert), key: readFileSync(paths.adminKey) }), 200);
  });

  it('closes the kubelet stream when the client goes away', async () => {
    k.containers.add('default', 'web2', 'a');
    await k.createPod('web2', ['a'], [running('a')]);
    const kubectl = k.spawnKubectl(['logs', '-f', 'web2']);
    let out = '';
    kubectl.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    k.containers.write('default', 'web2', 'a', 'hello');
    await eventually(() => out.includes('hello'), 20_000, 'the line');
    const exited = new Promise((resolve) => kubectl.once('exit', resolve));
    kubectl.kill('SIGKILL');
    await exited;
    // The server side notices: the kubelet server closes with no stream left open.
    await eventually(async () => (await k.openLogStreams()) === 0, 10_000, 'the kubelet log stream to close');
  });
});
