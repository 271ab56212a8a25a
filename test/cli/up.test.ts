import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { spawnSync } from 'node:child_process';
import { hostModeServiceAddress } from '../../src/proxy/host-address.js';
import { runCli, runCliAsync, startCli } from '../support/cli.js';
import { runKubectl as kubectl } from '../support/kubectl.js';
import { getPod, isPod } from '../scenarios/support/service-traffic.js';

/** The pod answering a GET on a new connection, retrying failures (a pod still starting to listen) until `withinMs` has passed. */
async function podAnsweringWithin(address: string, port: number, withinMs: number): Promise<string> {
  const deadline = Date.now() + withinMs;
  for (;;) {
    const answer = await getPod(address, port);
    if (isPod(answer)) return answer;
    if (Date.now() > deadline) throw new Error(`GET http://${address}:${port}/ kept failing: ${answer}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** kubectl against a kubeconfig, with a private HOME. */
function runKubectl(args: readonly string[], kubeconfig: string, home: string) {
  return kubectl(args, { env: { ...process.env, KUBECONFIG: kubeconfig, HOME: home }, timeoutMs: 90_000 });
}

const dir = mkdtempSync(join(tmpdir(), 'tskube-up-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('tskube up', () => {
  it('starts on the embedded store, stops cleanly on SIGTERM, and resumes the same cluster', async () => {
    const dataDir = join(dir, 'cluster');
    const first = startCli(['up', '--data-dir', dataDir, '--port', '0', '--first-node-index', '91', '--nodes', '3', '--zones', 'zone-a,zone-b']);
    let uid: string;
    try {
      const created = await first.waitFor(/created cluster/);
      uid = /cluster ([0-9a-f-]{36})/.exec(created)![1]!;
      await first.waitFor(/running; press Ctrl-C/);
      assert.ok(first.output.some((l) => l.includes('kubectl create deployment web --image=tskube/echo')), 'prints the next command to type');
    } finally {
      assert.equal(await first.stop('SIGTERM'), 0);
    }
    assert.ok(first.output.some((l) => l.includes('stopped cleanly')));

    const second = startCli(['up', '--data-dir', dataDir, '--port', '0', '--first-node-index', '91']);
    try {
      const resumed = await second.waitFor(/resumed cluster/);
      assert.ok(resumed.includes(uid), `expected cluster ${uid}, got: ${resumed}`);
      await second.waitFor(/nodes: tskube-node-91 \(zone-a\), tskube-node-92 \(zone-b\), tskube-node-93 \(zone-a\)/);
    } finally {
      assert.equal(await second.stop('SIGINT'), 0);
    }
  });

  it('runs `kubectl create deployment web --image=tskube/echo`: real pods with logs and exec, a Service through each node\'s proxy, nothing left after stop', async () => {
    const dataDir = join(dir, 'workloads');
    const up = startCli(['up', '--data-dir', dataDir, '--port', '0', '--first-node-index', '91', '--nodes', '3']);
    const kubectl = (...args: string[]) => runKubectl(args, join(dataDir, 'kubeconfig'), join(dir, 'home'));
    try {
      await up.waitFor(/running; press Ctrl-C/);
      let r = await kubectl('create', 'deployment', 'web', '--image=tskube/echo', '--replicas=3');
      assert.equal(r.status, 0, r.stderr);
      r = await kubectl('rollout', 'status', 'deployment/web', '--timeout=60s');
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stdout, /successfully rolled out/);
      const pods = JSON.parse((await kubectl('get', 'pods', '-o', 'json')).stdout) as { items: { metadata: { name: string }; status: { podIP: string } }[] };
      assert.equal(pods.items.length, 3);
      const pod = pods.items[0]!;
      // The pod's own process answers on its pod IP with its name (Ready means started, as
      // upstream without a readiness probe: it may take a moment more to listen).
      assert.equal(await podAnsweringWithin(pod.status.podIP, 8080, 10_000), pod.metadata.name);
      r = await kubectl('logs', pod.metadata.name);
      assert.match(r.stdout, /tskube\/echo listening on/);
      r = await kubectl('exec', pod.metadata.name, '--', 'sh', '-c', 'echo "in $TSKUBE_POD_NAME"; exit 4');
      assert.equal(r.status, 4);
      assert.equal(r.stdout.trim(), `in ${pod.metadata.name}`);

      // A Service, reached through node 1's proxy at the address node 1's pods get as WEB_SERVICE_HOST.
      r = await kubectl('expose', 'deployment', 'web', '--port=80', '--target-port=8080');
      assert.equal(r.status, 0, r.stderr);
      const clusterIP = (await kubectl('get', 'service', 'web', '-o', 'jsonpath={.spec.clusterIP}')).stdout;
      const seen = new Set<string>();
      const deadline = Date.now() + 20_000;
      while (seen.size < 3 && Date.now() < deadline) {
        seen.add(await podAnsweringWithin(hostModeServiceAddress(91, clusterIP), 80, deadline - Date.now()));
      }
      assert.deepEqual([...seen].sort(), pods.items.map((p) => p.metadata.name).sort());
    } finally {
      assert.equal(await up.stop('SIGTERM'), 0);
    }
    const left = spawnSync('pgrep', ['-f', join(dataDir, 'nodes')], { encoding: 'utf8' }).stdout.trim();
    assert.equal(left, '', 'no pod process outlives tskube up');
  });

  it('tskube down stops a running cluster, and after a crash of tskube up ends the pod processes it left', async () => {
    const dataDir = join(dir, 'down');
    const kubectl = (...args: string[]) => runKubectl(args, join(dataDir, 'kubeconfig'), join(dir, 'home'));
    let up = startCli(['up', '--data-dir', dataDir, '--port', '0', '--first-node-index', '91', '--nodes', '2']);
    await up.waitFor(/running; press Ctrl-C/);
    // The sleep is a grandchild: it outlives its container's main process when the agent is killed.
    const r = await kubectl('create', 'deployment', 'sleeper', '--image=busybox', '--replicas=2', '--', 'sh', '-c', 'sleep 1000 & wait');
    assert.equal(r.status, 0, r.stderr);
    assert.equal((await kubectl('rollout', 'status', 'deployment/sleeper', '--timeout=60s')).status, 0);
    const podProcesses = () => spawnSync('pgrep', ['-f', 'sleep 1000'], { encoding: 'utf8' }).stdout.trim().split('\n').filter(Boolean);
    assert.ok(podProcesses().length >= 2, 'the pods run');

    await up.stop('SIGKILL');
    const down = runCli(['down', '--data-dir', dataDir]);
    assert.equal(down.status, 0, down.stderr);
    assert.match(down.stdout, /no tskube up is running/);
    assert.match(down.stdout, /no pod process left/);
    assert.deepEqual(podProcesses(), []);

    up = startCli(['up', '--data-dir', dataDir, '--port', '0', '--first-node-index', '91']);
    await up.waitFor(/running; press Ctrl-C/);
    const stopped = runCliAsync(['down', '--data-dir', dataDir]);
    assert.equal(await up.exited, 0);
    const result = await stopped;
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /stopped tskube up \(pid \d+\)/);
  });

  it('refuses a second tskube on the same data dir with a clear message', async () => {
    const dataDir = join(dir, 'locked');
    const first = startCli(['up', '--data-dir', dataDir, '--port', '0', '--first-node-index', '91']);
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
