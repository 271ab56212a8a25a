/**
 * Pod workers with the process runtime: real processes (`sh -c ...`, `node -e ...`) behind a real
 * API server — logs through findContainer, a real crash loop, a readiness probe against a real
 * server on the pod's IP, preStop before SIGTERM on deletion with no process left, and an agent
 * restart on the same data dir that leaves exactly one process per container.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { FleetOptions } from '../../src/kubelet/fleet.js';
import { eventually } from '../support/apiserver.js';
import { condition, containerOf, podOn, startPodLab, type PodLab } from './support.js';

let lab: PodLab;
let dataDir: string;
let scratch: string;

const fleetOptions = (): Partial<FleetOptions> => ({
  count: 1,
  runtime: 'process',
  dataDir,
  pods: { backoff: { baseMs: 300, capMs: 2_400 }, errorRetryMs: 300, usageIntervalMs: 500 },
});

function alive(pid: number | undefined): boolean {
  if (pid === undefined) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function logsOf(pod: string, container = 'web'): Promise<string> {
  const node = lab.nodes[0]!;
  const c = node.pods.findContainer('default', pod, container);
  if (!c) return '';
  const chunks: Buffer[] = [];
  for await (const chunk of node.runtime.logs(c.id, {})) chunks.push(chunk);
  return Buffer.concat(chunks).toString('utf8');
}

before(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'tskube-ppods-'));
  scratch = mkdtempSync(join(tmpdir(), 'tskube-ppods-scratch-'));
  lab = await startPodLab(fleetOptions());
});

after(async () => {
  await lab?.close();
  rmSync(dataDir, { recursive: true, force: true });
  rmSync(scratch, { recursive: true, force: true });
});

describe('pod workers (process runtime)', () => {
  it('runs a command with its environment and shows its output as logs', async () => {
    const node = lab.nodes[0]!.identity.name;
    await lab.createPod(
      podOn(node, 'talker', {
        containers: [
          {
            name: 'web',
            image: 'busybox',
            command: ['sh', '-c', 'echo "hello from $POD_NAME at $POD_IP"; exec sleep 300'],
            env: [
              { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
              { name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
            ],
          },
        ],
      }),
    );
    const pod = await lab.waitPod('talker', (p) => condition(p, 'Ready')?.status === 'True', 'Ready');
    await eventually(async () => (await logsOf('talker')).includes(`hello from talker at ${pod.status?.podIP}`), 5_000, 'the log line');
    assert.ok(alive(lab.nodes[0]!.pods.findContainer('default', 'talker', 'web')?.pid));
  });

  it('reports an image it cannot run as upstream reports a failed pull: ErrImagePull, then ImagePullBackOff, with the reason in an event', async () => {
    const node = lab.nodes[0]!.identity.name;
    await lab.createPod(podOn(node, 'nginx', { containers: [{ name: 'web', image: 'nginx:1.25' }] }));
    const pod = await lab.waitPod('nginx', (p) => ['ErrImagePull', 'ImagePullBackOff'].includes(containerOf(p)?.state?.waiting?.reason ?? ''), 'ErrImagePull');
    assert.equal(pod.status?.phase, 'Pending');
    await eventually(async () => (await lab.events('nginx')).some((e) => e.reason === 'Failed' && /^Failed to pull image "nginx:1.25": tskube cannot run image "nginx:1.25": it is not a built-in image/.test(e.message ?? '')), 15_000, 'the Failed event');
    const events = await lab.events('nginx');
    assert.ok(!events.some((e) => e.reason === 'Pulled'), 'nothing claims the image is present');
  });

  it('crash-loops a command that exits non-zero', async () => {
    const node = lab.nodes[0]!.identity.name;
    await lab.createPod(podOn(node, 'crasher', { containers: [{ name: 'web', image: 'busybox', command: ['sh', '-c', 'echo dying; exit 3'] }] }));
    const pod = await lab.waitPod('crasher', (p) => (containerOf(p)?.restartCount ?? 0) >= 2 && containerOf(p)?.state?.waiting?.reason === 'CrashLoopBackOff', 'CrashLoopBackOff, restartCount >= 2', 20_000);
    assert.equal(containerOf(pod)?.lastState?.terminated?.exitCode, 3);
    const previous = lab.nodes[0]!.pods.findContainer('default', 'crasher', 'web', { previous: true });
    assert.equal(previous?.status.state, 'exited');
  });

  it('keeps a pod unready while its server answers the readiness probe with 503', async () => {
    const node = lab.nodes[0]!.identity.name;
    const server = `require('http').createServer((q, s) => { s.statusCode = q.url === '/ok' ? 200 : 503; s.end(); }).listen(8080, process.env.POD_IP)`;
    const container = (path: string) => ({
      name: 'web',
      image: 'node',
      command: ['node', '-e', server],
      env: [{ name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } }],
      readinessProbe: { httpGet: { path, port: 8080 }, periodSeconds: 1, failureThreshold: 1 },
    });
    await lab.createPod(podOn(node, 'unready', { containers: [container('/ready')] }));
    await lab.createPod(podOn(node, 'ready', { containers: [container('/ok')] }));
    await eventually(async () => (await lab.events('unready')).some((e) => e.reason === 'Unhealthy' && e.message === 'Readiness probe failed: HTTP probe failed with statuscode: 503'), 15_000, 'Unhealthy');
    await lab.waitPod('ready', (p) => condition(p, 'Ready')?.status === 'True', 'Ready', 15_000);
    const pod = await lab.waitPod('unready', (p) => p.status?.phase === 'Running', 'Running');
    assert.equal(condition(pod, 'Ready')?.status, 'False');
  });

  it('runs preStop, then SIGTERM, then deletes the pod and leaves no process', async () => {
    const node = lab.nodes[0]!.identity.name;
    const log = join(scratch, 'order.log');
    await lab.createPod(
      podOn(node, 'stopper', {
        terminationGracePeriodSeconds: 5,
        containers: [
          {
            name: 'web',
            image: 'busybox',
            command: ['sh', '-c', `trap 'echo term >> ${log}; exit 0' TERM; while true; do sleep 0.1; done`],
            lifecycle: { preStop: { exec: { command: ['sh', '-c', `echo prestop >> ${log}`] } } },
          },
        ],
      }),
    );
    await lab.waitPod('stopper', (p) => p.status?.phase === 'Running', 'Running');
    const pid = lab.nodes[0]!.pods.findContainer('default', 'stopper', 'web')?.pid;
    assert.ok(alive(pid));
    await lab.pods().delete('stopper', { namespace: 'default' });
    await eventually(async () => (await lab.getPod('stopper')) === undefined, 15_000, 'the pod to be deleted');
    assert.deepEqual(readFileSync(log, 'utf8').trim().split('\n'), ['prestop', 'term']);
    assert.equal(alive(pid), false);
  });

  it('after an agent restart on the same data dir runs each container exactly once, and cleans up pods deleted meanwhile', async () => {
    const node = lab.nodes[0]!.identity.name;
    await lab.createPod(podOn(node, 'survivor', { containers: [{ name: 'web', image: 'busybox', command: ['sleep', '300'] }] }));
    const goner = await lab.createPod(podOn(node, 'goner', { containers: [{ name: 'web', image: 'busybox', command: ['sleep', '300'] }] }));
    await lab.waitPod('survivor', (p) => p.status?.phase === 'Running', 'Running');
    await lab.waitPod('goner', (p) => p.status?.phase === 'Running', 'Running');
    const oldPid = lab.nodes[0]!.pods.findContainer('default', 'survivor', 'web')?.pid;
    await lab.stopFleet();
    assert.equal(alive(oldPid), false, 'stopping the agent stops its containers');
    await lab.pods().delete('goner', { namespace: 'default', gracePeriodSeconds: 0 });
    await lab.startFleet(fleetOptions());
    const pod = await lab.waitPod('survivor', (p) => containerOf(p)?.state?.running !== undefined && (containerOf(p)?.restartCount ?? 0) >= 1, 'running again');
    const runtime = lab.nodes[0]!.runtime;
    await eventually(async () => (await runtime.listContainers()).every((c) => c.podUid !== goner.metadata?.uid), 10_000, 'the goner’s containers to be removed');
    const running = (await runtime.listContainers()).filter((c) => c.podUid === pod.metadata?.uid && c.status.state === 'running');
    assert.equal(running.length, 1, 'exactly one running container');
    assert.ok(alive(running[0]!.pid));
  });
});
