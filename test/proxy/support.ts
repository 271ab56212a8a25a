/**
 * @module test/proxy/support
 *
 * A host-mode lab for the service proxy: six Nodes over three zones in a real API server, one
 * proxy per node in this process, and plain HTTP servers on pod addresses (127.64.x.y) that
 * answer their own name — the "endpoints". Clients connect to a node's per-node Service address,
 * as a pod on that node would.
 */
import { setMaxListeners } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadKubeconfig, RestClient } from '../../src/client/index.js';
import { createLogger } from '../../src/log.js';
import { HostBinder } from '../../src/proxy/binder.js';
import { hostModeServiceAddress } from '../../src/proxy/host-address.js';
import { Proxier } from '../../src/proxy/proxier.js';
import type { EndpointSlice, Node, Service } from '../../src/proxy/types.js';
import { startTestCluster, type TestCluster } from '../support/apiserver.js';

/** Every endpoint listens on this port of its own pod address, as pods of one Service do. */
export const ENDPOINT_PORT = 18081;
export const NODES = ['a1', 'a2', 'b1', 'b2', 'c1', 'c2'] as const;
export type NodeName = (typeof NODES)[number];
export const zoneOf = (node: string) => `zone-${node[0]}`;
export const nodeIndex = (node: NodeName) => NODES.indexOf(node) + 1;

export interface Endpoint {
  readonly name: string;
  readonly node: NodeName;
  readonly ip: string;
  readonly port: number;
  close(): Promise<void>;
}

export interface ProxyLab {
  readonly cluster: TestCluster;
  readonly client: RestClient;
  readonly proxiers: ReadonlyMap<NodeName, Proxier>;
  /** Starts an HTTP server on a pod address of `node` answering `name`. */
  endpoint(name: string, node: NodeName, ip: string): Promise<Endpoint>;
  /** Creates a Service (no selector) and one EndpointSlice for it. */
  service(svc: Service, endpoints: readonly SliceEndpoint[], port?: number): Promise<void>;
  replaceSlice(service: string, endpoints: readonly SliceEndpoint[], port?: number): Promise<void>;
  /** Waits until every proxy has seen this object version and applied it. */
  settle(resource?: 'services' | 'endpointslices' | 'nodes', key?: string, resourceVersion?: string): Promise<void>;
  close(): Promise<void>;
}

export interface SliceEndpoint {
  readonly endpoint: Endpoint;
  readonly hints?: readonly string[];
  readonly ready?: boolean;
}

export function serviceAddress(node: NodeName, clusterIP: string): string {
  return hostModeServiceAddress(nodeIndex(node), clusterIP);
}

function sliceFor(service: string, endpoints: readonly SliceEndpoint[], port: number, resourceVersion?: string): EndpointSlice {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: {
      name: `${service}-1`,
      namespace: 'default',
      labels: { 'kubernetes.io/service-name': service, 'endpointslice.kubernetes.io/managed-by': 'proxy-test' },
      ...(resourceVersion && { resourceVersion }),
    },
    addressType: 'IPv4',
    ports: [{ name: 'http', port, protocol: 'TCP' }],
    endpoints: endpoints.map((e) => ({
      addresses: [e.endpoint.ip],
      nodeName: e.endpoint.node,
      zone: zoneOf(e.endpoint.node),
      conditions: { ready: e.ready ?? true, serving: e.ready ?? true, terminating: false },
      ...(e.hints && { hints: { forZones: e.hints.map((name) => ({ name })) } }),
    })),
  };
}

export async function startProxyLab(): Promise<ProxyLab> {
  const cluster = await startTestCluster();
  const client = new RestClient({ config: await loadKubeconfig({ path: cluster.api.kubeconfigPath }) });
  const log = createLogger('proxy-test');
  const nodes = client.resource<Node>('', 'v1', 'nodes');
  for (const name of NODES) {
    await nodes.create({
      apiVersion: 'v1',
      kind: 'Node',
      metadata: {
        name,
        labels: { 'kubernetes.io/hostname': name, 'topology.kubernetes.io/zone': zoneOf(name), 'topology.kubernetes.io/region': 'local' },
      },
    });
  }
  const stop = new AbortController();
  setMaxListeners(64, stop.signal); // three informers per proxy share it
  const proxiers = new Map<NodeName, Proxier>();
  const runs: Promise<void>[] = [];
  for (const name of NODES) {
    const proxier = new Proxier({ client, nodeName: name, binder: new HostBinder(nodeIndex(name)), log: log.child({ node: name }) });
    proxiers.set(name, proxier);
    runs.push(proxier.run(stop.signal));
  }
  const endpoints: Endpoint[] = [];
  const services = client.resource<Service>('', 'v1', 'services');
  const slices = client.resource<EndpointSlice>('discovery.k8s.io', 'v1', 'endpointslices');

  const lab: ProxyLab = {
    cluster,
    client,
    proxiers,
    async endpoint(name, node, ip) {
      const server = http.createServer((req, res) => {
        req.resume();
        req.on('end', () => res.end(name));
      });
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(ENDPOINT_PORT, ip, () => resolve());
      });
      const ep: Endpoint = {
        name,
        node,
        ip,
        port: (server.address() as AddressInfo).port,
        close: () =>
          new Promise<void>((resolve) => {
            server.closeAllConnections();
            server.close(() => resolve());
          }),
      };
      endpoints.push(ep);
      return ep;
    },
    async service(svc, eps, port) {
      const created = await services.create({ ...svc, metadata: { namespace: 'default', ...svc.metadata } });
      const wantKeys = svc.spec?.topologyKeys;
      if (wantKeys && JSON.stringify((created.spec as { topologyKeys?: unknown }).topologyKeys) !== JSON.stringify(wantKeys)) {
        throw new Error(`the API server did not keep spec.topologyKeys of service ${svc.metadata?.name} (got ${JSON.stringify(created.spec)})`);
      }
      const slice = await slices.create(sliceFor(svc.metadata!.name!, eps, port ?? eps[0]?.endpoint.port ?? 1));
      await lab.settle('services', `default/${svc.metadata!.name}`, created.metadata!.resourceVersion!);
      await lab.settle('endpointslices', `default/${slice.metadata!.name}`, slice.metadata!.resourceVersion!);
    },
    async replaceSlice(service, eps, port) {
      const current = await slices.get(`${service}-1`, { namespace: 'default' });
      const updated = await slices.update(sliceFor(service, eps, port ?? eps[0]?.endpoint.port ?? 1, current.metadata?.resourceVersion));
      await lab.settle('endpointslices', `default/${updated.metadata!.name}`, updated.metadata!.resourceVersion!);
    },
    async settle(resource, key, resourceVersion) {
      const caughtUp = () => [...proxiers.values()].every((p) => p.hasSynced() && (!resource || p.hasObserved(resource, key!, resourceVersion!)));
      const deadline = Date.now() + 10_000;
      while (!caughtUp()) {
        if (Date.now() > deadline) throw new Error(`proxies did not observe ${resource} ${key}@${resourceVersion} within 10 s`);
        await new Promise((r) => setTimeout(r, 20));
      }
      await Promise.all([...proxiers.values()].map((p) => p.settled()));
    },
    async close() {
      stop.abort();
      await Promise.all(runs);
      await Promise.all(endpoints.map((e) => e.close()));
      client.close();
      await cluster.close();
    },
  };
  await lab.settle();
  return lab;
}

/** One GET over a new connection; the endpoint's name, or the error code (ECONNREFUSED, ECONNRESET). */
export function getOnce(address: string, port: number, agent: http.Agent | false = false): Promise<string> {
  return new Promise((resolve) => {
    const req = http.get({ host: address, port, path: '/', agent, timeout: 5_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve(body));
      res.on('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? 'error'));
    });
    req.on('timeout', () => req.destroy(Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' })));
    req.on('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? 'error'));
  });
}

/** `count` GETs over new connections, `concurrency` at a time; answers counted by body or error code. */
export async function countAnswers(address: string, port: number, count: number, concurrency = 16): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  let issued = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (issued < count) {
        issued++;
        const answer = await getOnce(address, port);
        counts[answer] = (counts[answer] ?? 0) + 1;
      }
    }),
  );
  return counts;
}
