/**
 * @module cli/apiserver
 *
 * `tskube apiserver`: one API server on its own, as upstream's kube-apiserver binary, with
 * upstream's flag names. Several of them on the same etcd cluster serve one cluster; each must be
 * given its own data dir for its certificates (share the CA by copying `pki/ca.*` between them).
 */
import { resolve } from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { startApiServer } from '../apiserver/start.js';
import { createLogger } from '../log.js';
import { DEFAULT_SERVICE_CLUSTER_IP_RANGE, DEFAULT_SERVICE_NODE_PORT_RANGE, InvalidRangeError, NodePortRange, ServiceIPRange } from '../registry/service/ranges.js';
import { runCompactor } from '../storage/compactor.js';
import { describeStorage, openStorage, parseStorageSpec } from '../storage/open.js';
import { parsePort, parsePositiveInt } from './parse.js';
import { onShutdownSignal } from './signals.js';

interface ApiServerFlags {
  dataDir: string;
  storage: string;
  bindAddress: string;
  securePort: number;
  tlsSanHosts?: string[];
  tokenAuthFile?: string;
  etcdCompactionInterval: number;
  serviceClusterIpRange: string;
  serviceNodePortRange: string;
}

/** Parsed as the Service registry will, so a bad range fails at the flag, not at the first Service. */
function parseRange<T>(build: (value: string) => T): (value: string) => string {
  return (value) => {
    try {
      build(value);
    } catch (err) {
      if (err instanceof InvalidRangeError) throw new InvalidArgumentError(err.message);
      throw err;
    }
    return value;
  };
}

export function apiserverCommand(): Command {
  return new Command('apiserver')
    .description('run an API server (as kube-apiserver) on the embedded store or an etcd cluster')
    .option('--data-dir <dir>', 'where certificates, the kubeconfig and (for sqlite) the store live', './.tskube')
    .option('--storage <spec>', 'sqlite (under the data dir), memory, or etcd://host:port[,host:port...]', 'sqlite')
    .option('--bind-address <ip>', 'address to listen on', '127.0.0.1')
    .option('--secure-port <port>', 'HTTPS port', parsePort, 6443)
    .option('--tls-san-hosts <list>', 'extra names and IPs for the serving certificate (load balancers)', (v: string) => v.split(',').map((h) => h.trim()))
    .option('--token-auth-file <file>', 'static bearer tokens, upstream CSV format: token,user,uid,"group1,group2"')
    .option('--etcd-compaction-interval <seconds>', 'how often old revisions are compacted', parsePositiveInt, 300)
    .option(
      '--service-cluster-ip-range <cidr>',
      'the range ClusterIPs are allocated from (the first address is the kubernetes Service\'s); the default keeps them on loopback for host networking, netns clusters use 10.96.0.0/12',
      parseRange((v) => new ServiceIPRange(v)),
      DEFAULT_SERVICE_CLUSTER_IP_RANGE,
    )
    .option('--service-node-port-range <range>', 'the ports NodePort Services are allocated from', parseRange((v) => new NodePortRange(v)), DEFAULT_SERVICE_NODE_PORT_RANGE)
    .action((flags: ApiServerFlags) => runApiServer(flags));
}

async function runApiServer(flags: ApiServerFlags): Promise<void> {
  const shutdown = onShutdownSignal();
  const log = createLogger('apiserver');
  const dataDir = resolve(flags.dataDir);
  const spec = parseStorageSpec(flags.storage, dataDir);
  const kv = await openStorage(spec);
  const compactor = runCompactor(kv, {
    intervalMs: flags.etcdCompactionInterval * 1000,
    signal: shutdown.signal,
    onCompact: (revision) => log.info({ revision }, 'compacted storage'),
    onError: (err) => log.warn({ err }, 'compaction failed; will retry next interval'),
  });
  const api = await startApiServer({
    kv,
    dataDir,
    host: flags.bindAddress,
    port: flags.securePort,
    ...(flags.tlsSanHosts && { hosts: flags.tlsSanHosts }),
    ...(flags.tokenAuthFile && { tokenFile: flags.tokenAuthFile }),
    services: { serviceClusterIPRange: flags.serviceClusterIpRange, serviceNodePortRange: flags.serviceNodePortRange },
  });
  process.stdout.write(`tskube apiserver: serving ${api.url} on ${describeStorage(spec)}; kubeconfig ${api.kubeconfigPath}\n`);
  log.info({ signal: await shutdown.received }, 'shutting down');
  await api.close();
  await compactor;
  await kv.close();
}
