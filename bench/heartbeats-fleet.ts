/**
 * @module bench/heartbeats-fleet
 *
 * Child process: the virtual nodes of the heartbeat benchmark (heartbeats.ts). The nodes are
 * `createFleet`'s — each with its own RestClient, so its own HTTP/2 + TLS connection — running
 * the real `NodeHeartbeat` with its default timing (lease renewed every 10 s, status computed
 * every 10 s and written on change or every 5 min, each request bounded by 10 s). Only the
 * start is the benchmark's: node i of the whole fleet starts i × spanMs / totalNodes after the
 * schedule begins (staggered, so registration does not stampede and the heartbeats are spread
 * over the period the way independently started kubelets are).
 *
 * The nodes may be spread over several such processes: this one runs the global indexes i with
 * i % processes === index. Every request a node's client sends is timed at its transport (the
 * instance's `request` is wrapped; nothing else changes), and every heartbeat outcome is counted
 * through the fleet's `onHeartbeat`.
 *
 * Protocol: 'ready' once loaded; each stats query from the driver is answered with a `FleetStats`
 * (counters since start, samples since the previous query); the FIRST query also begins the start
 * schedule. SIGTERM stops every node and closes its connection.
 */
import { setMaxListeners } from 'node:events';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { loadKubeconfig, type Http2Transport, type TransportRequest } from '../src/client/index.js';
import { createFleet, type VirtualNode } from '../src/kubelet/fleet.js';
import { createLogger } from '../src/log.js';
import { runEntry, tellDriver } from './children.js';
import { gcMeter, heapFigures, REQUEST_KINDS, STATS_QUERY, type Counters, type FleetJob, type FleetStats, type RequestKind } from './heartbeats-stats.js';

const MAX_DISTINCT_ERRORS = 20;

function kindOf(req: TransportRequest): RequestKind {
  if (req.method === 'PUT' && req.path.includes('/leases/')) return 'leaseRenew';
  if (req.method === 'PATCH' && /\/nodes\/[^/?]+\/status/.test(req.path)) return 'statusWrite';
  if (req.method === 'GET' && /^\/api\/v1\/nodes\/[^/?]+(\?|$)/.test(req.path)) return 'statusGet';
  return 'register';
}

class FleetMeter {
  readonly heartbeats: Counters = { leaseOk: 0, leaseFailed: 0, statusOk: 0, statusFailed: 0 };
  readonly requests = Object.fromEntries(REQUEST_KINDS.map((k) => [k, { ok: 0, failed: 0 }])) as Record<RequestKind, { ok: number; failed: number }>;
  latencyMs = emptySamples();
  registrationMs: number[] = [];
  registered = 0;
  lastRegisteredAt = 0;
  /** The longest time between two successful lease renewals of one node, since the previous query. */
  longestLeaseGapMs = 0;
  /** Failures by kind: the message with node names and ports masked, and how often it happened. */
  readonly errors = new Map<string, number>();

  error(message: string): void {
    const kind = message.replace(/tskube-node-[\w-]+/g, '<node>').replace(/127\.0\.0\.1:\d+/g, '<server>').slice(0, 200);
    const n = this.errors.get(kind);
    if (n !== undefined || this.errors.size < MAX_DISTINCT_ERRORS) this.errors.set(kind, (n ?? 0) + 1);
  }

  /** Times every request of this transport; the answer and errors pass through unchanged. */
  instrument(transport: Http2Transport): void {
    const request = transport.request.bind(transport);
    transport.request = async (req) => {
      const kind = kindOf(req);
      const t0 = performance.now();
      try {
        const res = await request(req);
        const ok = res.status < 400 || (res.status === 404 && req.method === 'GET');
        if (ok) {
          this.requests[kind].ok++;
          this.latencyMs[kind].push(Math.round((performance.now() - t0) * 100) / 100);
        } else {
          this.requests[kind].failed++;
          this.error(`${req.method} ${req.path.split('?')[0]}: HTTP ${res.status}`);
        }
        return res;
      } catch (err) {
        this.requests[kind].failed++;
        this.error(`${req.method} ${req.path.split('?')[0]}: ${(err as Error).message}`);
        throw err;
      }
    };
  }
}

function emptySamples(): Record<RequestKind, number[]> {
  return { leaseRenew: [], statusWrite: [], statusGet: [], register: [] };
}

runEntry(async () => {
  const job = JSON.parse(process.argv[2] ?? '{}') as FleetJob;
  const config = await loadKubeconfig({ path: job.kubeconfig });
  // Failures are counted and the first few kept; at 10,000 nodes their log lines would drown the table.
  const log = createLogger('node').child({}, { level: 'error' });
  const indexes: number[] = [];
  for (let i = job.index; i < job.totalNodes; i += job.processes) indexes.push(i);
  const meter = new FleetMeter();
  const byName = new Map<string, { startedAt: number; lease: boolean; status: boolean; lastLeaseAt: number }>();
  const nodes: VirtualNode[] = createFleet({
    config,
    count: indexes.length,
    zones: job.zones,
    log,
    // Heartbeats only: no kubelet API to serve.
    kubeletApi: false,
    namePrefix: job.processes > 1 ? `tskube-node-p${job.index}-` : 'tskube-node-',
    onHeartbeat: (name, kind, ok, error) => {
      const h = meter.heartbeats;
      if (kind === 'lease') h[ok ? 'leaseOk' : 'leaseFailed']++;
      else h[ok ? 'statusOk' : 'statusFailed']++;
      if (!ok) meter.error(`${kind} heartbeat: ${error instanceof Error ? error.message : String(error)}`);
      const node = byName.get(name);
      if (!ok || !node) return;
      if (kind === 'lease') {
        const now = performance.now();
        if (node.lastLeaseAt > 0) meter.longestLeaseGapMs = Math.max(meter.longestLeaseGapMs, now - node.lastLeaseAt);
        node.lastLeaseAt = now;
      }
      if (node.lease && node.status) return;
      if (kind === 'lease') node.lease = true;
      else node.status = true;
      if (node.lease && node.status) {
        const now = performance.now();
        meter.registered++;
        meter.lastRegisteredAt = now;
        meter.registrationMs.push(Math.round(now - node.startedAt));
      }
    },
  });
  for (const node of nodes) meter.instrument(node.client.transport);

  // One signal per node, as the lifecycle lab does. `runFleet` hands every node the caller's one
  // signal instead, and every sleep and request of every node then adds and removes a listener on
  // it: Node's EventTarget.addEventListener walks all of a signal's listeners, so at 10,000 nodes
  // that was a fifth of this process's CPU and multi-second event-loop stalls.
  const stop = new AbortController();
  const nodeStops = nodes.map(() => {
    const c = new AbortController();
    setMaxListeners(0, c.signal);
    return c;
  });
  const runs: Promise<void>[] = [];
  let begunAt: number | undefined;
  let started = 0;
  const begin = () => {
    const t0 = performance.now();
    begunAt = t0;
    const tick = () => {
      if (stop.signal.aborted) return;
      const now = performance.now();
      for (; started < nodes.length && t0 + (indexes[started]! * job.spanMs) / job.totalNodes <= now; started++) {
        const node = nodes[started]!;
        byName.set(node.identity.name, { startedAt: now, lease: false, status: false, lastLeaseAt: 0 });
        runs.push(
          node.heartbeat.run(nodeStops[started]!.signal).catch((err: unknown) => {
            meter.error(`node ${node.identity.name} stopped: ${(err as Error).message}`);
          }),
        );
      }
      if (started < nodes.length) setTimeout(tick, 5);
    };
    tick();
  };

  const gc = gcMeter();
  const delay = monitorEventLoopDelay({ resolution: 1 });
  delay.enable();
  process.on('message', (m: unknown) => {
    if (m !== STATS_QUERY) return;
    if (begunAt === undefined) begin();
    let sessions = 0;
    let dials = 0;
    for (const n of nodes) {
      const s = n.client.transport.stats;
      sessions += s.openSessions;
      dials += s.dials;
    }
    const stats: FleetStats = {
      atMs: performance.timeOrigin + performance.now(),
      eventLoopDelayP99Ms: delay.percentile(99) / 1e6,
      eventLoopDelayMaxMs: delay.max / 1e6,
      nodes: nodes.length,
      started,
      registered: meter.registered,
      lastRegisteredAtMs: meter.registered > 0 ? Math.round(meter.lastRegisteredAt - begunAt!) : 0,
      heartbeats: { ...meter.heartbeats },
      requests: structuredClone(meter.requests),
      registrationMs: meter.registrationMs,
      latencyMs: meter.latencyMs,
      longestLeaseGapMs: Math.round(meter.longestLeaseGapMs),
      sessions,
      dials,
      errors: Object.fromEntries(meter.errors),
      ...heapFigures(),
      gc: gc.take(),
    };
    delay.reset();
    meter.registrationMs = [];
    meter.latencyMs = emptySamples();
    meter.longestLeaseGapMs = 0;
    void tellDriver({ type: 'stats', stats });
  });

  process.once('SIGTERM', () => {
    stop.abort();
    for (const c of nodeStops) c.abort();
    void Promise.all(runs).finally(() => {
      for (const n of nodes) n.client.close();
      process.exit(0);
    });
  });
  await tellDriver({ type: 'ready', url: config.server });
});
