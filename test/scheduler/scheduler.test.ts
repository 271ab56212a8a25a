/**
 * The running scheduler against a real API server: six Ready nodes in three zones (two each),
 * pods spread over zones, required anti-affinity, and a pod that fits nowhere gets upstream's
 * FailedScheduling event and PodScheduled=False/Unschedulable — visible in `kubectl describe`;
 * adding a node big enough schedules it without waiting out its backoff.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Event as EventType, Node as NodeType, Pod as PodType } from 'kubernetes-types/core/v1.js';
import type { KubeObject } from '../../src/api/object.js';
import { loadKubeconfig, RestClient } from '../../src/client/index.js';
import { runScheduler } from '../../src/cli/scheduler.js';
import { createLogger } from '../../src/log.js';
import { schedule, Snapshot } from '../../src/scheduler/framework.js';
import { defaultProfile } from '../../src/scheduler/profile.js';
import type { Scheduler } from '../../src/scheduler/scheduler.js';
import { eventually, startTestCluster, type TestCluster } from '../support/apiserver.js';

type Node = NodeType & KubeObject;
type Pod = PodType & KubeObject;
type Event = EventType & KubeObject;

const ZONE = 'topology.kubernetes.io/zone';
const HOSTNAME = 'kubernetes.io/hostname';

let cluster: TestCluster;
let client: RestClient;
let running: Promise<void> | undefined;
let scheduler: Scheduler | undefined;
const stop = new AbortController();

const pods = () => client.resource<Pod>('', 'v1', 'pods');
const nodes = () => client.resource<Node>('', 'v1', 'nodes');

async function createNode(name: string, zone: string, cpu = '4'): Promise<void> {
  const now = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
  const status = {
    capacity: { cpu, memory: '8Gi', pods: '110' },
    allocatable: { cpu, memory: '8Gi', pods: '110' },
    conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'ready', lastHeartbeatTime: now, lastTransitionTime: now }],
  };
  await nodes().create({ apiVersion: 'v1', kind: 'Node', metadata: { name, labels: { [ZONE]: zone, [HOSTNAME]: name } }, status });
  // Whether or not create kept the status, make sure it is there (as a node agent would).
  await nodes().patch(name, 'merge', { status }, { subresource: 'status' });
}

function podSpec(name: string, labels: Record<string, string>, cpu: string, extra: NonNullable<Pod['spec']> | object = {}): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, labels },
    spec: { containers: [{ name: 'c', image: 'tskube/echo', resources: { requests: { cpu, memory: '64Mi' } } }], ...extra },
  };
}

async function waitAssigned(names: readonly string[], timeoutMs = 15_000): Promise<Map<string, string>> {
  const assigned = new Map<string, string>();
  await eventually(
    async () => {
      for (const name of names) {
        const node = (await pods().get(name, { namespace: 'default' })).spec?.nodeName;
        if (node) assigned.set(name, node);
      }
      return assigned.size === names.length;
    },
    timeoutMs,
    `pods ${names.join(', ')} to be bound`,
  );
  return assigned;
}

before(async () => {
  cluster = await startTestCluster();
  client = new RestClient({ config: await loadKubeconfig({ path: cluster.api.kubeconfigPath }) });
  for (const zone of ['a', 'b', 'c']) for (const i of [1, 2]) await createNode(`node-${zone}${i}`, zone);
  running = runScheduler({
    clientConfig: await loadKubeconfig({ path: cluster.api.kubeconfigPath }),
    log: createLogger('scheduler-test'),
    leaderElect: true,
    signal: stop.signal,
    onStarted: (s) => (scheduler = s),
  });
});

after(async () => {
  stop.abort();
  await running;
  client?.close();
  await cluster?.close();
});

describe('scheduler', () => {
  it('leads through the kube-system/kube-scheduler Lease', async () => {
    await eventually(() => scheduler !== undefined, 10_000, 'the scheduler to start leading');
    const lease = await client.resource('coordination.k8s.io', 'v1', 'leases').get('kube-scheduler', { namespace: 'kube-system' });
    assert.ok((lease as { spec?: { holderIdentity?: string } }).spec?.holderIdentity);
  });

  it('spreads six pods over three zones, two per zone (maxSkew 1, DoNotSchedule)', async () => {
    const spread = {
      topologySpreadConstraints: [{ maxSkew: 1, topologyKey: ZONE, whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: { app: 'web' } } }],
    };
    const names = Array.from({ length: 6 }, (_, i) => `web-${i}`);
    await Promise.all(names.map((n) => pods().create(podSpec(n, { app: 'web' }, '100m', spread), { namespace: 'default' })));
    const assigned = await waitAssigned(names);
    const perZone = new Map<string, number>();
    for (const node of assigned.values()) {
      const zone = node.slice('node-'.length, 'node-'.length + 1);
      perZone.set(zone, (perZone.get(zone) ?? 0) + 1);
    }
    assert.deepEqual(Object.fromEntries([...perZone].sort()), { a: 2, b: 2, c: 2 });
    const events = await client.resource<Event>('', 'v1', 'events').list({ namespace: 'default' });
    const scheduled = events.items.find((e) => e.involvedObject.name === 'web-0' && e.reason === 'Scheduled');
    assert.equal(scheduled?.message, `Successfully assigned default/web-0 to ${assigned.get('web-0')}`);
  });

  it('puts two pods with required hostname anti-affinity on different nodes', async () => {
    const anti = {
      affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: { app: 'db' } }, topologyKey: HOSTNAME }] } },
    };
    await pods().create(podSpec('db-0', { app: 'db' }, '100m', anti), { namespace: 'default' });
    await pods().create(podSpec('db-1', { app: 'db' }, '100m', anti), { namespace: 'default' });
    const assigned = await waitAssigned(['db-0', 'db-1']);
    assert.notEqual(assigned.get('db-0'), assigned.get('db-1'));
  });

  it('reports a pod that fits nowhere: FailedScheduling event, PodScheduled=False, kubectl describe', async () => {
    await pods().create(podSpec('huge', { app: 'huge' }, '100'), { namespace: 'default' });
    let event: Event | undefined;
    await eventually(
      async () => {
        const events = await client.resource<Event>('', 'v1', 'events').list({ namespace: 'default' });
        event = events.items.find((e) => e.involvedObject.name === 'huge' && e.reason === 'FailedScheduling');
        return event !== undefined;
      },
      15_000,
      'the FailedScheduling event',
    );
    // What the framework says for the cluster as it is now.
    const pod = await pods().get('huge', { namespace: 'default' });
    const [allNodes, allPods] = await Promise.all([nodes().list(), pods().list()]);
    const result = schedule(pod, new Snapshot(allNodes.items, allPods.items), defaultProfile);
    assert.equal(result.ok, false);
    const expected = result.ok ? '' : result.error.message;
    assert.ok(expected.startsWith('0/6 nodes are available:'), expected);
    assert.equal(expected, '0/6 nodes are available: 6 Insufficient cpu. preemption: 0/6 nodes are available: 6 Preemption is not helpful for scheduling.');

    assert.ok(event);
    assert.equal(event.message, expected);
    assert.equal(event.type, 'Warning');
    assert.equal(event.involvedObject.kind, 'Pod');
    assert.equal(event.involvedObject.namespace, 'default');
    assert.equal(event.involvedObject.uid, pod.metadata?.uid);
    assert.equal(event.source?.component, 'default-scheduler');
    assert.equal(event.reportingComponent, 'default-scheduler');
    assert.match(event.metadata?.name ?? '', /^huge\.[0-9a-f]+$/);
    assert.ok(event.firstTimestamp && event.lastTimestamp);
    assert.ok((event.count ?? 0) >= 1);

    await eventually(
      async () => {
        const c = (await pods().get('huge', { namespace: 'default' })).status?.conditions?.find((x) => x.type === 'PodScheduled');
        return c?.status === 'False' && c.reason === 'Unschedulable' && c.message === expected;
      },
      10_000,
      'PodScheduled=False/Unschedulable',
    );

    const described = await cluster.kubectl(['describe', 'pod', 'huge', '-n', 'default']);
    assert.equal(described.status, 0, described.stderr);
    const events = described.stdout.slice(described.stdout.indexOf('Events:'));
    assert.ok(described.stdout.includes('Events:'), described.stdout);
    assert.match(events, /Warning\s+FailedScheduling/);
    assert.match(events, /default-scheduler/);
    assert.ok(events.replace(/\s+/g, ' ').includes(expected), events);
  });

  it('schedules the unschedulable pod as soon as a node that fits it is added', async () => {
    // Let the pod back off a few times first so the backoff would be seconds long.
    await new Promise((r) => setTimeout(r, 3_000));
    // Retries bump the one Event (count, lastTimestamp) rather than adding more.
    const failed = (await client.resource<Event>('', 'v1', 'events').list({ namespace: 'default' })).items.filter(
      (e) => e.involvedObject.name === 'huge' && e.reason === 'FailedScheduling',
    );
    assert.equal(failed.length, 1);
    assert.ok((failed[0]?.count ?? 0) >= 2, `count ${failed[0]?.count}`);
    const added = Date.now();
    await createNode('node-big', 'c', '128');
    const assigned = await waitAssigned(['huge'], 10_000);
    assert.equal(assigned.get('huge'), 'node-big');
    assert.ok(Date.now() - added < 2_000, `bound ${Date.now() - added} ms after the node was added`);
    assert.ok((scheduler?.stats.unschedulable ?? 0) >= 1);
  });
});
