/**
 * Scheduling scenarios of issue 5 (seed 001) on a whole cluster — 6 nodes in 3 zones, pods that
 * really run (tskube/echo on the process runtime), everything driven with kubectl:
 *
 * - a Deployment of 6 with a zone topologySpreadConstraint (maxSkew 1, DoNotSchedule) ends up
 *   exactly 2 per zone;
 * - a Deployment with required pod anti-affinity by hostname and more replicas than nodes runs
 *   one per node and leaves the rest Pending, and `kubectl describe pod` shows upstream's
 *   FailedScheduling message.
 *
 * Node indexes 11-16: host mode derives addresses from them, and other scenario files' clusters
 * may run at the same time.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { eventually } from '../support/apiserver.js';
import { startFullCluster, type FullCluster } from '../support/full-cluster.js';
import { applyObjects } from './support/service-traffic.js';
import { closeFullCluster, echoDeployment } from './support/workloads.js';

let cluster: FullCluster;
before(async () => {
  cluster = await startFullCluster({ nodes: 6, zones: ['zone-a', 'zone-b', 'zone-c'], firstIndex: 11 });
});
after(() => closeFullCluster(cluster));

/** `kubectl get ... --no-headers`, split into rows of cells. */
async function rows(args: string[]): Promise<string[][]> {
  const r = await cluster.kubectl('get', ...args, '--no-headers');
  assert.equal(r.status, 0, r.stderr);
  return r.stdout
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => l.trim().split(/\s+/));
}

const POD_COLUMNS = 'custom-columns=NAME:.metadata.name,NODE:.spec.nodeName,PHASE:.status.phase';

describe('scheduling scenarios', () => {
  it('a zone topologySpreadConstraint puts 6 replicas exactly 2 per zone', async () => {
    await applyObjects(cluster, [
      echoDeployment({
        name: 'spread',
        replicas: 6,
        podSpec: {
          topologySpreadConstraints: [
            { maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: { app: 'spread' } } },
          ],
        },
      }),
    ]);
    const rollout = await cluster.kubectl('rollout', 'status', 'deployment/spread', '--timeout=90s');
    assert.equal(rollout.status, 0, rollout.stderr);
    assert.match(rollout.stdout, /deployment "spread" successfully rolled out/);

    const zoneOfNode = new Map((await rows(['nodes', '-o', 'custom-columns=NAME:.metadata.name,ZONE:.metadata.labels.topology\\.kubernetes\\.io/zone'])).map(([n, z]) => [n!, z!]));
    assert.equal(zoneOfNode.size, 6);
    const pods = await rows(['pods', '-l', 'app=spread', '-o', POD_COLUMNS]);
    assert.equal(pods.length, 6);
    const perZone = new Map<string, number>();
    for (const [name, node, phase] of pods) {
      assert.equal(phase, 'Running', `${name} is ${phase}`);
      const zone = zoneOfNode.get(node!);
      assert.ok(zone, `${name} is on ${node}, a node without a zone`);
      perZone.set(zone, (perZone.get(zone) ?? 0) + 1);
    }
    assert.deepEqual(Object.fromEntries([...perZone].sort()), { 'zone-a': 2, 'zone-b': 2, 'zone-c': 2 });
    // They really run: one echo process per pod (what the check after close() must not find).
    assert.ok(cluster.podProcesses().length >= 6, `pod processes: ${cluster.podProcesses().join(' ')}`);
  });

  it('required anti-affinity by hostname runs one per node and leaves the rest Pending with the upstream reason', async () => {
    await applyObjects(cluster, [
      echoDeployment({
        name: 'lonely',
        replicas: 8,
        podSpec: {
          affinity: {
            podAntiAffinity: {
              requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: { app: 'lonely' } } }],
            },
          },
        },
      }),
    ]);
    let pods: { name: string; node: string; phase: string }[] = [];
    await eventually(
      async () => {
        pods = (await rows(['pods', '-l', 'app=lonely', '-o', POD_COLUMNS])).map(([name, node, phase]) => ({ name: name!, node: node!, phase: phase! }));
        return pods.length === 8 && pods.filter((r) => r.phase === 'Running').length === 6;
      },
      90_000,
      '8 lonely pods, 6 of them Running',
    );
    const running = pods.filter((r) => r.phase === 'Running');
    assert.equal(new Set(running.map((r) => r.node)).size, 6, 'one Running replica per node');
    const pending = pods.filter((r) => r.phase === 'Pending');
    assert.equal(pending.length, 2);
    for (const p of pending) assert.equal(p.node, '<none>', `${p.name} must not be bound`);

    // Upstream 1.32: the filter's reason for every node, then the preemption dry run's verdict
    // (no pod of lower priority to remove anywhere).
    const expected =
      "0/6 nodes are available: 6 node(s) didn't match pod anti-affinity rules. preemption: 0/6 nodes are available: 6 No preemption victims found for incoming pod.";
    for (const p of pending) {
      let described = '';
      await eventually(
        async () => {
          described = (await cluster.kubectl('describe', 'pod', p.name)).stdout;
          return described.includes(expected);
        },
        30_000,
        `describe ${p.name} to show the FailedScheduling message`,
      ).catch((err: Error) => assert.fail(`${err.message}\n${described}`));
      assert.match(described, /^Status:\s+Pending$/m);
      assert.match(described, /Warning\s+FailedScheduling\s+.*default-scheduler\s+0\/6 nodes are available/);
    }
    // Nothing frees a node: still 6 Running, 2 Pending.
    const after = await cluster.pods('default', 'app=lonely');
    assert.deepEqual(
      after.map((p) => p.status?.phase).sort(),
      ['Pending', 'Pending', 'Running', 'Running', 'Running', 'Running', 'Running', 'Running'],
    );
  });
});
