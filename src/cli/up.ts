/**
 * @module cli/up
 *
 * `tskube up`: one process that runs the whole local cluster: the storage layer and its compactor,
 * the API server, the controller manager and the scheduler (no leader election: one process),
 * N node agents in host networking mode (real processes for pods, each node with its kubelet API
 * and service proxy), and the cluster DNS on a loopback port. Pods and their processes live
 * under the data dir; stopping `tskube up` stops every pod process.
 */
import { join, resolve } from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import { createLogger } from '../log.js';
import { runCompactor } from '../storage/compactor.js';
import { describeStorage, openStorage, parseStorageSpec, StorageSpecError } from '../storage/open.js';
import { loadClusterState, newClusterState, saveClusterState } from './cluster-state.js';
import { startApiServer } from '../apiserver/start.js';
import { loadKubeconfig, RestClient } from '../client/index.js';
import { DnsServer, formatHostPort } from '../dns/index.js';
import { DEFAULT_NODE_LIFECYCLE_CONFIG } from '../controllers/nodelifecycle/config.js';
import { runFleet, type RuntimeKind } from '../kubelet/fleet.js';
import { createNodeAgents } from './node-agents.js';
import { removeUpPid, writeUpPid } from './down.js';
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
  runtime: RuntimeKind;
  dnsPort: number;
  firstNodeIndex?: number;
}

function parseRuntime(value: string): RuntimeKind {
  if (value !== 'process' && value !== 'simulated') throw new InvalidArgumentError('must be "process" or "simulated"');
  return value;
}

export function upCommand(): Command {
  return new Command('up')
    .description('start a local cluster in one process: storage, API server, controllers, scheduler, node agents with their pods and proxies, DNS')
    .option('--data-dir <dir>', 'where the cluster keeps its state; restarting with the same dir resumes the cluster', './.tskube')
    .option('--port <port>', 'HTTPS port of the API server', parsePort, 6443)
    .option('--storage <spec>', 'sqlite (under the data dir), memory, or etcd://host:port[,host:port...]', 'sqlite')
    .option('--nodes <n>', 'number of node agents (default 6, or what the data dir has)', parsePositiveInt)
    .option('--zones <list>', 'comma-separated zones the nodes are spread over (default zone-a,zone-b,zone-c)', parseZones)
    .option('--runtime <kind>', 'how pods run: process (local processes) or simulated (no processes, like KWOK)', parseRuntime, 'process')
    .option(
      '--first-node-index <n>',
      'index of the first node (default 1, or what the data dir has): node names and loopback addresses derive from it, so two clusters on one machine need ranges that do not overlap',
      parsePositiveInt,
    )
    .option('--dns-port <port>', 'loopback port of the cluster DNS (UDP and TCP; 0: any free port)', parsePort, 0)
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
    ? {
        ...previous,
        nodes: options.nodes ?? previous.nodes,
        zones: options.zones ?? previous.zones,
        storage: options.storage,
        firstNodeIndex: options.firstNodeIndex ?? previous.firstNodeIndex ?? 1,
      }
    : newClusterState({ nodes: options.nodes ?? 6, zones: options.zones ?? ['zone-a', 'zone-b', 'zone-c'], storage: options.storage, firstNodeIndex: options.firstNodeIndex ?? 1 });
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
  const fleet = createNodeAgents({
    network: 'host',
    config: clientConfig,
    count: state.nodes,
    firstIndex: state.firstNodeIndex ?? 1,
    zones: state.zones,
    log: createLogger('node'),
    runtime: options.runtime,
    dataDir: join(dataDir, 'nodes'),
  });
  const nodes = runFleet(fleet, shutdown.signal);
  const dnsClient = new RestClient({ config: clientConfig, log: createLogger('dns'), userAgent: 'tskube-dns' });
  const dns = new DnsServer({ client: dnsClient, log: createLogger('dns'), listen: `127.0.0.1:${options.dnsPort}` });
  const dnsAddress = await dns.start();
  const dnsRun = dns.run(shutdown.signal);
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
    `  pods: ${options.runtime} runtime, host networking (pod IPs and Service addresses on loopback), a service proxy per node`,
    `  controllers: node lifecycle, namespace, deployment, replicaset, daemonset, garbage collector, endpointslice, endpoints, disruption; scheduler`,
    `  cluster DNS: ${formatHostPort(dnsAddress.udp)} (UDP and TCP), zone ${dns.settings.zone}`,
    '',
    'Next, in another terminal:',
    `  export KUBECONFIG=${apiserver.kubeconfigPath}`,
    '  kubectl create deployment web --image=tskube/echo --replicas=6',
    '  kubectl get pods -o wide',
    '',
    `tskube: running; press Ctrl-C (or run tskube down --data-dir ${dataDir}) to stop.`,
  ];
  writeUpPid(dataDir);
  process.stdout.write(`${lines.join('\n')}\n`);

  log.info({ signal: await shutdown.received }, 'shutting down');
  await Promise.all([nodes, controllers, scheduler, dnsRun]);
  await dns.close();
  dnsClient.close();
  await apiserver.close();
  await compactor;
  await kv.close();
  removeUpPid(dataDir);
  process.stdout.write('tskube: stopped cleanly.\n');
}
