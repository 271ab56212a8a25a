/**
 * @module test/scenarios/support/service-traffic
 *
 * Real HTTP traffic through tskube's per-node service proxies, counted, for the seed-001
 * scenarios (topology, zero-downtime rollout, connection recycling): one GET over a new
 * connection or over a keep-alive agent, answers counted by the tskube/echo pod that served them
 * (or by the error code when none did), and waits for a Service's EndpointSlices to say what a
 * case needs before it counts.
 */
import http from 'node:http';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import type { KubeObject } from '../../../src/api/object.js';
import { eventually } from '../../support/apiserver.js';
import type { FullCluster } from '../../support/full-cluster.js';

/** What one request came to: the echo pod's name, or the error code (ECONNREFUSED, ECONNRESET, HTTP_503...). */
export type Answer = string;

/** One GET `path`; with `agent: false` over a new connection. Never rejects: failures are answers. */
export function getPod(address: string, port: number, agent: http.Agent | false = false, path = '/', onSocket?: (socket: object) => void): Promise<Answer> {
  return new Promise((resolve) => {
    const req = http.get({ host: address, port, path, agent, timeout: 5_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? 'error'));
      res.on('end', () => {
        if (res.statusCode !== 200) return resolve(`HTTP_${res.statusCode}`);
        try {
          resolve((JSON.parse(body) as { pod: string }).pod);
        } catch {
          resolve('BAD_BODY');
        }
      });
    });
    if (onSocket) req.on('socket', onSocket);
    req.on('timeout', () => req.destroy(Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' })));
    req.on('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? 'error'));
  });
}

/** `count` GETs over new connections, `concurrency` at a time, counted by answer. */
export async function countAnswers(address: string, port: number, count: number, concurrency = 8): Promise<Record<Answer, number>> {
  const counts: Record<Answer, number> = {};
  let issued = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (issued < count) {
        issued++;
        const answer = await getPod(address, port);
        counts[answer] = (counts[answer] ?? 0) + 1;
      }
    }),
  );
  return counts;
}

export const total = (counts: Readonly<Record<string, number>>): number => Object.values(counts).reduce((a, b) => a + b, 0);

/** Whether an answer is a pod's name (not an error code). */
export const isPod = (answer: Answer): boolean => !/^(E[A-Z]+|HTTP_\d+|BAD_BODY|error)$/.test(answer);

type Slice = EndpointSlice & KubeObject;

export interface EndpointExpectation {
  /** Exactly this many endpoints ready (and none else listed). */
  readonly ready: number;
  /** Every endpoint carries zone hints (trafficDistribution: PreferClose). */
  readonly hints?: boolean;
}

/** Waits until the Service's EndpointSlices list exactly `ready` ready endpoints (with hints if asked). */
export async function waitForEndpoints(cluster: FullCluster, service: string, want: EndpointExpectation, timeoutMs = 60_000, namespace = 'default'): Promise<void> {
  const slices = cluster.client.resource<Slice>('discovery.k8s.io', 'v1', 'endpointslices');
  await eventually(
    async () => {
      const list = await slices.list({ namespace, labelSelector: `kubernetes.io/service-name=${service}` });
      const endpoints = list.items.flatMap((s) => s.endpoints ?? []);
      const ready = endpoints.filter((e) => e.conditions?.ready === true);
      if (endpoints.length !== want.ready || ready.length !== want.ready) return false;
      return !want.hints || endpoints.every((e) => (e.hints?.forZones?.length ?? 0) > 0);
    },
    timeoutMs,
    `service ${service} with ${want.ready} ready endpoints${want.hints ? ' and hints' : ''}`,
  );
}

/** The ClusterIP the API gave a Service. */
export async function clusterIPOf(cluster: FullCluster, service: string, namespace = 'default'): Promise<string> {
  const svc = await cluster.client.resource<KubeObject & { spec?: { clusterIP?: string } }>('', 'v1', 'services').get(service, { namespace });
  const ip = svc.spec?.clusterIP;
  if (!ip) throw new Error(`service ${service} has no ClusterIP`);
  return ip;
}

/** Applies objects with one `kubectl apply`: a multi-document YAML stream of JSON documents. */
export async function applyObjects(cluster: FullCluster, items: readonly object[]): Promise<void> {
  // The leading separator makes kubectl read a YAML stream (JSON is YAML) instead of one JSON object.
  await cluster.apply(items.map((item) => `---\n${JSON.stringify(item)}`).join('\n'));
}

/**
 * One HTTP/1.1 client with one keep-alive connection at a time (maxSockets 1), as a long-lived
 * service client: it reuses its connection until the server side closes it, then opens a new one.
 * Counts the connections it opened.
 */
export class KeepAliveClient {
  readonly agent = new http.Agent({ keepAlive: true, maxSockets: 1, maxFreeSockets: 1 });
  private readonly sockets = new WeakSet<object>();
  connections = 0;

  constructor(
    readonly address: string,
    readonly port: number,
  ) {}

  get(path = '/'): Promise<Answer> {
    return getPod(this.address, this.port, this.agent, path, (socket) => {
      if (this.sockets.has(socket)) return;
      this.sockets.add(socket);
      this.connections++;
    });
  }

  close(): void {
    this.agent.destroy();
  }
}
