/**
 * @module dns/server
 *
 * The cluster DNS server (CoreDNS with the kubernetes plugin, as a cluster runs it):
 *
 *     API ──► informers (Namespaces, Services, EndpointSlices) ──► ClusterState (indexed caches)
 *                                                                       │
 *     UDP / TCP listeners ──► QueryHandler (wire format, EDNS, TC) ──► Resolver ──┘
 *                                     └──► Forwarder (names outside the zone, when configured)
 *
 * Lifecycle: `start()` binds UDP and TCP on one port (port 0: any free one) and returns it;
 * `run(signal)` keeps the caches in step with the API until the signal aborts; `close()` releases
 * the sockets. Until the caches hold their first list, in-zone questions get SERVFAIL (clients
 * retry) rather than an NXDOMAIN they would cache.
 */
import type { RestClient } from '../client/index.js';
import { listWatchFor, SharedInformer, waitForCacheSync } from '../client/index.js';
import { createLogger, type Logger } from '../log.js';
import { ClusterState, SERVICE_INDEXERS, SLICE_INDEXERS, type EndpointSlice, type Namespace, type Service } from './cluster-state.js';
import { DnsError, isDnsError } from './errors.js';
import { QueryHandler } from './message.js';
import { formatHostPort, resolveDnsSettings, type DnsSettings, type DnsSettingsInput, type HostPort } from './options.js';
import { Resolver } from './resolver.js';
import { TcpListener } from './tcp-listener.js';
import { UdpListener } from './udp-listener.js';
import { Forwarder } from './upstream.js';

export interface DnsServerOptions extends DnsSettingsInput {
  readonly client: RestClient;
  readonly log?: Logger;
}

export interface DnsAddresses {
  readonly udp: HostPort;
  readonly tcp: HostPort;
}

/** With port 0, the free UDP port may be taken for TCP; try a few fresh ones. */
const BIND_ATTEMPTS = 5;

export class DnsServer {
  readonly settings: DnsSettings;
  readonly state: ClusterState;
  private readonly log: Logger;
  private readonly informers: readonly [SharedInformer<Namespace>, SharedInformer<Service>, SharedInformer<EndpointSlice>];
  private readonly handler: QueryHandler;
  private readonly forwarder: Forwarder | undefined;
  private listeners: { udp: UdpListener; tcp: TcpListener } | undefined;
  private running = false;

  /** Throws DnsOptionsError for settings that cannot work. */
  constructor(options: DnsServerOptions) {
    this.settings = resolveDnsSettings(options);
    this.log = options.log ?? createLogger('dns');
    const client = options.client;
    const namespaces = new SharedInformer<Namespace>({ name: 'namespaces', listWatch: listWatchFor(client.resource<Namespace>('', 'v1', 'namespaces')), log: this.log });
    const services = new SharedInformer<Service>({ name: 'services', listWatch: listWatchFor(client.resource<Service>('', 'v1', 'services')), indexers: SERVICE_INDEXERS, log: this.log });
    const slices = new SharedInformer<EndpointSlice>({
      name: 'endpointslices',
      listWatch: listWatchFor(client.resource<EndpointSlice>('discovery.k8s.io', 'v1', 'endpointslices')),
      indexers: SLICE_INDEXERS,
      log: this.log,
    });
    this.informers = [namespaces, services, slices];
    this.state = new ClusterState({ namespaces: namespaces.indexer, services: services.indexer, slices: slices.indexer });
    const touch = () => this.state.touch();
    for (const informer of this.informers) informer.addEventHandler({ onAdd: touch, onUpdate: touch, onDelete: touch }, 'dns-serial');

    const resolver = new Resolver(this.settings, this.state, () => this.hasSynced());
    this.forwarder = this.settings.upstream && new Forwarder({ upstream: this.settings.upstream, timeoutMs: this.settings.upstreamTimeoutMs, log: this.log });
    this.handler = new QueryHandler({ resolver, log: this.log, ...(this.forwarder && { forwarder: this.forwarder }) });
  }

  /** Binds UDP and TCP on the same address and port; resolves with what was bound. */
  async start(): Promise<DnsAddresses> {
    if (this.listeners) throw new DnsError('InvalidState', 'the DNS server was already started');
    const at = this.settings.listen;
    for (let attempt = 1; ; attempt++) {
      const udp = await UdpListener.listen(at, this.handler, this.log);
      try {
        const tcp = await TcpListener.listen({ host: at.host, port: udp.address.port }, this.handler, this.settings.tcpIdleTimeoutMs, this.log);
        this.listeners = { udp, tcp };
        break;
      } catch (err) {
        await udp.close();
        if (at.port !== 0 || attempt >= BIND_ATTEMPTS || !isDnsError(err, 'ListenFailed')) throw err;
      }
    }
    const addresses = { udp: this.listeners.udp.address, tcp: this.listeners.tcp.address };
    this.log.info({ listen: formatHostPort(addresses.udp), zone: this.settings.zone, upstream: this.settings.upstream && formatHostPort(this.settings.upstream) }, 'serving cluster DNS');
    return addresses;
  }

  /** The bound addresses (after start()). */
  get addresses(): DnsAddresses | undefined {
    return this.listeners && { udp: this.listeners.udp.address, tcp: this.listeners.tcp.address };
  }

  /** Keeps the caches in step with the API until the signal aborts; rejects if an informer fails. */
  async run(signal: AbortSignal): Promise<void> {
    if (this.running) throw new DnsError('InvalidState', 'the DNS server is already running');
    this.running = true;
    const runs = this.informers.map((i) => i.run(signal));
    void waitForCacheSync(signal, ...this.informers).then((synced) => synced && this.log.info('caches synced; answering for the cluster zone'));
    await Promise.all(runs);
  }

  /** True once every cache holds its first list. */
  hasSynced(): boolean {
    return this.informers.every((i) => i.hasSynced());
  }

  /** Resolves once every cache has synced, or false if the signal aborts first. */
  waitForSync(signal: AbortSignal): Promise<boolean> {
    return waitForCacheSync(signal, ...this.informers);
  }

  /** Stops answering: closes both sockets and aborts forwarded queries in flight. */
  async close(): Promise<void> {
    this.forwarder?.close();
    const listeners = this.listeners;
    if (!listeners) return;
    await Promise.all([listeners.udp.close(), listeners.tcp.close()]);
  }
}
