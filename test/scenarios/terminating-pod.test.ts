/**
 * A Terminating pod held by a finalizer (issue 5, seed 001), on a real node agent with the
 * process runtime, seen through kubectl as a user sees it:
 *
 * - `kubectl delete pod --wait=false` on a tskube/echo pod with a preStop hook (exec `sleep 5`)
 *   and a finalizer: while the hook runs `kubectl get pod` says Terminating and `kubectl
 *   describe pod` says `Status: Terminating (lasts …)` with the Killing event; once the container
 *   has stopped the finalizer still holds the object, now in a terminal phase, which kubectl 1.32
 *   shows as it does against upstream (STATUS Completed, Status Succeeded) — the Killing event
 *   stays;
 * - removing the finalizer with `kubectl patch --type=json` completes the delete: the pod is gone
 *   and no process of it is left.
 *
 * Node index 41: host-mode addresses derive from it, and other scenario files' clusters may run
 * at the same time.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { eventually } from '../support/apiserver.js';
import { podProcessesUnder, startFullCluster, type FullCluster, type PodObj } from '../support/full-cluster.js';
import { closeFullCluster } from './support/workloads.js';

const PRESTOP_SECONDS = 5;

let cluster: FullCluster;
before(async () => {
  cluster = await startFullCluster({ nodes: 1, firstIndex: 41 });
});
after(() => closeFullCluster(cluster));

const MANIFEST = `
apiVersion: v1
kind: Pod
metadata:
  name: held
  finalizers: [example.com/hold]
spec:
  terminationGracePeriodSeconds: 20
  containers:
  - name: echo
    image: tskube/echo
    lifecycle:
      preStop:
        exec:
          command: [sleep, "${PRESTOP_SECONDS}"]
`;

const comm = (pid: number): string | undefined => {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return undefined;
  }
};

async function statusColumn(): Promise<string> {
  const r = await cluster.kubectl('get', 'pod', 'held', '--no-headers');
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.trim().split(/\s+/)[2]!;
}

describe('a pod held by a finalizer', () => {
  it('shows Terminating with the Killing event through its preStop hook, stays while held, and goes once the finalizer is removed', async () => {
    await cluster.apply(MANIFEST);
    const wait = await cluster.kubectl('wait', '--for=condition=Ready', 'pod/held', '--timeout=60s');
    assert.equal(wait.status, 0, wait.stderr);
    const pods = cluster.client.resource<PodObj>('', 'v1', 'pods');
    const uid = (await pods.get('held', { namespace: 'default' })).metadata.uid!;
    const dataDir = cluster.api.dataDir;
    const containerPids = podProcessesUnder(dataDir, uid);
    assert.ok(containerPids.length > 0, 'the container runs as a process');

    const del = await cluster.kubectl('delete', 'pod', 'held', '--wait=false');
    assert.equal(del.status, 0, del.stderr);
    assert.match(del.stdout, /pod "held" deleted/);

    // The preStop hook runs: a `sleep` of this pod's, and the pod is Terminating meanwhile.
    await eventually(() => podProcessesUnder(dataDir, uid).some((pid) => comm(pid) === 'sleep'), 10_000, 'the preStop hook to run');
    assert.equal(await statusColumn(), 'Terminating', 'Terminating while preStop runs');
    const described = (await cluster.kubectl('describe', 'pod', 'held')).stdout;
    assert.match(described, /^Status:\s+Terminating \(lasts .+\)$/m);
    assert.match(described, /^Termination Grace Period:\s+20s$/m);
    assert.match(described, /Normal\s+Killing\s+.*Stopping container echo/);
    assert.ok(podProcessesUnder(dataDir, uid).some((pid) => comm(pid) === 'sleep'), 'still inside the preStop hook (the checks above were in time)');
    assert.ok(
      containerPids.every((pid) => comm(pid) !== undefined),
      'the container is still running during preStop (SIGTERM comes after the hook)',
    );

    // The container stops once the hook is done; the finalizer keeps the object, Terminating.
    await eventually(
      async () => {
        const pod = await pods.get('held', { namespace: 'default' });
        return pod.status?.containerStatuses?.[0]?.state?.terminated !== undefined && podProcessesUnder(dataDir, uid).length === 0;
      },
      30_000,
      'the container to stop and its processes to be gone',
    );
    // The finalizer holds the object. Its containers are done, so the node agent has given it a
    // terminal phase (Succeeded: tskube/echo exits 0 on SIGTERM), as upstream's kubelet does
    // since 1.27; kubectl 1.32 then shows that phase (STATUS Completed, describe's Status
    // Succeeded) instead of Terminating, as it does against upstream.
    const held = await pods.get('held', { namespace: 'default' });
    assert.deepEqual(held.metadata.finalizers, ['example.com/hold']);
    assert.ok(held.metadata.deletionTimestamp, 'deletionTimestamp set');
    assert.equal(held.status?.phase, 'Succeeded');
    assert.equal(await statusColumn(), 'Completed');
    const describedAfter = (await cluster.kubectl('describe', 'pod', 'held')).stdout;
    assert.match(describedAfter, /^Status:\s+Succeeded$/m);
    assert.match(describedAfter, /Normal\s+Killing\s+.*Stopping container echo/);

    const patch = await cluster.kubectl('patch', 'pod', 'held', '--type=json', '-p', '[{"op":"remove","path":"/metadata/finalizers"}]');
    assert.equal(patch.status, 0, patch.stderr);
    await eventually(async () => (await cluster.kubectl('get', 'pod', 'held')).stderr.includes('NotFound'), 15_000, 'the pod to be gone');
    const get = await cluster.kubectl('get', 'pod', 'held');
    assert.notEqual(get.status, 0);
    assert.match(get.stderr, /pods "held" not found/);
    assert.deepEqual(podProcessesUnder(dataDir, uid), [], 'no process of the pod is left');
    for (const pid of containerPids) assert.equal(comm(pid), undefined, `pid ${pid} is gone`);
  });
});
