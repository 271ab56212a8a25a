/**
 * @module cli/dns
 *
 * `tskube dns`: the cluster DNS server (CoreDNS with the kubernetes plugin, as kubeadm configures
 * it), answering for the cluster zone from the API's Services and EndpointSlices over UDP and TCP.
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import { loadKubeconfig, RestClient } from '../client/index.js';
import { DEFAULT_CLUSTER_DOMAIN, DEFAULT_LISTEN, DEFAULT_TTL, DnsServer, formatHostPort, resolveDnsSettings, type PodMode } from '../dns/index.js';
import { createLogger } from '../log.js';
import { onShutdownSignal } from './signals.js';

interface DnsFlags {
  kubeconfig?: string;
  listen: string;
  clusterDomain: string;
  upstream?: string;
  ttl: number;
  pods: PodMode;
}

function parseTtl(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n > 3600) throw new InvalidArgumentError(`${JSON.stringify(value)} is not a TTL; use whole seconds from 0 to 3600.`);
  return n;
}

export function dnsCommand(): Command {
  return new Command('dns')
    .description('serve cluster DNS (Kubernetes DNS-based service discovery) for Services and EndpointSlices')
    .option('--kubeconfig <file>', 'how to reach the API server (default: $KUBECONFIG or ~/.kube/config)')
    .option('--listen <host:port>', 'address to serve DNS on, UDP and TCP (port 0: any free port)', DEFAULT_LISTEN)
    .option('--cluster-domain <domain>', 'the cluster zone', DEFAULT_CLUSTER_DOMAIN)
    .option('--upstream <ip:port>', 'resolver for names outside the cluster zone (default: none; such names are REFUSED)')
    .option('--ttl <seconds>', 'TTL of every answer', parseTtl, DEFAULT_TTL)
    .addOption(new Option('--pods <mode>', 'answer <a-b-c-d>.<ns>.pod.<zone> names').choices(['insecure', 'disabled']).default('insecure'))
    .action((flags: DnsFlags) => runDnsCommand(flags));
}

async function runDnsCommand(flags: DnsFlags): Promise<void> {
  const shutdown = onShutdownSignal();
  const log = createLogger('dns');
  // Bad flags fail before anything connects (DnsServer validates the same way).
  const input = {
    listen: flags.listen,
    clusterDomain: flags.clusterDomain,
    ttl: flags.ttl,
    podMode: flags.pods,
    ...(flags.upstream && { upstream: flags.upstream }),
  };
  resolveDnsSettings(input);
  const config = await loadKubeconfig(flags.kubeconfig ? { path: flags.kubeconfig } : {});
  const client = new RestClient({ config, log, userAgent: 'tskube-dns' });
  try {
    const server = new DnsServer({ client, log, ...input });
    const bound = await server.start();
    try {
      const upstream = server.settings.upstream ? `forwarding other names to ${formatHostPort(server.settings.upstream)}` : 'refusing other names';
      process.stdout.write(`tskube dns: serving ${server.settings.zone} on ${formatHostPort(bound.udp)} (udp+tcp), ${upstream}\n`);
      await server.run(shutdown.signal);
    } finally {
      await server.close();
    }
  } finally {
    client.close();
  }
}
