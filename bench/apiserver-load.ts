/**
 * @module bench/apiserver-load
 *
 * Child process: the load generator of the API server benchmark, in its own process so its CPU
 * never shares the server's event loop. It runs ONE job (argv[2], JSON `LoadJob`), reports the
 * result to the driver and exits. Phases inside a job are announced with `mark` messages so the
 * driver can read the server's CPU time at their edges. Jobs:
 *   - leases: create N node Leases, then renew them GET-free (PUT with the last resourceVersion,
 *     as a kubelet does): as fast as a fixed number of in-flight requests allows, and optionally
 *     at a kubelet-like steady rate (every node once per period, spread evenly);
 *   - list: a LIST, unpaged or paged to completion, timed to the last byte;
 *   - watch: see apiserver-load-watch.ts.
 * Two HTTP/2 sessions multiplex every request (the machine has two cores; keep the client lean).
 */
import type { ClientHttp2Session } from 'node:http2';
import { LEASE_PATH, newLease, renewal, type Lease } from './apiserver-fixtures.js';
import { runWatchJob, type WatchJob } from './apiserver-load-watch.js';
import { runEntry, tellDriver } from './children.js';
import { connect, readCredentials, request, requestJson } from './http2-client.js';
import { Latencies, round } from './stats.js';

export interface LeaseJob {
  readonly kind: 'leases';
  readonly url: string;
  readonly pkiDir: string;
  /** Leases to create before renewing (node-00000 ...). */
  readonly create: number;
  readonly max: { readonly leases: number; readonly concurrency: number; readonly seconds: number };
  readonly steady?: { readonly nodes: number; readonly periodSeconds: number; readonly seconds: number };
}

export interface ListJob {
  readonly kind: 'list';
  readonly url: string;
  readonly pkiDir: string;
  readonly path: string;
  /** Page size; 0 for one unpaged request. */
  readonly limit: number;
  readonly runs: number;
  readonly expectItems: number;
}

export type LoadJob = LeaseJob | ListJob | WatchJob;

const SESSIONS = 2;
const CREATE_CONCURRENCY = 64;

export interface PhaseFigures {
  requests: number;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  errors: number;
  firstError?: string;
  clientCpuPercent: number;
}

/** Renews leases[i] once; updates it from the response. Returns false (and why) on failure. */
class Renewer {
  readonly latencies = new Latencies();
  errors = 0;
  firstError: string | undefined;

  constructor(
    private readonly sessions: readonly ClientHttp2Session[],
    private readonly leases: Lease[],
  ) {}

  async renew(i: number): Promise<void> {
    const session = this.sessions[i % this.sessions.length]!;
    const lease = this.leases[i]!;
    const path = `${LEASE_PATH}/${lease.metadata.name}`;
    const t0 = performance.now();
    try {
      const res = await request(session, 'PUT', path, renewal(lease));
      if (res.status === 200) {
        this.latencies.add(performance.now() - t0);
        this.leases[i] = JSON.parse(res.body.toString('utf8')) as Lease;
        return;
      }
      this.fail(`PUT ${path}: HTTP ${res.status}: ${res.body.toString('utf8', 0, 200)}`);
      // A kubelet whose renewal conflicted reads the lease again before the next try.
      if (res.status === 409) this.leases[i] = await requestJson<Lease>(session, 'GET', path, undefined, 200);
    } catch (err) {
      this.fail(`PUT ${path}: ${(err as Error).message}`);
    }
  }

  figures(seconds: number, cpu: NodeJS.CpuUsage): PhaseFigures {
    const { p50, p99, max } = this.latencies.summary();
    return {
      requests: this.latencies.count,
      requestsPerSecond: round(this.latencies.count / seconds, 0),
      p50Ms: round(p50),
      p99Ms: round(p99),
      maxMs: round(max),
      errors: this.errors,
      ...(this.firstError && { firstError: this.firstError }),
      clientCpuPercent: round(((cpu.user + cpu.system) / 1e6 / seconds) * 100, 0),
    };
  }

  private fail(message: string): void {
    this.errors++;
    this.firstError ??= message;
  }
}

async function runLeaseJob(job: LeaseJob): Promise<Record<string, unknown>> {
  const credentials = readCredentials(job.pkiDir);
  const sessions = await Promise.all(Array.from({ length: SESSIONS }, () => connect(job.url, credentials)));
  try {
    const leases: Lease[] = new Array<Lease>(job.create);
    let next = 0;
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: CREATE_CONCURRENCY }, async () => {
        while (next < job.create) {
          const i = next++;
          leases[i] = await requestJson<Lease>(sessions[i % SESSIONS]!, 'POST', LEASE_PATH, newLease(i), 201);
        }
      }),
    );
    const createSeconds = (performance.now() - t0) / 1000;
    const leaseBodyBytes = Buffer.byteLength(renewal(leases[0]!));

    await tellDriver({ type: 'mark', name: 'max:start' });
    const max = await renewAsFastAsPossible(new Renewer(sessions, leases), job.max);
    await tellDriver({ type: 'mark', name: 'max:end' });

    let steady: Record<string, unknown> | undefined;
    if (job.steady) {
      await tellDriver({ type: 'mark', name: 'steady:start' });
      steady = await renewSteadily(new Renewer(sessions, leases), job.steady);
      await tellDriver({ type: 'mark', name: 'steady:end' });
    }
    return { created: job.create, createSeconds: round(createSeconds), leaseBodyBytes, max, ...(steady && { steady }) };
  } finally {
    for (const s of sessions) s.destroy();
  }
}

/** `concurrency` requests always in flight over the first `leases` leases, round-robin. */
async function renewAsFastAsPossible(renewer: Renewer, options: LeaseJob['max']): Promise<PhaseFigures> {
  let cursor = 0;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const deadline = t0 + options.seconds * 1000;
  await Promise.all(
    Array.from({ length: options.concurrency }, async () => {
      while (performance.now() < deadline) await renewer.renew(cursor++ % options.leases);
    }),
  );
  return renewer.figures((performance.now() - t0) / 1000, process.cpuUsage(cpu0));
}

/**
 * Every node renews once per period, the nodes' renewals spread evenly over it (open loop: a slow
 * answer does not delay other nodes). A node whose previous renewal is still in flight when it is
 * due skips that turn, as a kubelet would; skips are reported.
 */
async function renewSteadily(renewer: Renewer, options: NonNullable<LeaseJob['steady']>): Promise<Record<string, unknown>> {
  const intervalMs = (options.periodSeconds * 1000) / options.nodes;
  const total = Math.floor((options.seconds * 1000) / intervalMs);
  const inFlight = new Uint8Array(options.nodes);
  const pending = new Set<Promise<void>>();
  const sendLag = new Latencies();
  let sent = 0;
  let skipped = 0;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await new Promise<void>((resolve) => {
    const tick = () => {
      const now = performance.now();
      for (; sent < total && t0 + sent * intervalMs <= now; sent++) {
        const node = sent % options.nodes;
        sendLag.add(now - (t0 + sent * intervalMs));
        if (inFlight[node]) {
          skipped++;
          continue;
        }
        inFlight[node] = 1;
        const p: Promise<void> = renewer.renew(node).finally(() => {
          inFlight[node] = 0;
          pending.delete(p);
        });
        pending.add(p);
      }
      if (sent < total) setTimeout(tick, 1);
      else resolve();
    };
    tick();
  });
  await Promise.all(pending);
  const seconds = (performance.now() - t0) / 1000;
  return {
    nodes: options.nodes,
    periodSeconds: options.periodSeconds,
    seconds: round(seconds),
    targetPerSecond: round(options.nodes / options.periodSeconds, 0),
    ...renewer.figures(seconds, process.cpuUsage(cpu0)),
    skipped,
    generatorLagP99Ms: round(sendLag.summary().p99),
  };
}

async function runListJob(job: ListJob): Promise<Record<string, unknown>> {
  const session = await connect(job.url, readCredentials(job.pkiDir));
  try {
    const runs: { seconds: number; bytes: number; requests: number; items: number }[] = [];
    for (let r = 0; r < job.runs; r++) {
      const bodies: Buffer[] = [];
      let token: string | undefined;
      const t0 = performance.now();
      do {
        const query = job.limit > 0 ? `?limit=${job.limit}${token ? `&continue=${encodeURIComponent(token)}` : ''}` : '';
        const res = await request(session, 'GET', `${job.path}${query}`);
        if (res.status !== 200) throw new Error(`GET ${job.path}${query}: HTTP ${res.status}: ${res.body.toString('utf8', 0, 300)}`);
        bodies.push(res.body);
        // The list's metadata (with the continue token) comes before its items.
        token = job.limit > 0 ? /"continue":"([^"]+)"/.exec(res.body.toString('utf8', 0, 4096))?.[1] : undefined;
      } while (token);
      const seconds = (performance.now() - t0) / 1000;
      // Decoded after the clock stops: the figure is the server's and the wire's, not this parser's.
      const items = bodies.reduce((n, b) => n + (JSON.parse(b.toString('utf8')) as { items: unknown[] }).items.length, 0);
      if (items !== job.expectItems) throw new Error(`GET ${job.path} returned ${items} items, expected ${job.expectItems}`);
      runs.push({ seconds: round(seconds, 3), bytes: bodies.reduce((n, b) => n + b.length, 0), requests: bodies.length, items });
    }
    return { runs };
  } finally {
    session.destroy();
  }
}

runEntry(async () => {
  const job = JSON.parse(process.argv[2] ?? '{}') as LoadJob;
  switch (job.kind) {
    case 'leases':
      return runLeaseJob(job);
    case 'list':
      return runListJob(job);
    case 'watch':
      return runWatchJob(job);
    default:
      throw new Error(`unknown load job ${JSON.stringify(job)}`);
  }
});
