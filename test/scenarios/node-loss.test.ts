/**
 * Scenario L3 of docs/scenarios.md end to end (seed 000): a node agent dies under a running
 * Deployment, on a whole cluster whose pods are real processes.
 *
 * Timing scaled down ~10× together, as the other node scenarios (SCALED_TIMING): lease 4 s,
 * status every 1 s, grace period 5 s, monitor period 0.5 s; the pods tolerate
 * node.kubernetes.io/unreachable and not-ready (NoExecute) for 3 s instead of upstream's 300 s.
 *
 * Expected, as upstream: the node goes Unknown (kubectl: NotReady) once the grace period passes
 * without heartbeats; 3 s after its NoExecute taint its pods are deleted (they stay Terminating:
 * no agent confirms them) and the ReplicaSet recreates them on the other nodes until every
 * replica is Ready again; the other nodes' pods are never touched. When the agent comes back it
 * finishes the deletion of its Terminating pods.
 *
 * Node indexes 31-36: host-mode addresses derive from them, and other scenario files' clusters
 * may run at the same time.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Node } from 'kubernetes-types/core/v1.js';
import type { KubeObject } from '../../src/api/object.js';
import { eventually } from '../support/apiserver.js';
import { podProcessesUnder, startFullCluster, type FullCluster, type PodObj } from '../support/full-cluster.js';
import { SCALED_TIMING } from '../support/lifecycle-lab.js';
import { applyObjects } from './support/service-traffic.js';
import { closeFullCluster, echoDeployment, isReady } from './support/workloads.js';

const REPLICAS = 6;
const GRACE_S = SCALED_TIMING.lifecycle.nodeMonitorGracePeriodMs / 1000;
const TOLERATION_S = SCALED_TIMING.tolerationSeconds;

let cluster: FullCluster;
before(async () => {
  cluster = await startFullCluster({
    nodes: 6,
    firstIndex: 31,
    lifecycle: SCALED_TIMING.lifecycle,
    heartbeat: { leaseDurationSeconds: SCALED_TIMING.leaseDurationSeconds, nodeStatusUpdateFrequencyMs: SCALED_TIMING.nodeStatusUpdateFrequencyMs },
  });
});
after(() => closeFullCluster(cluster));

// Two per zone (DoNotSchedule), and over the nodes as far as the scores manage (ScheduleAnyway):
// a hostname constraint with DoNotSchedule would keep the replacement Pending, as upstream's
// would, because the dead node still counts as a domain (nodeTaintsPolicy Ignore).
const WEB = echoDeployment({
  name: 'web',
  replicas: REPLICAS,
  podSpec: {
    tolerations: [
      { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: TOLERATION_S },
      { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: TOLERATION_S },
    ],
    topologySpreadConstraints: [
      { maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: { app: 'web' } } },
      { maxSkew: 1, topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'ScheduleAnyway', labelSelector: { matchLabels: { app: 'web' } } },
    ],
  },
});

const readyCondition = (n: Node): string | undefined => n.status?.conditions?.find((c) => c.type === 'Ready')?.status;
const seconds = (from: number): number => Math.round((Date.now() - from) / 100) / 10;

describe('L3 end to end: a node agent dies under a Deployment', () => {
  it('its pods are evicted after tolerationSeconds and recreated on the other nodes; nothing else moves', async () => {
    await applyObjects(cluster, [WEB]);
    const rollout = await cluster.kubectl('rollout', 'status', 'deployment/web', '--timeout=90s');
    assert.equal(rollout.status, 0, rollout.stderr);
    const before = await cluster.pods('default', 'app=web');
    assert.equal(before.filter(isReady).length, REPLICAS);
    const perNode = new Map<string, number>();
    for (const p of before) perNode.set(p.spec!.nodeName!, (perNode.get(p.spec!.nodeName!) ?? 0) + 1);
    // The victim: the node with the most replicas (at least one, so that something must move).
    const victim = [...perNode].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0]![0];
    const victimPods = before.filter((p) => p.spec!.nodeName === victim);
    const survivors = before.filter((p) => p.spec!.nodeName !== victim);

    const stoppedAt = Date.now();
    await cluster.stopNode(victim);

    const nodes = cluster.client.resource<Node & KubeObject>('', 'v1', 'nodes');
    await eventually(async () => readyCondition(await nodes.get(victim)) === 'Unknown', 30_000, `${victim} to become Unknown`);
    const unknownAfter = seconds(stoppedAt);
    const shown = await cluster.kubectl('get', 'node', victim, '--no-headers');
    assert.match(shown.stdout, new RegExp(`^${victim}\\s+NotReady\\s`), 'kubectl shows it NotReady');

    const gone = (p: PodObj | undefined): boolean => p === undefined || p.metadata.deletionTimestamp !== undefined;
    await eventually(
      async () => {
        const now = new Map((await cluster.pods('default', 'app=web')).map((p) => [p.metadata.uid, p]));
        return victimPods.every((p) => gone(now.get(p.metadata.uid)));
      },
      30_000,
      `${victim}'s pods to be evicted`,
    );
    const evictedAfter = seconds(stoppedAt);

    let current: PodObj[] = [];
    await eventually(
      async () => {
        current = (await cluster.pods('default', 'app=web')).filter((p) => !p.metadata.deletionTimestamp);
        return current.length === REPLICAS && current.every(isReady);
      },
      60_000,
      `${REPLICAS} Ready replicas again`,
    );
    const recoveredAfter = seconds(stoppedAt);
    console.log(
      `L3 end to end: ${victim} (${victimPods.length} of ${REPLICAS} pods) Unknown ${unknownAfter} s after its agent died (grace ${GRACE_S} s); ` +
        `its pods evicted after ${evictedAfter} s (tolerations ${TOLERATION_S} s); all ${REPLICAS} replicas Ready after ${recoveredAfter} s`,
    );

    // Outcomes, not timings — except the order upstream guarantees: not before the grace period,
    // not evicted before the tolerations ran out.
    assert.ok(unknownAfter >= GRACE_S - 1.5, `Unknown too early: ${unknownAfter} s`);
    // Evicted only once the tolerations ran out, by the API's own clocks (whole seconds): the
    // delete came tolerationSeconds or more after the node's Ready condition turned Unknown.
    const unknownSince = Date.parse((await nodes.get(victim)).status!.conditions!.find((c) => c.type === 'Ready')!.lastTransitionTime!);
    const evicted = (await cluster.pods('default', 'app=web')).filter((p) => victimPods.some((v) => v.metadata.uid === p.metadata.uid));
    assert.equal(evicted.length, victimPods.length, 'the evicted pods stay, Terminating, while their node is gone');
    for (const p of evicted) {
      const deletedAt = Date.parse(p.metadata.deletionTimestamp!) - (p.metadata.deletionGracePeriodSeconds ?? 0) * 1000;
      assert.ok(deletedAt - unknownSince >= (TOLERATION_S - 1) * 1000, `${p.metadata.name} deleted ${(deletedAt - unknownSince) / 1000} s after Unknown`);
    }
    assert.ok(current.every((p) => p.spec!.nodeName !== victim), 'no replacement on the dead node');
    const replacements = current.filter((p) => !survivors.some((s) => s.metadata.uid === p.metadata.uid));
    assert.equal(replacements.length, victimPods.length, 'one replacement per evicted pod');
    // The other nodes' pods: the same pods, never restarted, never deleted.
    for (const s of survivors) {
      const now = current.find((p) => p.metadata.uid === s.metadata.uid);
      assert.ok(now, `${s.metadata.name} on ${s.spec!.nodeName} must stay`);
      assert.equal(now.spec!.nodeName, s.spec!.nodeName);
      assert.equal(now.status?.containerStatuses?.[0]?.restartCount, 0, `${s.metadata.name} never restarted`);
    }
    for (const n of cluster.nodes) {
      if (n.name !== victim) assert.equal(readyCondition(await nodes.get(n.name)), 'True', `${n.name} stays Ready`);
    }
    // The evicted pods: Terminating, as upstream's (kubectl get shows it), nothing runs for them.
    const terminating = await cluster.kubectl('get', 'pods', '-l', 'app=web', '--field-selector', `spec.nodeName=${victim}`, '--no-headers');
    for (const p of victimPods) assert.match(terminating.stdout, new RegExp(`^${p.metadata.name}\\s+\\S+\\s+Terminating\\s`, 'm'));
    for (const p of victimPods) assert.deepEqual(podProcessesUnder(cluster.api.dataDir, p.metadata.uid), [], `no process of ${p.metadata.name}`);

    // The agent returns: Ready again, and it completes the deletion of its Terminating pods.
    cluster.startNode(victim);
    await eventually(async () => readyCondition(await nodes.get(victim)) === 'True', 30_000, `${victim} Ready again`);
    await eventually(
      async () => {
        const uids = new Set((await cluster.pods('default', 'app=web')).map((p) => p.metadata.uid));
        return victimPods.every((p) => !uids.has(p.metadata.uid));
      },
      30_000,
      `${victim}'s Terminating pods to be gone`,
    );
  });
});
