/**
 * Pod workers against a real API server, on two virtual nodes with the simulated runtime
 * (scripted exits and exec answers stand in for processes): IPs from the node's podCIDR,
 * Running/Ready, crash-loop backoff, readiness and liveness probes, the environment, preStop on
 * deletion and the kubelet's final DELETE, finalizers, and a restart of the agent on the same
 * data dir.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { ContainerConfig, ExecResult, PodSandboxConfig } from '../../src/kubelet/runtime/interface.js';
import { SimulatedRuntime } from '../../src/kubelet/runtime/simulated.js';
import type { FleetOptions } from '../../src/kubelet/fleet.js';
import { eventually } from '../support/apiserver.js';
import { condition, containerOf, podOn, startPodLab, type PodLab } from './support.js';

/** What the tests saw the runtimes do, in order. */
const journal: string[] = [];
const envOf = new Map<string, Readonly<Record<string, string>>>();
const ok: ExecResult = { exitCode: 0, stdout: Buffer.alloc(0), stderr: Buffer.alloc(0), timedOut: false };

class RecordingRuntime extends SimulatedRuntime {
  override async stopContainer(id: string, gracePeriodMs: number): Promise<void> {
    const c = this.inspect(id);
    journal.push(`stop ${c?.name} grace>0=${gracePeriodMs > 0}`);
    return super.stopContainer(id, gracePeriodMs);
  }
}

function runtimeFor(stateFile: string | undefined) {
  return new RecordingRuntime({
    ...(stateFile && { stateFile }),
    // Pods script their containers through an env var: EXIT_AFTER_MS / EXIT_CODE.
    behaviour: (sandbox: PodSandboxConfig, config: ContainerConfig) => {
      envOf.set(`${sandbox.name}/${config.name}`, config.env);
      const after = config.env.EXIT_AFTER_MS;
      return after === undefined ? undefined : { exitAfterMs: Number(after), exitCode: Number(config.env.EXIT_CODE ?? '0') };
    },
    exec: (container, command) => {
      journal.push(`exec ${container.name} ${command.join(' ')}`);
      if (command[0] === 'fail') return { ...ok, exitCode: 1, stdout: Buffer.from('unhealthy\n') };
      return ok;
    },
  });
}

let lab: PodLab;
let dataDir: string;
let probeServer: Server;
let probePort = 0;

function fleetOptions(): Partial<FleetOptions> {
  return {
    count: 2,
    dataDir,
    runtime: 'simulated',
    createRuntime: (_node, dir) => runtimeFor(dir ? join(dir, 'simulated-containers.json') : undefined),
    pods: { backoff: { baseMs: 300, capMs: 2_400 }, runProbes: true, errorRetryMs: 300, usageIntervalMs: 200 },
  };
}

before(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'tskube-pods-'));
  probeServer = createServer((req, res) => {
    res.statusCode = req.url === '/healthz' ? 200 : 503;
    res.end();
  });
  await new Promise<void>((resolve) => probeServer.listen(0, '127.0.0.1', resolve));
  probePort = (probeServer.address() as { port: number }).port;
  lab = await startPodLab(fleetOptions());
});

after(async () => {
  await lab?.close();
  await new Promise((resolve) => probeServer.close(resolve));
  rmSync(dataDir, { recursive: true, force: true });
});

describe('pod workers (simulated runtime)', () => {
  it('gives a pod an IP from its node’s podCIDR and makes it Running and Ready', async () => {
    const node = lab.nodes[1]!.identity;
    await lab.createPod(podOn(node.name, 'hello', {}));
    const pod = await lab.waitPod('hello', (p) => p.status?.phase === 'Running' && condition(p, 'Ready')?.status === 'True', 'Running and Ready');
    assert.equal(node.podCIDR, '127.64.82.0/24', 'the second node of the lab (index 82)');
    assert.match(pod.status?.podIP ?? '', /^127\.64\.82\.\d+$/, 'the node hands out addresses from its podCIDR');
    assert.deepEqual(pod.status?.podIPs, [{ ip: pod.status?.podIP }]);
    assert.equal(pod.status?.hostIP, node.address);
    for (const type of ['PodReadyToStartContainers', 'Initialized', 'ContainersReady', 'Ready']) assert.equal(condition(pod, type)?.status, 'True', type);
    const web = containerOf(pod)!;
    assert.ok(web.state?.running?.startedAt);
    assert.equal(web.ready, true);
    assert.equal(web.started, true);
    assert.equal(web.restartCount, 0);
    assert.match(web.containerID ?? '', /^tskube:\/\/[0-9a-f]+$/);
    assert.equal(pod.status?.qosClass, 'BestEffort');
    assert.ok(pod.status?.startTime);
    await eventually(async () => {
      const reasons = (await lab.events('hello')).map((e) => `${e.reason}: ${e.message}`);
      return ['Pulled: Container image "tskube/echo" already present on machine', 'Created: Created container: web', 'Started: Started container web'].every((r) => reasons.includes(r));
    }, 5_000, 'Pulled/Created/Started events');
    const found = lab.nodes[1]!.pods.findContainer('default', 'hello', 'web');
    assert.equal(`tskube://${found?.id}`, web.containerID);
    await eventually(() => lab.nodes[1]!.pods.podUsage('default', 'hello') !== undefined, 5_000, 'a usage sample');
  });

  it('runs init containers in order before the containers', async () => {
    const node = lab.nodes[0]!.identity.name;
    await lab.createPod(
      podOn(node, 'with-init', {
        initContainers: [
          { name: 'one', image: 'tskube/echo', env: [{ name: 'EXIT_AFTER_MS', value: '100' }] },
          { name: 'two', image: 'tskube/echo', env: [{ name: 'EXIT_AFTER_MS', value: '100' }] },
        ],
      }),
    );
    const pod = await lab.waitPod('with-init', (p) => p.status?.phase === 'Running' && condition(p, 'Initialized')?.status === 'True', 'initialized and Running');
    const init = pod.status?.initContainerStatuses ?? [];
    assert.deepEqual(init.map((s) => [s.name, s.state?.terminated?.exitCode, s.state?.terminated?.reason]), [['one', 0, 'Completed'], ['two', 0, 'Completed']]);
    assert.ok(init[0]!.state!.terminated!.finishedAt! <= init[1]!.state!.terminated!.startedAt!, 'two starts after one finished');
  });

  it('puts a crashing container into CrashLoopBackOff with a growing restartCount', async () => {
    const node = lab.nodes[0]!.identity.name;
    const created = await lab.createPod(
      podOn(node, 'crashy', { containers: [{ name: 'web', image: 'tskube/echo', env: [{ name: 'EXIT_AFTER_MS', value: '50' }, { name: 'EXIT_CODE', value: '2' }] }] }),
    );
    const uid = created.metadata?.uid;
    const pod = await lab.waitPod('crashy', (p) => (containerOf(p)?.restartCount ?? 0) >= 2 && containerOf(p)?.state?.waiting?.reason === 'CrashLoopBackOff', 'restartCount >= 2 in CrashLoopBackOff');
    const web = containerOf(pod)!;
    assert.match(web.state!.waiting!.message!, new RegExp(`^back-off \\d+ms restarting failed container=web pod=crashy_default\\(${uid}\\)$`));
    assert.equal(web.lastState?.terminated?.exitCode, 2);
    assert.equal(web.lastState?.terminated?.reason, 'Error');
    assert.equal(pod.status?.phase, 'Running', 'restartPolicy Always keeps the pod Running');
    assert.equal(condition(pod, 'Ready')?.message, 'containers with unready status: [web]');
    const events = await lab.events('crashy');
    assert.ok(events.some((e) => e.reason === 'BackOff' && e.message === `Back-off restarting failed container web in pod crashy_default(${uid})`));
  });

  it('finishes a restartPolicy Never pod as Failed, and OnFailure Succeeded after exit 0', async () => {
    const node = lab.nodes[0]!.identity.name;
    await lab.createPod(podOn(node, 'once-fails', { restartPolicy: 'Never', containers: [{ name: 'web', image: 'x', env: [{ name: 'EXIT_AFTER_MS', value: '50' }, { name: 'EXIT_CODE', value: '1' }] }] }));
    await lab.createPod(podOn(node, 'once-ok', { restartPolicy: 'OnFailure', containers: [{ name: 'web', image: 'x', env: [{ name: 'EXIT_AFTER_MS', value: '50' }] }] }));
    const failed = await lab.waitPod('once-fails', (p) => p.status?.phase === 'Failed', 'Failed');
    assert.equal(containerOf(failed)?.restartCount, 0);
    assert.equal(containerOf(failed)?.state?.terminated?.exitCode, 1);
    const done = await lab.waitPod('once-ok', (p) => p.status?.phase === 'Succeeded', 'Succeeded');
    assert.equal(condition(done, 'Ready')?.reason, 'PodCompleted');
    assert.equal(condition(done, 'Initialized')?.reason, 'PodCompleted');
  });

  it('keeps Ready False while the readiness probe fails', async () => {
    const node = lab.nodes[0]!.identity.name;
    const probe = { httpGet: { host: '127.0.0.1', port: probePort, path: '/not-ready' }, periodSeconds: 1, failureThreshold: 1 };
    await lab.createPod(podOn(node, 'unready', { containers: [{ name: 'web', image: 'tskube/echo', readinessProbe: probe }] }));
    await eventually(async () => (await lab.events('unready')).some((e) => e.reason === 'Unhealthy' && e.message === 'Readiness probe failed: HTTP probe failed with statuscode: 503'), 10_000, 'the Unhealthy event');
    const pod = await lab.waitPod('unready', (p) => p.status?.phase === 'Running', 'Running');
    assert.equal(condition(pod, 'Ready')?.status, 'False');
    assert.equal(condition(pod, 'Ready')?.reason, 'ContainersNotReady');
    assert.equal(condition(pod, 'ContainersReady')?.message, 'containers with unready status: [web]');
    assert.equal(containerOf(pod)?.ready, false);
    // And a passing probe makes it Ready.
    await lab.createPod(podOn(node, 'ready-probe', { containers: [{ name: 'web', image: 'tskube/echo', readinessProbe: { ...probe, httpGet: { ...probe.httpGet, path: '/healthz' } } }] }));
    await lab.waitPod('ready-probe', (p) => condition(p, 'Ready')?.status === 'True', 'Ready through its probe');
  });

  it('restarts a container whose liveness probe fails', async () => {
    const node = lab.nodes[0]!.identity.name;
    await lab.createPod(podOn(node, 'sick', { containers: [{ name: 'web', image: 'tskube/echo', livenessProbe: { exec: { command: ['fail'] }, periodSeconds: 1, failureThreshold: 2 } }] }));
    const pod = await lab.waitPod('sick', (p) => (containerOf(p)?.restartCount ?? 0) >= 1, 'restarted', 20_000);
    assert.equal(containerOf(pod)?.lastState?.terminated?.exitCode, 143, 'SIGTERM');
    const events = await lab.events('sick');
    assert.ok(events.some((e) => e.reason === 'Killing' && e.message === 'Container web failed liveness probe, will be restarted'));
    assert.ok(events.some((e) => e.reason === 'Unhealthy' && e.message === 'Liveness probe failed: unhealthy\n'));
  });

  it('builds the environment from values, fieldRefs, resources, ConfigMaps and Services', async () => {
    const node = lab.nodes[0]!.identity;
    await lab.createConfigMap({ metadata: { name: 'settings', namespace: 'default' }, data: { color: 'blue', size: 'L' } });
    await lab.createService({ metadata: { name: 'my-db', namespace: 'default' }, spec: { clusterIP: '127.96.0.20', ports: [{ name: 'sql', port: 5432, protocol: 'TCP' }] } });
    await lab.createPod(
      podOn(
        node.name,
        'env-pod',
        {
          containers: [
            {
              name: 'web',
              image: 'tskube/echo',
              resources: { limits: { memory: '64Mi' }, requests: { cpu: '250m' } },
              envFrom: [{ configMapRef: { name: 'settings' }, prefix: 'CM_' }],
              env: [
                { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
                { name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
                { name: 'HOST_IP', valueFrom: { fieldRef: { fieldPath: 'status.hostIP' } } },
                { name: 'NODE', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } },
                { name: 'TIER', valueFrom: { fieldRef: { fieldPath: "metadata.labels['tier']" } } },
                { name: 'COLOR', valueFrom: { configMapKeyRef: { name: 'settings', key: 'color' } } },
                { name: 'MISSING_OK', valueFrom: { configMapKeyRef: { name: 'settings', key: 'nope', optional: true } } },
                { name: 'MEM_MI', valueFrom: { resourceFieldRef: { resource: 'limits.memory', divisor: '1Mi' } } },
                { name: 'CPU_M', valueFrom: { resourceFieldRef: { resource: 'requests.cpu', divisor: '1m' } } },
                { name: 'GREETING', value: 'hi $(POD_NAME) on $(MY_DB_SERVICE_HOST), $$(POD_NAME) $(UNDEFINED)' },
              ],
            },
          ],
        },
        { labels: { tier: 'front' } },
      ),
    );
    const pod = await lab.waitPod('env-pod', (p) => p.status?.phase === 'Running', 'Running');
    const env = envOf.get('env-pod/web')!;
    assert.equal(env.POD_NAME, 'env-pod');
    assert.equal(env.POD_IP, pod.status?.podIP);
    assert.equal(env.HOST_IP, node.address);
    assert.equal(env.NODE, node.name);
    assert.equal(env.TIER, 'front');
    assert.equal(env.COLOR, 'blue');
    assert.equal(env.CM_size, 'L');
    assert.equal('MISSING_OK' in env, false);
    assert.equal(env.MEM_MI, '64');
    assert.equal(env.CPU_M, '250');
    assert.equal(env.GREETING, 'hi env-pod on 127.96.0.20, $(POD_NAME) $(UNDEFINED)');
    assert.equal(env.MY_DB_SERVICE_HOST, '127.96.0.20');
    assert.equal(env.MY_DB_SERVICE_PORT, '5432');
    assert.equal(env.MY_DB_SERVICE_PORT_SQL, '5432');
    assert.equal(env.MY_DB_PORT, 'tcp://127.96.0.20:5432');
    assert.equal(env.MY_DB_PORT_5432_TCP_ADDR, '127.96.0.20');
  });

  it('reports a missing ConfigMap key as CreateContainerConfigError', async () => {
    const node = lab.nodes[0]!.identity.name;
    await lab.createPod(podOn(node, 'bad-env', { containers: [{ name: 'web', image: 'tskube/echo', env: [{ name: 'X', valueFrom: { configMapKeyRef: { name: 'settings', key: 'absent' } } }] }] }));
    const pod = await lab.waitPod('bad-env', (p) => containerOf(p)?.state?.waiting?.reason === 'CreateContainerConfigError', 'CreateContainerConfigError');
    assert.equal(containerOf(pod)?.state?.waiting?.message, "couldn't find key absent in ConfigMap default/settings");
    assert.equal(pod.status?.phase, 'Pending');
  });

  it('runs preStop before stopping, then deletes the pod', async () => {
    const node = lab.nodes[0]!.identity.name;
    await lab.createPod(podOn(node, 'graceful', { containers: [{ name: 'web', image: 'tskube/echo', lifecycle: { preStop: { exec: { command: ['drain', 'now'] } } } }] }));
    await lab.waitPod('graceful', (p) => p.status?.phase === 'Running', 'Running');
    const mark = journal.length;
    await lab.pods().delete('graceful', { namespace: 'default' });
    await eventually(async () => (await lab.getPod('graceful')) === undefined, 10_000, 'the pod to be deleted');
    const seen = journal.slice(mark);
    const preStop = seen.indexOf('exec web drain now');
    const stop = seen.indexOf('stop web grace>0=true');
    assert.ok(preStop >= 0 && stop > preStop, `preStop then stop: ${JSON.stringify(seen)}`);
    const events = await lab.events('graceful');
    assert.ok(events.some((e) => e.reason === 'Killing' && e.message === 'Stopping container web'));
  });

  it('leaves a pod with a finalizer Terminating until the finalizer is removed', async () => {
    const node = lab.nodes[0]!.identity.name;
    await lab.createPod(podOn(node, 'held', {}, { finalizers: ['example.com/hold'] }));
    await lab.waitPod('held', (p) => p.status?.phase === 'Running', 'Running');
    await lab.pods().delete('held', { namespace: 'default' });
    const stopped = await lab.waitPod('held', (p) => p.metadata?.deletionGracePeriodSeconds === 0 && containerOf(p)?.state?.terminated !== undefined, 'containers stopped, grace 0');
    assert.ok(stopped.metadata?.deletionTimestamp);
    assert.equal(stopped.status?.phase, 'Failed');
    await lab.pods().patch('held', 'merge', { metadata: { finalizers: null } }, { namespace: 'default' });
    await eventually(async () => (await lab.getPod('held')) === undefined, 10_000, 'the pod to be gone');
  });

  it('adopts its containers after a restart on the same data dir and removes those of pods deleted meanwhile', async () => {
    const node = lab.nodes[0]!.identity.name;
    await lab.createPod(podOn(node, 'keeper', {}));
    const goner = await lab.createPod(podOn(node, 'goner', {}));
    const before = await lab.waitPod('keeper', (p) => p.status?.phase === 'Running', 'Running');
    await lab.waitPod('goner', (p) => p.status?.phase === 'Running', 'Running');
    await lab.stopFleet();
    // While the agent is down: the pod is force-deleted (gone from the API at once).
    await lab.pods().delete('goner', { namespace: 'default', gracePeriodSeconds: 0 });
    await lab.startFleet(fleetOptions());
    const runtime = lab.nodes[0]!.runtime as SimulatedRuntime;
    await eventually(async () => !runtime.sandboxUids().includes(goner.metadata!.uid!), 10_000, 'the orphan sandbox to be removed');
    await lab.nodes[0]!.pods.idle();
    const after = await lab.waitPod('keeper', (p) => condition(p, 'Ready')?.status === 'True', 'Ready again');
    assert.equal(containerOf(after)?.containerID, containerOf(before)?.containerID, 'the same container, adopted');
    assert.equal(containerOf(after)?.restartCount, 0);
    assert.equal(after.status?.podIP, before.status?.podIP, 'the same IP');
    const mine = (await runtime.listContainers()).filter((c) => c.podUid === before.metadata?.uid);
    assert.equal(mine.length, 1, 'no duplicate container');
    assert.equal((await runtime.listContainers()).filter((c) => c.podUid === goner.metadata?.uid).length, 0);
  });
});
