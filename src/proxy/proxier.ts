/**
 * @module proxy/proxier
 *
 * The per-node service proxy (upstream: kube-proxy). It watches Services, EndpointSlices and
 * Nodes through shared informers and keeps one PortProxy per Service port: listening at the
 * address the binder gives for the ClusterIP, with the candidates `selectEndpoints` chooses for
 * this node. Every change marks the Services it touches; one sync pass (batched per event-loop
 * turn) recomputes them, so a burst of EndpointSlice updates costs one pass. A Node label change
 * resyncs every Service (topology may depend on any node's labels).
 */
import type { ServicePort } from 'kubernetes-types/core/v1.js';
import type { KubeObject } from '../api/object.js';
import { DeletedFinalStateUnknown, listWatchFor, SharedInformer, type RestClient } from '../client/index.js';
import type { Logger } from '../log.js';
import { DEFAULT_AFFINITY_TIMEOUT_SECONDS } from './balancer.js';
import { NODE_ADDRESS_BINDER, type ServiceBinder } from './binder.js';
import { sliceServiceName } from './endpoints.js';
import { PortProxy } from './port-proxy.js';
import { recyclingPolicy } from './recycling.js';
import { HealthCheckServer } from './health-check.js';
import { selectEndpoints, selectExternalEndpoints, type Selection } from './select-endpoints.js';
import type { EndpointSlice, Node, NodeTopology, Service } from './types.js';

const BY_SERVICE = 'service';

export interface ProxierOptions {
  readonly client: RestClient;
  readonly nodeName: string;
  readonly binder: ServiceBinder;
  readonly log: Logger;
  readonly udpIdleTimeoutMs?: number;
}

/** What the proxy does for one Service port, for tests, logs and `tskube proxy`. */
export interface PortStatus {
  readonly service: string;
  readonly port: string;
  readonly protocol: string;
  readonly address: string;
  readonly listenPort: number;
  readonly listening: boolean;
  readonly selection: Selection;
}

interface PortEntry {
  readonly proxy: PortProxy;
  selection: Selection;
}

export class Proxier {
  private readonly services: SharedInformer<Service>;
  private readonly slices: SharedInformer<EndpointSlice>;
  private readonly nodes: SharedInformer<Node>;
  /** service key → "port name/protocol" → its proxy. */
  private readonly ports = new Map<string, Map<string, PortEntry>>();
  /** "address:port/protocol" → the service holding it (host mode's address map can collide). */
  private readonly bound = new Map<string, { readonly service: string; readonly proxy: PortProxy }>();
  private readonly dirty = new Set<string>();
  private syncScheduled = false;
  private synced = false;
  private readonly reportedErrors = new Set<string>();
  private readonly healthChecks = new Map<string, HealthCheckServer>();

  constructor(private readonly options: ProxierOptions) {
    const { client, log } = options;
    this.services = new SharedInformer<Service>({ name: 'services', listWatch: listWatchFor(client.resource<Service>('', 'v1', 'services')), log });
    this.slices = new SharedInformer<EndpointSlice>({
      name: 'endpointslices',
      listWatch: listWatchFor(client.resource<EndpointSlice>('discovery.k8s.io', 'v1', 'endpointslices')),
      indexers: { [BY_SERVICE]: (s) => serviceKeyOfSlice(s) },
      log,
    });
    this.nodes = new SharedInformer<Node>({ name: 'nodes', listWatch: listWatchFor(client.resource<Node>('', 'v1', 'nodes')), log });

    const markService = (svc: KubeObject) => this.mark(keyOf(svc));
    this.services.addEventHandler({
      onAdd: markService,
      onUpdate: (_o, n) => markService(n),
      onDelete: (s) => (s instanceof DeletedFinalStateUnknown ? this.mark(s.key) : markService(s)),
    });
    const markSlice = (slice: EndpointSlice) => serviceKeyOfSlice(slice).forEach((k) => this.mark(k));
    this.slices.addEventHandler({
      onAdd: markSlice,
      onUpdate: (o, n) => {
        markSlice(o);
        markSlice(n);
      },
      onDelete: (s) => markSlice(s instanceof DeletedFinalStateUnknown ? s.obj : s),
    });
    const markAll = () => {
      for (const key of this.services.indexer.listKeys()) this.mark(key);
    };
    this.nodes.addEventHandler({
      onAdd: markAll,
      onUpdate: (o, n) => {
        const view = (node: Node) => JSON.stringify([node.metadata?.labels ?? {}, node.status?.addresses ?? []]);
        if (view(o) !== view(n)) markAll();
      },
      onDelete: markAll,
    });
  }

  /** Runs until the signal aborts; then closes every listener and connection. */
  async run(signal: AbortSignal): Promise<void> {
    const informers = [this.services.run(signal), this.slices.run(signal), this.nodes.run(signal)];
    try {
      const ok = (await Promise.all([this.services.waitForSync(signal), this.slices.waitForSync(signal), this.nodes.waitForSync(signal)])).every(Boolean);
      if (ok) {
        this.synced = true;
        for (const key of this.services.indexer.listKeys()) this.mark(key);
        this.options.log.info({ node: this.options.nodeName, mode: this.options.binder.mode }, 'service proxy synced');
      }
      await Promise.all(informers);
    } finally {
      await Promise.all([...this.ports.values()].flatMap((m) => [...m.values()].map((e) => e.proxy.shutdown())));
      await Promise.all([...this.healthChecks.values()].map((h) => h.close()));
      this.healthChecks.clear();
      this.ports.clear();
      this.bound.clear();
    }
  }

  /** True once the first lists are in and the first sync pass has been scheduled. */
  hasSynced(): boolean {
    return this.synced;
  }

  /** Resolves once pending syncs and listener changes are done (tests wait on this). */
  async settled(): Promise<void> {
    while (this.synced && (this.syncScheduled || this.dirty.size > 0)) await new Promise((r) => setImmediate(r));
    await Promise.all([...this.ports.values()].flatMap((m) => [...m.values()].map((e) => e.proxy.settled())));
  }

  /** Whether this proxy's cache holds `key` of the resource at `resourceVersion` or later (tests wait on it). */
  hasObserved(resource: 'services' | 'endpointslices' | 'nodes', key: string, resourceVersion: string): boolean {
    const informer = resource === 'services' ? this.services : resource === 'endpointslices' ? this.slices : this.nodes;
    const rv = (informer.indexer as { getByKey(k: string): KubeObject | undefined }).getByKey(key)?.metadata?.resourceVersion;
    return rv !== undefined && Number(rv) >= Number(resourceVersion);
  }

  status(): PortStatus[] {
    const out: PortStatus[] = [];
    for (const [service, ports] of this.ports) {
      for (const [port, e] of ports) {
        const [name, protocol] = port.split('/') as [string, string];
        out.push({ service, port: name, protocol, address: e.proxy.address, listenPort: e.proxy.port, listening: e.proxy.listening, selection: e.selection });
      }
    }
    return out;
  }

  private mark(key: string): void {
    this.dirty.add(key);
    if (!this.synced || this.syncScheduled) return;
    this.syncScheduled = true;
    setImmediate(() => {
      this.syncScheduled = false;
      const keys = [...this.dirty];
      this.dirty.clear();
      for (const k of keys) this.syncService(k);
    });
  }

  private thisNode(): NodeTopology {
    const node = this.nodes.indexer.getByKey(this.options.nodeName);
    return { name: this.options.nodeName, labels: node?.metadata?.labels ?? {} };
  }

  private syncService(key: string): void {
    const svc = this.services.indexer.getByKey(key);
    const current = this.ports.get(key) ?? new Map<string, PortEntry>();
    const wanted = new Set<string>();
    const clusterIP = svc?.spec?.clusterIP;
    const proxied = svc && clusterIP && clusterIP !== 'None' && svc.spec?.type !== 'ExternalName';
    if (proxied) {
      const slices = this.slices.indexer.byIndex(BY_SERVICE, key);
      const node = this.thisNode();
      const nodeLabels = (name: string) => this.nodes.indexer.getByKey(name)?.metadata?.labels;
      for (const port of svc.spec?.ports ?? []) {
        const protocol = port.protocol ?? 'TCP';
        if (protocol !== 'TCP' && protocol !== 'UDP') {
          this.reportOnce(`${key}:${protocol}`, { service: key, protocol }, 'SCTP is not proxied by tskube');
          continue;
        }
        const recycling = recyclingPolicy(svc, port);
        for (const e of recycling.errors) this.reportOnce(`${key}:${e}`, { service: key }, e);
        const affinity = svc.spec?.sessionAffinity === 'ClientIP' ? (svc.spec.sessionAffinityConfig?.clientIP?.timeoutSeconds ?? DEFAULT_AFFINITY_TIMEOUT_SECONDS) : undefined;
        const serve = (id: string, listen: { address: string; port: number; binder: ServiceBinder }, selection: Selection) => {
          const entry = this.ensurePort(key, svc, listen, port, protocol, current.get(id));
          if (!entry) return;
          wanted.add(id);
          current.set(id, entry);
          entry.selection = selection;
          entry.proxy.update({
            candidates: selection.kind === 'endpoints' ? selection.endpoints : [],
            ...(affinity !== undefined && { affinityTimeoutSeconds: affinity }),
            ...(recycling.policy && { recycling: recycling.policy }),
          });
        };
        const address = this.clusterAddress(key, clusterIP);
        if (address) serve(`${port.name ?? ''}/${protocol}`, { address, port: port.port, binder: this.options.binder }, selectEndpoints({ node, service: svc, port, slices, nodeLabels }));
        // NodePort (and LoadBalancer) traffic arrives at this node's own address: externally
        // sourced, so externalTrafficPolicy decides, as upstream's (Local: this node's endpoints only).
        const nodeIP = this.nodeAddress();
        if (port.nodePort && nodeIP) {
          serve(`nodePort:${port.name ?? ''}/${protocol}`, { address: nodeIP, port: port.nodePort, binder: NODE_ADDRESS_BINDER }, selectExternalEndpoints({ node, service: svc, port, slices, nodeLabels }));
        }
      }
    }
    this.syncHealthCheck(key, proxied ? svc : undefined);
    for (const [id, entry] of current) {
      if (wanted.has(id)) continue;
      this.releasePort(entry.proxy);
      current.delete(id);
    }
    if (current.size > 0) this.ports.set(key, current);
    else this.ports.delete(key);
  }

  /** The port's proxy, recreated when its address or port number changed; undefined if it cannot bind. */
  private ensurePort(
    key: string,
    svc: Service,
    listen: { readonly address: string; readonly port: number; readonly binder: ServiceBinder },
    port: ServicePort,
    protocol: 'TCP' | 'UDP',
    existing: PortEntry | undefined,
  ): PortEntry | undefined {
    const { address } = listen;
    if (existing && existing.proxy.address === address && existing.proxy.port === listen.port) return existing;
    if (existing) this.releasePort(existing.proxy);
    const slot = `${address}:${listen.port}/${protocol}`;
    const holder = this.bound.get(slot)?.service;
    if (holder !== undefined && holder !== key) {
      this.reportOnce(`${key}:${slot}`, { service: key, holder, address: slot }, `service ${key} maps to ${slot}, already used by service ${holder}; not proxied`);
      return undefined;
    }
    const proxy = new PortProxy({
      address,
      port: listen.port,
      protocol,
      binder: listen.binder,
      log: this.options.log.child({ service: `${svc.metadata?.namespace}/${svc.metadata?.name}`, port: port.name ?? port.port, listen: slot }),
      ...(this.options.udpIdleTimeoutMs !== undefined && { udpIdleTimeoutMs: this.options.udpIdleTimeoutMs }),
    });
    this.bound.set(slot, { service: key, proxy });
    return { proxy, selection: { kind: 'refuse', reason: 'not yet synced' } };
  }

  /** The ClusterIP listen address for this mode, or undefined (reported once) if it has none. */
  private clusterAddress(key: string, clusterIP: string): string | undefined {
    try {
      return this.options.binder.addressFor(clusterIP);
    } catch (err) {
      this.reportOnce(`${key}:${clusterIP}`, { service: key, clusterIP }, (err as Error).message);
      return undefined;
    }
  }

  /** This node's InternalIP, from its Node object: where NodePorts and health checks listen. */
  private nodeAddress(): string | undefined {
    const node = this.nodes.indexer.getByKey(this.options.nodeName);
    return node?.status?.addresses?.find((a) => a.type === 'InternalIP')?.address;
  }

  /**
   * The health-check node port of a LoadBalancer Service with externalTrafficPolicy Local: 200
   * while this node has a local endpoint, 503 otherwise, so a load balancer sends traffic only to
   * nodes that can serve it (upstream kube-proxy's service health server).
   */
  private syncHealthCheck(key: string, svc: Service | undefined): void {
    const port = svc?.spec?.externalTrafficPolicy === 'Local' ? svc.spec.healthCheckNodePort : undefined;
    const nodeIP = this.nodeAddress();
    const existing = this.healthChecks.get(key);
    if (!svc || !port || !nodeIP) {
      if (existing) void existing.close();
      this.healthChecks.delete(key);
      return;
    }
    let server = existing;
    if (!server || server.address !== nodeIP || server.port !== port) {
      if (existing) void existing.close();
      server = new HealthCheckServer({ address: nodeIP, port, namespace: svc.metadata?.namespace ?? '', name: svc.metadata?.name ?? '', log: this.options.log });
      this.healthChecks.set(key, server);
    }
    const local = new Set<string>();
    for (const slice of this.slices.indexer.byIndex(BY_SERVICE, key)) {
      for (const ep of slice.endpoints ?? []) {
        if (ep.nodeName === this.options.nodeName && ep.conditions?.ready !== false) for (const a of ep.addresses) local.add(a);
      }
    }
    server.setLocalEndpoints(local.size);
  }

  private releasePort(proxy: PortProxy): void {
    for (const [slot, holder] of this.bound) if (holder.proxy === proxy) this.bound.delete(slot);
    void proxy.close();
  }

  private reportOnce(id: string, fields: Record<string, unknown>, message: string): void {
    if (this.reportedErrors.has(id)) return;
    this.reportedErrors.add(id);
    this.options.log.warn(fields, message);
  }
}

function keyOf(obj: KubeObject): string {
  const ns = obj.metadata?.namespace;
  return ns ? `${ns}/${obj.metadata?.name}` : (obj.metadata?.name ?? '');
}

function serviceKeyOfSlice(slice: EndpointSlice): string[] {
  const name = sliceServiceName(slice);
  return name ? [`${slice.metadata?.namespace ?? ''}/${name}`] : [];
}
