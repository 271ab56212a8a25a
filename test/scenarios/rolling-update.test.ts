/**
 * Rolling-update scenarios of issue 5 (seed 001) on a whole cluster (6 nodes, tskube/echo on the
 * process runtime), driven with kubectl as a user would:
 *
 * - `kubectl set env deployment/web VERSION=2` rolls out; `kubectl rollout status` reports it;
 *   every pod then has VERSION=2 (`kubectl exec <pod> -- env`); `kubectl rollout undo` brings the
 *   previous revision back (no VERSION in any pod);
 * - a new version whose readiness probe always fails stalls the rollout: with 4 replicas and the
 *   default 25 % / 25 %, upstream keeps 3 old pods Ready (maxUnavailable 1) and stops at 2 new
 *   unready ones (maxSurge 1); the old pods keep answering, directly and through the Service;
 *   after progressDeadlineSeconds `kubectl rollout status` says the deadline was exceeded.
 *
 * Node indexes 21-26: host-mode addresses derive from them, and other scenario files' clusters
 * may run at the same time.
 */
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, describe, it } from 'node:test';
import type { Service } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import type { KubeObject } from '../../src/api/object.js';
import { eventually } from '../support/apiserver.js';
import { startFullCluster, type FullCluster, type PodObj } from '../support/full-cluster.js';
import { applyObjects } from './support/service-traffic.js';
import { closeFullCluster, echoDeployment, isReady } from './support/workloads.js';

const REPLICAS = 4;
const MAX_UNAVAILABLE = 1; // 25 % of 4
const MAX_SURGE = 1; // 25 % of 4
const PROGRESS_DEADLINE_SECONDS = 20;

let cluster: FullCluster;
before(async () => {
  cluster = await startFullCluster({ nodes: 6, firstIndex: 21 });
});
after(() => closeFullCluster(cluster));

const WEB = [
  echoDeployment({ name: 'web', replicas: REPLICAS, spec: { progressDeadlineSeconds: PROGRESS_DEADLINE_SECONDS } }),
  { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web' }, spec: { selector: { app: 'web' }, ports: [{ port: 80, targetPort: 8080 }] } },
];

const live = (pods: PodObj[]): PodObj[] => pods.filter((p) => !p.metadata.deletionTimestamp);
const hashOf = (p: PodObj): string | undefined => p.metadata.labels?.['pod-template-hash'];

async function kubectlOk(...args: string[]): Promise<string> {
  const r = await cluster.kubectl(...args);
  assert.equal(r.status, 0, `kubectl ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

/** Waits until only the pods of one revision are left (rollout status may finish before the old pods are gone). */
async function settledPods(): Promise<PodObj[]> {
  let pods: PodObj[] = [];
  await eventually(
    async () => {
      pods = await cluster.pods('default', 'app=web');
      return pods.length === REPLICAS && pods.every((p) => !p.metadata.deletionTimestamp && isReady(p)) && new Set(pods.map(hashOf)).size === 1;
    },
    60_000,
    `${REPLICAS} Ready pods of one revision and nothing else`,
  );
  return pods;
}

/** The container's environment, as `kubectl exec <pod> -- env` prints it. */
async function envOf(pod: PodObj): Promise<string[]> {
  return (await kubectlOk('exec', pod.metadata.name!, '--', 'env')).split('\n');
}

/** GET http://host:port/ → the status and the answering pod (tskube/echo answers with its name). */
function get(host: string, port: number): Promise<{ status: number; pod: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host, port, path: '/', timeout: 5_000, agent: false }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, pod: (JSON.parse(body) as { pod: string }).pod }));
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${host}:${port} timed out`)));
    req.on('error', reject);
    req.end();
  });
}

describe('rolling update scenarios', () => {
  it('set env rolls out, rollout status reports it, rollout undo restores the previous revision', async () => {
    await applyObjects(cluster, WEB);
    assert.match(await kubectlOk('rollout', 'status', 'deployment/web', '--timeout=90s'), /deployment "web" successfully rolled out/);
    const first = await settledPods();
    for (const p of first) assert.ok(!(await envOf(p)).some((l) => l.startsWith('VERSION=')), `${p.metadata.name} has no VERSION yet`);

    await kubectlOk('set', 'env', 'deployment/web', 'VERSION=2');
    assert.match(await kubectlOk('rollout', 'status', 'deployment/web', '--timeout=90s'), /deployment "web" successfully rolled out/);
    const second = await settledPods();
    assert.notEqual(hashOf(second[0]!), hashOf(first[0]!), 'a new ReplicaSet');
    for (const p of second) assert.ok((await envOf(p)).includes('VERSION=2'), `${p.metadata.name} has VERSION=2`);
    assert.match(await kubectlOk('rollout', 'history', 'deployment/web'), /^2\s/m);

    assert.match(await kubectlOk('rollout', 'undo', 'deployment/web'), /deployment.apps\/web rolled back/);
    assert.match(await kubectlOk('rollout', 'status', 'deployment/web', '--timeout=90s'), /deployment "web" successfully rolled out/);
    const third = await settledPods();
    assert.equal(hashOf(third[0]!), hashOf(first[0]!), 'the first revision\'s ReplicaSet is back');
    for (const p of third) assert.ok(!(await envOf(p)).some((l) => l.startsWith('VERSION=')), `${p.metadata.name} has no VERSION after undo`);
    // Upstream: the restored template becomes revision 3 (revision 1 is gone from the history).
    const revision = await kubectlOk('get', 'deployment/web', '-o', 'jsonpath={.metadata.annotations.deployment\\.kubernetes\\.io/revision}');
    assert.equal(revision, '3');
  });

  it('a version whose readiness fails stalls the rollout with the old pods Ready and serving', async () => {
    const old = await settledPods();
    const oldHash = hashOf(old[0]!);
    await kubectlOk('set', 'env', 'deployment/web', 'VERSION=broken', 'FAIL_READINESS=true');

    // The controller surges and scales down as far as maxSurge/maxUnavailable allow, then stops.
    let pods: PodObj[] = [];
    await eventually(
      async () => {
        pods = live(await cluster.pods('default', 'app=web'));
        const fresh = pods.filter((p) => hashOf(p) !== oldHash);
        return fresh.length === MAX_SURGE + MAX_UNAVAILABLE && fresh.every((p) => p.status?.phase === 'Running');
      },
      60_000,
      'the new ReplicaSet to reach its stalled size with Running pods',
    );
    // Longer than a few readiness periods and controller resyncs: nothing moves.
    await new Promise((r) => setTimeout(r, 4_000));
    pods = live(await cluster.pods('default', 'app=web'));
    const oldPods = pods.filter((p) => hashOf(p) === oldHash);
    const newPods = pods.filter((p) => hashOf(p) !== oldHash);
    assert.equal(newPods.length, MAX_SURGE + MAX_UNAVAILABLE, 'new pods: surge + unavailable');
    assert.equal(newPods.filter(isReady).length, 0, 'no new pod is Ready');
    assert.equal(oldPods.length, REPLICAS - MAX_UNAVAILABLE, 'old pods kept');
    assert.equal(oldPods.filter(isReady).length, REPLICAS - MAX_UNAVAILABLE, 'old pods Ready: replicas - maxUnavailable');
    assert.ok(pods.length <= REPLICAS + MAX_SURGE, 'never more than replicas + maxSurge');

    // The old pods serve: each directly on its pod IP, and the Service through a node's proxy.
    const oldNames = new Set(oldPods.map((p) => p.metadata.name));
    for (const p of oldPods) assert.equal((await get(p.status!.podIP!, 8080)).status, 200, `${p.metadata.name} answers`);
    const svc = await cluster.client.resource<Service & KubeObject>('', 'v1', 'services').get('web', { namespace: 'default' });
    const viaProxy = cluster.serviceAddress(cluster.nodes[0]!.index, svc.spec!.clusterIP!);
    await eventually(
      async () => {
        const slices = await cluster.client.resource<EndpointSlice & KubeObject>('discovery.k8s.io', 'v1', 'endpointslices').list({
          namespace: 'default',
          labelSelector: 'kubernetes.io/service-name=web',
        });
        return slices.items.flatMap((s) => s.endpoints).filter((e) => e.conditions?.ready).length === oldPods.length;
      },
      15_000,
      'the Service to have exactly the old pods as ready endpoints',
    );
    for (let i = 0; i < 12; i++) {
      const answer = await get(viaProxy, 80);
      assert.equal(answer.status, 200);
      assert.ok(oldNames.has(answer.pod), `answered by ${answer.pod}, an old pod`);
    }

    const status = await cluster.kubectl('rollout', 'status', 'deployment/web', '--timeout=5s');
    assert.notEqual(status.status, 0, 'rollout status must not report success');
    assert.match(status.stdout, /Waiting for deployment "web" rollout to finish: 2 out of 4 new replicas have been updated/);

    // Upstream's progress deadline: the Progressing condition turns False and rollout status fails.
    const deadline = await cluster.kubectl('rollout', 'status', 'deployment/web', `--timeout=${PROGRESS_DEADLINE_SECONDS + 30}s`);
    assert.notEqual(deadline.status, 0);
    assert.match(deadline.stderr, /error: deployment "web" exceeded its progress deadline/);
    pods = live(await cluster.pods('default', 'app=web'));
    assert.equal(pods.filter((p) => hashOf(p) === oldHash && isReady(p)).length, REPLICAS - MAX_UNAVAILABLE, 'old pods still Ready after the deadline');
  });
});
