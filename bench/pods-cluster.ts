/**
 * @module bench/pods-cluster
 *
 * Child process of the pods benchmark: the node side of a cluster — `createFleet`'s virtual nodes
 * with the runtime asked for (argv: KUBECONFIG RUNTIME NODES DATA_DIR [scheduler]) and, when asked,
 * the scheduler — as `tskube node` and `tskube scheduler` would run them. Reports ready once every
 * node has registered; SIGTERM stops every container (no pod process survives the benchmark).
 */
import { loadKubeconfig } from '../src/client/index.js';
import { createFleet, runFleet, type RuntimeKind } from '../src/kubelet/fleet.js';
import { createLogger } from '../src/log.js';
import { runScheduler } from '../src/cli/scheduler.js';
import { runEntry, tellDriver } from './children.js';

runEntry(async () => {
  const [kubeconfig, runtime, count, dataDir, withScheduler] = process.argv.slice(2);
  if (!kubeconfig || !runtime || !count || !dataDir) throw new Error('usage: pods-cluster.ts KUBECONFIG RUNTIME NODES DATA_DIR [scheduler]');
  const config = await loadKubeconfig({ path: kubeconfig });
  const log = createLogger('bench-pods');
  const stop = new AbortController();
  const nodes = Number(count);
  const fleet = createFleet({ config, count: nodes, zones: ['zone-a', 'zone-b', 'zone-c'], log, runtime: runtime as RuntimeKind, ...(nodes > 0 && { dataDir }) });
  const running = [runFleet(fleet, stop.signal)];
  if (withScheduler === 'scheduler') running.push(runScheduler({ clientConfig: config, log, leaderElect: false, signal: stop.signal }));
  process.once('SIGTERM', () => {
    stop.abort();
    void Promise.allSettled(running).finally(() => process.exit(0));
  });
  await tellDriver({ type: 'ready', url: config.server });
});
