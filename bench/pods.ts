/**
 * @module bench/pods
 *
 * The pods benchmark (issue 5), two measurements, each against a baseline run in the same
 * invocation:
 *
 *  1. Pod startup latency: 100 pods (tskube/pause) created 10 at a time on a fresh cluster of 6
 *     nodes in 3 zones with the scheduler; per pod, from the create call's answer until a watch
 *     sees it Running with every container ready. Measured on the process runtime (real
 *     processes) and, as the baseline, on the simulated runtime (the same path with no process),
 *     so the ratio is what starting real processes costs. Goal: p99 < 1 s (upstream's SLO: 5 s).
 *  2. Scheduler throughput: 10,000 pending pods on 1,000 Ready Node objects (nodes registered
 *     through the API with no agent, as KWOK's; no pod needs to run for this), the scheduler
 *     started once all exist; pods/s until every pod is bound. Baseline: the same number of
 *     bindings posted directly, round-robin with no scheduling, by a client with the same
 *     concurrency as the scheduler's one worker — the API's share of the cost.
 *
 * Children (children.ts): the API server (apiserver-server.ts, SQLite) and the node side
 * (pods-cluster.ts). TSKUBE_BENCH_PODS=startup or =scheduler runs only one part.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import type { KubeObject } from '../src/api/object.js';
import { loadKubeconfig, RestClient } from '../src/client/index.js';
import { createLogger } from '../src/log.js';
import { Children } from './children.js';
import { Latencies, printTable, round } from './stats.js';

type PodObj = Pod & KubeObject;
type NodeObj = Node & KubeObject;

const STARTUP_PODS = 100;
const STARTUP_NODES = 6;
const CREATE_CONCURRENCY = 10;
const SCHEDULER_NODES = 1_000;
const SCHEDULER_PODS = 10_000;
const NAMESPACE = 'default';
const BENCH_SCHEDULER = 'bench-scheduler';

export interface PodsBenchOptions {
  readonly seconds: number;
}

interface Cluster {
  readonly client: RestClient;
  readonly children: Children;
  readonly dir: string;
  readonly kubeconfig: string;
  close(): Promise<void>;
}

async function startCluster(runtime: string, nodes: number, withScheduler: boolean): Promise<Cluster> {
  const dir = mkdtempSync(join(tmpdir(), 'tskube-bench-pods-'));
  const children = new Children();
  const kubeconfig = join(dir, 'kubeconfig');
  try {
    const server = children.start('apiserver', './apiserver-server.ts', [dir]);
    await server.next('ready', 60_000);
    const config = await loadKubeconfig({ path: kubeconfig });
    const client = new RestClient({ config, log: createLogger('bench-pods'), userAgent: 'tskube-bench-pods' });
    if (nodes > 0 || withScheduler) {
      const cluster = children.start('cluster', './pods-cluster.ts', [kubeconfig, runtime, String(nodes), join(dir, 'nodes'), withScheduler ? 'scheduler' : '']);
      await cluster.next('ready', 60_000);
    }
    return {
      client,
      children,
      dir,
      kubeconfig,
      async close() {
        client.close();
        await children.stopAll();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await children.stopAll();
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}

async function poll(what: string, timeoutMs: number, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

function isReady(node: NodeObj): boolean {
  return node.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}

function isRunningAndReady(pod: PodObj): boolean {
  return pod.status?.phase === 'Running' && (pod.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false);
}

/** Runs `work` over `items` with at most `concurrency` in flight. */
async function inParallel<T>(items: readonly T[], concurrency: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) await work(items[next++]!);
    }),
  );
}

function pausePod(name: string, cpu: string): PodObj {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: NAMESPACE, labels: { app: 'bench' } },
    spec: {
      terminationGracePeriodSeconds: 1,
      containers: [{ name: 'pause', image: 'tskube/pause', resources: { requests: { cpu, memory: '1Mi' } } }],
    },
  };
}

interface StartupFigures {
  runtime: string;
  pods: number;
  running: number;
  /** Until the watch saw spec.nodeName set (the scheduler's share). */
  boundP50Ms: number;
  boundP99Ms: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  wallSeconds: number;
}

async function measureStartup(runtime: string): Promise<StartupFigures> {
  const cluster = await startCluster(runtime, STARTUP_NODES, true);
  try {
    const nodes = cluster.client.resource<NodeObj>('', 'v1', 'nodes');
    await poll(`${STARTUP_NODES} Ready nodes`, 60_000, async () => (await nodes.list()).items.filter(isReady).length === STARTUP_NODES);
    const pods = cluster.client.resource<PodObj>('', 'v1', 'pods');
    const createdAt = new Map<string, number>();
    const runningAt = new Map<string, number>();
    const boundAt = new Map<string, number>();
    const initial = await pods.list({ namespace: NAMESPACE });
    const abort = new AbortController();
    const watch = await pods.watch({ namespace: NAMESPACE, resourceVersion: initial.metadata.resourceVersion, signal: abort.signal });
    const watching = (async () => {
      try {
        for await (const event of watch) {
          const pod = event.object as PodObj;
          const name = pod.metadata?.name ?? '';
          if (!boundAt.has(name) && pod.spec?.nodeName) boundAt.set(name, performance.now());
          if (!runningAt.has(name) && isRunningAndReady(pod)) runningAt.set(name, performance.now());
        }
      } catch {
        // aborted at the end
      }
    })();
    const names = Array.from({ length: STARTUP_PODS }, (_, i) => `startup-${i}`);
    const t0 = performance.now();
    await inParallel(names, CREATE_CONCURRENCY, async (name) => {
      await pods.create(pausePod(name, '10m'), { namespace: NAMESPACE });
      createdAt.set(name, performance.now());
    });
    await poll(`${STARTUP_PODS} pods Running`, 120_000, async () => runningAt.size === STARTUP_PODS).catch(() => {});
    const wallSeconds = (performance.now() - t0) / 1000;
    abort.abort();
    await watching;
    // A pod can be seen bound or Running before its create call's answer arrives: 0 ms from the caller's view.
    const since = (at: Map<string, number>) => {
      const latencies = new Latencies();
      for (const [name, t] of at) {
        const created = createdAt.get(name);
        if (created !== undefined) latencies.add(Math.max(0, t - created));
      }
      return latencies.summary();
    };
    const s = since(runningAt);
    const bound = since(boundAt);
    return {
      runtime,
      pods: STARTUP_PODS,
      running: runningAt.size,
      boundP50Ms: round(bound.p50, 1),
      boundP99Ms: round(bound.p99, 1),
      p50Ms: round(s.p50, 1),
      p99Ms: round(s.p99, 1),
      maxMs: round(s.max, 1),
      wallSeconds: round(wallSeconds, 2),
    };
  } finally {
    await cluster.close();
  }
}

interface SchedulerFigures {
  path: string;
  nodes: number;
  pods: number;
  bound: number;
  seconds: number;
  podsPerSecond: number;
}

async function createSchedulingFixture(client: RestClient): Promise<string[]> {
  const nodes = client.resource<NodeObj>('', 'v1', 'nodes');
  const names = Array.from({ length: SCHEDULER_NODES }, (_, i) => `sim-${i}`);
  await inParallel(names, 32, async (name) => {
    const zone = `zone-${'abc'[Number(name.slice(4)) % 3]}`;
    await nodes.create({
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name, labels: { 'kubernetes.io/hostname': name, 'topology.kubernetes.io/zone': zone, 'kubernetes.io/os': 'linux' } },
    });
    await client.request({
      method: 'PATCH',
      path: `/api/v1/nodes/${name}/status`,
      contentType: 'application/merge-patch+json',
      body: {
        status: {
          capacity: { cpu: '32', memory: '64Gi', pods: '110' },
          allocatable: { cpu: '32', memory: '64Gi', pods: '110' },
          conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'simulated', lastHeartbeatTime: new Date().toISOString(), lastTransitionTime: new Date().toISOString() }],
        },
      },
      idempotent: true,
    });
  });
  const pods = client.resource<PodObj>('', 'v1', 'pods');
  const podNames = Array.from({ length: SCHEDULER_PODS }, (_, i) => `pending-${i}`);
  // The pods name a scheduler that only starts when the clock does (spec.schedulerName is
  // immutable), so every pod is pending when the measurement begins.
  await inParallel(podNames, 32, async (name) => {
    const pod = pausePod(name, '100m');
    await pods.create({ ...pod, spec: { ...pod.spec!, schedulerName: BENCH_SCHEDULER } }, { namespace: NAMESPACE });
  });
  return podNames;
}

async function countBound(client: RestClient): Promise<number> {
  const list = await client.resource<PodObj>('', 'v1', 'pods').listAll({ namespace: NAMESPACE, fieldSelector: 'spec.nodeName!=' });
  return list.items.length;
}

async function measureScheduler(path: 'scheduler' | 'direct bindings'): Promise<SchedulerFigures> {
  const cluster = await startCluster('simulated', 0, false);
  try {
    const podNames = await createSchedulingFixture(cluster.client);
    const t0 = performance.now();
    if (path === 'direct bindings') {
      let i = 0;
      await inParallel(podNames, 1, async (name) => {
        const node = `sim-${i++ % SCHEDULER_NODES}`;
        await cluster.client.request({
          method: 'POST',
          path: `/api/v1/namespaces/${NAMESPACE}/pods/${name}/binding`,
          body: { apiVersion: 'v1', kind: 'Binding', metadata: { name }, target: { apiVersion: 'v1', kind: 'Node', name: node } },
          idempotent: false,
        });
      });
    } else {
      const child = cluster.children.start('scheduler', './pods-scheduler.ts', [cluster.kubeconfig, BENCH_SCHEDULER]);
      await child.next('ready', 60_000);
      await poll(`${SCHEDULER_PODS} pods bound`, 600_000, async () => (await countBound(cluster.client)) === SCHEDULER_PODS).catch(() => {});
    }
    const seconds = (performance.now() - t0) / 1000;
    const bound = await countBound(cluster.client);
    return { path, nodes: SCHEDULER_NODES, pods: SCHEDULER_PODS, bound, seconds: round(seconds, 2), podsPerSecond: round(bound / seconds, 0) };
  } finally {
    await cluster.close();
  }
}

export async function runPodsBench(_options: PodsBenchOptions): Promise<Record<string, unknown>> {
  const only = process.env.TSKUBE_BENCH_PODS;
  const result: Record<string, unknown> = {};
  if (!only || only === 'startup') {
    const baseline = await measureStartup('simulated');
    const real = await measureStartup('process');
    console.log(`\nPod startup latency: ${STARTUP_PODS} tskube/pause pods, ${CREATE_CONCURRENCY} creates in flight, ${STARTUP_NODES} nodes; create answered → Running and Ready (goal p99 < 1 s)\n`);
    printTable(
      [baseline, real].map((f) => ({
        runtime: f.runtime,
        running: `${f.running}/${f.pods}`,
        'bound p50 ms': f.boundP50Ms,
        'bound p99 ms': f.boundP99Ms,
        'p50 ms': f.p50Ms,
        'p99 ms': f.p99Ms,
        'max ms': f.maxMs,
        'all running s': f.wallSeconds,
        'p99 vs simulated': f === baseline ? '1.00×' : `${round(f.p99Ms / baseline.p99Ms, 2)}×`,
      })),
    );
    result.startup = { baseline, process: real };
  }
  if (!only || only === 'scheduler') {
    const baseline = await measureScheduler('direct bindings');
    const scheduler = await measureScheduler('scheduler');
    console.log(`\nScheduler throughput: ${SCHEDULER_PODS} pending pods, ${SCHEDULER_NODES} Ready nodes (no agents); all pods pending before the clock starts\n`);
    printTable(
      [baseline, scheduler].map((f) => ({
        path: f.path,
        bound: `${f.bound}/${f.pods}`,
        seconds: f.seconds,
        'pods/s': f.podsPerSecond,
        'vs direct bindings': f === baseline ? '1.00×' : `${round(f.podsPerSecond / baseline.podsPerSecond, 2)}×`,
      })),
    );
    result.scheduler = { baseline, scheduler };
  }
  return result;
}
