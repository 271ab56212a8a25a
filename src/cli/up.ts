/**
 * @module cli/up
 *
 * `tskube up`: one process that runs the whole local cluster. Today that is the storage layer,
 * its compactor and the API server; controllers, scheduler and node agents join as they are
 * built, and this command says plainly which parts run.
 */
import { resolve } from 'node:path';
import { Command, Option } from 'commander';
import { createLogger } from '../log.js';
import { runCompactor } from '../storage/compactor.js';
import { describeStorage, openStorage, parseStorageSpec, StorageSpecError } from '../storage/open.js';
import { loadClusterState, newClusterState, saveClusterState } from './cluster-state.js';
import { startApiServer } from '../apiserver/start.js';
import { loadKubeconfig } from '../client/index.js';
import { DEFAULT_NODE_LIFECYCLE_CONFIG } from '../controllers/nodelifecycle/config.js';
import { createFleet, runFleet } from '../kubelet/fleet.js';
import { runControllerManager } from './controller-manager.js';
import { runScheduler } from './scheduler.js';
import { parsePort, parsePositiveInt, parseZones } from './parse.js';
import { onShutdownSignal } from './signals.js';

export interface UpOptions {
  dataDir: string;
  port: number;
  storage: string;
  nodes?: number;
  zones?: string[];
  compactionInterval: number;
}

export function upCommand(): Command {
  return new Command('up')
    .description('start a local cluster in one process (storage, and the other components as they exist)')
    .option('--data-dir <dir>', 'where the cluster keeps its state; restarting with the same dir resumes the cluster', './.tskube')
    .option('--port <port>', 'HTTPS port of the API server', parsePort, 6443)
    .option('--storage <spec>', 'sqlite (under the data dir), memory, or etcd://host:port[,host:port...]', 'sqlite')
    .option('--nodes <n>', 'number of node agents (default 6, or what the data dir has)', parsePositiveInt)
    .option('--zones <list>', 'comma-separated zones the nodes are spread over (default zone-a,zone-b,zone-c)', parseZones)
    .addOption(
      new Option('--compaction-interval <seconds>', 'how often old revisions are compacted').argParser(parsePositiveInt).default(300),
    )
    .action(async (options: UpOptions, command: Command) => {
      try {
        await runUp(options);
      } catch (err) {
        if (err instanceof StorageSpecError) command.error(`error: ${err.message}`);
        throw err;
      }
    });
}

export async function runUp(options: UpOptions): Promise<void> {
  const shutdown = onShutdownSignal();
  const log = createLogger('up');
  const dataDir = resolve(options.dataDir);
  const spec = parseStorageSpec(options.storage, dataDir);
  const previous = loadClusterState(dataDir);
  const state = previous
    ? { ...previous, nodes: options.nodes ?? previous.nodes, zones: options.zones ?? previous.zones, storage: options.storage }
    : newClusterState({ nodes: options.nodes ?? 6, zones: options.zones ?? ['zone-a', 'zone-b', 'zone-c'], storage: options.storage });
  if (previous && previous.storage !== options.storage) {
    log.warn({ was: previous.storage, now: options.storage }, 'storage setting differs from the one this data dir was created with');
  }

  const kv = await openStorage(spec);
  saveClusterState(dataDir, state);
  const compactor = runCompactor(kv, {
    intervalMs: options.compactionInterval * 1000,
    signal: shutdown.signal,
    onCompact: (revision) => log.info({ revision }, 'compacted storage'),
    onError: (err) => log.warn({ err }, 'compaction failed; will retry next interval'),
  });
  const { revision } = await kv.stats();
  const apiserver = await startApiServer({ kv, dataDir, host: '127.0.0.1', port: options.port });
  const clientConfig = await loadKubeconfig({ path: apiserver.kubeconfigPath });
  const fleet = createFleet({ config: clientConfig, count: state.nodes, zones: state.zones, log: createLogger('node') });
  const nodes = runFleet(fleet, shutdown.signal);
  // One process, one controller manager: no leader election needed.
  const scheduler = runScheduler({ clientConfig, log: createLogger('scheduler'), leaderElect: false, signal: shutdown.signal });
  const controllers = runControllerManager({
    clientConfig,
    config: DEFAULT_NODE_LIFECYCLE_CONFIG,
    log: createLogger('controller-manager'),
    leaderElect: false,
    signal: shutdown.signal,
  });

  const lines = [
    `tskube: ${previous ? 'resumed' : 'created'} cluster ${state.uid} in ${dataDir}`,
    `  storage: ${describeStorage(spec)}, revision ${revision}`,
    `  API server: ${apiserver.url} (HTTP/2 and HTTP/1.1), kubeconfig ${apiserver.kubeconfigPath}`,
    `  nodes: ${fleet.map((n) => `${n.identity.name} (${n.identity.zone})`).join(', ')}`,
    `  controllers: node lifecycle, namespace; scheduler`,
    `  not yet built: workload controllers (Deployments make no pods yet), pods that run, service proxy and DNS.`,
    '',
    'Next, in another terminal:',
    `  export KUBECONFIG=${apiserver.kubeconfigPath}`,
    '  kubectl get namespaces',
    '',
    `tskube: running; press Ctrl-C to stop.`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);

  log.info({ signal: await shutdown.received }, 'shutting down');
  await Promise.all([nodes, controllers, scheduler]);
  await apiserver.close();
  await compactor;
  await kv.close();
  process.stdout.write('tskube: stopped cleanly.\n');
}
