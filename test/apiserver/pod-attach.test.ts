/**
 * `kubectl attach` and `kubectl run -i --rm` (pods/attach) end to end, on a real node agent with
 * the process runtime: the API server proxies the upgrade to the node's kubelet API, which
 * attaches to the container's stdio over the WebSocket channel protocol.
 *
 * - `kubectl run -i --rm` prints what the container writes after a pause (through attach: the
 *   pre-attach log read is empty then), deletes the pod and exits with the container's code;
 * - `echo hi | kubectl run -i --rm ... -- cat` round-trips stdin (stdinOnce: kubectl's EOF
 *   closes the container's stdin, so cat ends);
 * - `kubectl attach -i` to a pod with stdin but no stdinOnce: each session's input reaches the
 *   container, the client's EOF detaches, and stdin stays open for the next session;
 * - `kubectl attach` without -i streams output from the attach moment until the container exits;
 * - a non-upgraded request and an unknown container get upstream's messages.
 *
 * Node index 51: host-mode addresses derive from it, and other test files' clusters may run at
 * the same time.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { eventually } from '../support/apiserver.js';
import { podProcessesUnder, startFullCluster, type FullCluster } from '../support/full-cluster.js';
import type { KubectlResult } from '../support/kubectl.js';

let cluster: FullCluster;
before(async () => {
  cluster = await startFullCluster({ nodes: 1, firstIndex: 51 });
});
after(async () => {
  if (!cluster) return;
  const dataDir = cluster.api.dataDir;
  await cluster.close();
  assert.deepEqual(podProcessesUnder(dataDir), [], 'no pod process survives close()');
});

/**
 * `kubectl attach -i pod`, typing `lines` one at a time: each is sent once the answer to the one
 * before it ("got <line>") has arrived, then kubectl's stdin ends. Killed after 60 s.
 */
function interactiveAttach(pod: string, lines: readonly string[]): Promise<KubectlResult> {
  const env = { ...process.env, HOME: join(cluster.api.dataDir, 'home'), KUBECONFIG: cluster.api.api.kubeconfigPath };
  const child = spawn('kubectl', ['attach', '-i', pod], { env, stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  const closed = new Promise<KubectlResult>((resolve) =>
    child.once('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    }),
  );
  child.stdin.on('error', () => {});
  let next = 0;
  const type = () => {
    if (next > 0 && !stdout.includes(`got ${lines[next - 1]}\n`)) return;
    if (next === lines.length) child.stdin.end();
    else child.stdin.write(`${lines[next]}\n`);
    next++;
  };
  child.stdout.on('data', (d: Buffer) => {
    stdout += d.toString();
    type();
  });
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  // kubectl sends what it reads as soon as the session is up; the first line can go at once.
  type();
  return closed;
}

const podNames = async () => (await cluster.pods()).map((p) => p.metadata.name);

/** Waits until pod `name` is Running and Ready (kubectl attach wants a running container). */
async function waitReady(name: string): Promise<void> {
  await eventually(
    async () => (await cluster.pods()).some((p) => p.metadata.name === name && p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')),
    30_000,
    `pod ${name} Ready`,
  );
}

describe('kubectl run -i --rm (pods/attach)', { timeout: 180_000 }, () => {
  it('prints what the container writes after attaching, deletes the pod and exits 0', async () => {
    const r = await cluster.api.kubectl(['run', '-i', '--rm', 'dbg', '--image=busybox', '--restart=Never', '--', 'sh', '-c', 'sleep 3; echo hello']);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, 'hello\npod "dbg" deleted\n');
    assert.doesNotMatch(r.stderr, /couldn't attach/);
    assert.ok(!(await podNames()).includes('dbg'), 'the pod is deleted');
  });

  it('passes piped stdin to the container and closes it at EOF (stdinOnce)', async () => {
    const r = await cluster.api.kubectl(['run', '-i', '--rm', 'cat', '--image=busybox', '--restart=Never', '--', 'cat'], 'hi\nthere\n');
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, 'hi\nthere\npod "cat" deleted\n');
    assert.ok(!(await podNames()).includes('cat'), 'the pod is deleted');
  });

  it("exits with the container's exit code", async () => {
    const r = await cluster.api.kubectl(['run', '-i', '--rm', 'fails', '--image=busybox', '--restart=Never', '--', 'sh', '-c', 'sleep 3; echo bye; exit 3']);
    assert.equal(r.status, 3, r.stderr);
    assert.match(r.stdout, /^bye\n/);
    assert.match(r.stderr, /pod default\/fails terminated \(Error\)/);
    assert.ok(!(await podNames()).includes('fails'), 'the pod is deleted');
  });
});

describe('kubectl attach', { timeout: 180_000 }, () => {
  it('sends each session its input, detaches at EOF and keeps the container stdin open for the next', async () => {
    await cluster.apply(`
apiVersion: v1
kind: Pod
metadata:
  name: reader
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: reader
    image: busybox
    stdin: true
    command: [sh, -c, 'while read line; do echo "got $line"; done; echo "stdin closed"']
`);
    await waitReady('reader');
    // Output that comes after the client's EOF is not this session's any more (the EOF detaches
    // it, as upstream), so each line's answer is awaited before the next line or the EOF.
    const first = await interactiveAttach('reader', ['one', 'two']);
    assert.equal(first.status, 0, first.stderr);
    assert.equal(first.stdout, 'got one\ngot two\n');
    const second = await interactiveAttach('reader', ['three']);
    assert.equal(second.status, 0, second.stderr);
    assert.equal(second.stdout, 'got three\n');
    // Both sessions' output is in the log too, and the container still runs.
    const logs = await cluster.kubectl('logs', 'reader');
    assert.equal(logs.stdout, 'got one\ngot two\ngot three\n');
    const pod = (await cluster.pods()).find((p) => p.metadata.name === 'reader');
    assert.ok(pod?.status?.containerStatuses?.[0]?.state?.running, 'the container keeps running after the sessions');
    const del = await cluster.kubectl('delete', 'pod', 'reader', '--wait=true');
    assert.equal(del.status, 0, del.stderr);
  });

  it('streams output from the attach moment until the container exits', async () => {
    await cluster.apply(`
apiVersion: v1
kind: Pod
metadata:
  name: ticker
spec:
  restartPolicy: Never
  containers:
  - name: ticker
    image: busybox
    command: [sh, -c, 'echo early; sleep 4; for i in 1 2 3; do echo "tick $i"; echo "warn $i" >&2; sleep 0.3; done; exit 5']
`);
    await waitReady('ticker');
    const r = await cluster.api.kubectl(['attach', 'ticker']);
    // Upstream's kubelet ends an attach with Success whatever the exit code: kubectl attach exits 0.
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, 'tick 1\ntick 2\ntick 3\n', 'output written before attaching is not replayed');
    assert.match(r.stderr, /warn 1\nwarn 2\nwarn 3\n/);
    const del = await cluster.kubectl('delete', 'pod', 'ticker', '--wait=true');
    assert.equal(del.status, 0, del.stderr);
  });

  it('answers a request that is not an upgrade, and an unknown container, as upstream', async () => {
    await cluster.apply(`
apiVersion: v1
kind: Pod
metadata:
  name: idle
spec:
  terminationGracePeriodSeconds: 0
  containers:
  - name: idle
    image: busybox
    command: [sleep, '600']
`);
    await waitReady('idle');
    const raw = await cluster.kubectl('get', '--raw', '/api/v1/namespaces/default/pods/idle/attach?stdout=true');
    assert.notEqual(raw.status, 0);
    assert.match(raw.stderr, /Upgrade request required/);
    const bad = await cluster.kubectl('attach', 'idle', '-c', 'zzz');
    assert.notEqual(bad.status, 0);
    assert.match(bad.stderr, /container zzz not found in pod idle|container zzz is not valid for pod idle/);
    const del = await cluster.kubectl('delete', 'pod', 'idle', '--wait=true');
    assert.equal(del.status, 0, del.stderr);
  });

  it('leaves no process of the deleted pods behind', async () => {
    await eventually(() => cluster.podProcesses().length === 0, 20_000, 'no pod processes');
  });
});
