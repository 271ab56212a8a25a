/**
 * @module bench/heartbeats-controller
 *
 * Child process: the controller manager of the heartbeat benchmark, as `tskube up` runs it
 * (`runControllerManager`, no leader election) with the node lifecycle controller at its DEFAULT
 * settings (grace 50 s, monitor every 5 s), against the API server whose data dir is argv[2]
 * (its admin kubeconfig). In its own process, as kube-controller-manager is, so the server's CPU
 * figures are the server's alone.
 *
 * Beside it, on its own connection, a node informer records what the benchmark asks about: every
 * node whose Ready condition went from True to anything else (NotReady or Unknown), every node
 * that ever carried one of the lifecycle taints, and the Ready state of every node now.
 * Each stats query from the driver is answered with a `ControllerStats`.
 */
import { setMaxListeners } from 'node:events';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { Node as NodeType } from 'kubernetes-types/core/v1.js';
import type { KubeObject } from '../src/api/object.js';
import { listWatchFor, loadKubeconfig, RestClient, SharedInformer } from '../src/client/index.js';
import { runControllerManager } from '../src/cli/controller-manager.js';
import { DEFAULT_NODE_LIFECYCLE_CONFIG } from '../src/controllers/nodelifecycle/config.js';
import { TAINT_NOT_READY, TAINT_UNREACHABLE, type NodeLifecycleController } from '../src/controllers/nodelifecycle/controller.js';
import { createLogger } from '../src/log.js';
import { runEntry, tellDriver } from './children.js';
import { STATS_QUERY, type ControllerStats } from './heartbeats-stats.js';

type Node = NodeType & KubeObject;

function readyOf(node: Node): string {
  return node.status?.conditions?.find((c) => c.type === 'Ready')?.status ?? 'None';
}

function tainted(node: Node): boolean {
  return (node.spec?.taints ?? []).some((t) => t.key === TAINT_NOT_READY || t.key === TAINT_UNREACHABLE);
}

runEntry(async () => {
  const dataDir = process.argv[2];
  if (!dataDir) throw new Error('usage: heartbeats-controller.ts DATA_DIR');
  const clientConfig = await loadKubeconfig({ path: join(dataDir, 'kubeconfig') });
  const log = createLogger('controller-manager');
  const stop = new AbortController();
  // The controllers, their informers and ours all listen on it.
  setMaxListeners(0, stop.signal);
  let lifecycle: NodeLifecycleController | undefined;
  const manager = runControllerManager({
    clientConfig,
    config: DEFAULT_NODE_LIFECYCLE_CONFIG,
    log,
    leaderElect: false,
    signal: stop.signal,
    onStarted: (c) => (lifecycle = c.nodeLifecycle),
  });

  const client = new RestClient({ config: clientConfig, log, userAgent: 'tskube-bench-readiness' });
  const informer = new SharedInformer<Node>({ name: 'bench-nodes', listWatch: listWatchFor(client.resource<Node>('', 'v1', 'nodes')), log });
  const everNotReady = new Set<string>();
  const everTainted = new Set<string>();
  const examples: string[] = [];
  const seen = (node: Node, old?: Node) => {
    const name = node.metadata!.name!;
    if (tainted(node)) everTainted.add(name);
    if (old && readyOf(old) === 'True' && readyOf(node) !== 'True' && !everNotReady.has(name)) {
      everNotReady.add(name);
      const reason = node.status?.conditions?.find((c) => c.type === 'Ready')?.reason;
      if (examples.length < 10) examples.push(`${name}: ${readyOf(node)} (${reason ?? 'no reason'})`);
    }
  };
  informer.addEventHandler({ onAdd: (n) => seen(n), onUpdate: (o, n) => seen(n, o) });
  const watching = informer.run(stop.signal);

  const fail = (what: string) => (err: unknown) => {
    if (stop.signal.aborted) return;
    void tellDriver({ type: 'error', message: `${what} failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}` }).finally(() => process.exit(1));
  };
  manager.catch(fail('the controller manager'));
  watching.catch(fail('the node informer'));

  const delay = monitorEventLoopDelay({ resolution: 1 });
  delay.enable();
  process.on('message', (m: unknown) => {
    if (m !== STATS_QUERY) return;
    const nodes = informer.indexer.list();
    const ready = nodes.filter((n) => readyOf(n) === 'True').length;
    const stats: ControllerStats = {
      eventLoopDelayP99Ms: delay.percentile(99) / 1e6,
      eventLoopDelayMaxMs: delay.max / 1e6,
      ...(lifecycle && { notReadyTransitions: lifecycle.stats.notReadyTransitions, evictions: lifecycle.stats.evictions }),
      nodes: nodes.length,
      ready,
      everNotReady: everNotReady.size,
      notReadyNow: nodes.length - ready,
      neverReady: nodes.filter((n) => readyOf(n) !== 'True' && !everNotReady.has(n.metadata!.name!)).length,
      everTainted: everTainted.size,
      taintedNow: nodes.filter(tainted).length,
      notReadyExamples: examples,
    };
    delay.reset();
    void tellDriver({ type: 'stats', stats });
  });

  process.once('SIGTERM', () => {
    stop.abort();
    void Promise.allSettled([manager, watching]).finally(() => {
      client.close();
      process.exit(0);
    });
  });
  await informer.waitForSync(stop.signal);
  await tellDriver({ type: 'ready', url: clientConfig.server });
});
