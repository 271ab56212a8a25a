/**
 * @module bench/apiserver
 *
 * The API server benchmark (issue 3). The server under test runs in its own process on the
 * embedded SQLite store in a temporary data dir; the load comes from another process over
 * HTTP/2 + TLS with the admin client certificate (apiserver-load.ts); this driver only
 * orchestrates and reads the server's CPU time, event-loop delay, group commits and RSS.
 * Workload:
 *   - Lease PUT, GET-free renewals as kubelets send them: 1,000 leases renewed by 64 in-flight
 *     requests for `seconds`, against tskube and against a bare node:http2 server echoing the
 *     Lease (bare-http2.ts: the ceiling) → leasePutToBareRatio. On two cores the load generator
 *     needs about one of them, which caps the bare server below its real ceiling, so requests per
 *     server CPU-second are compared too (leasePutPerCpuSecondToBareRatio). Then 5,000 nodes
 *     renewing every 10 s (500 PUT/s, evenly spread) for 6 × `seconds` → leasePutP99Ms, errors
 *     (must be 0);
 *   - 1,000 watchers of ConfigMaps in one namespace over 4 sessions, then 200 updates at 20/s:
 *     delay from the start of each write to each delivery → watchDeliveryP99Ms (the delay from the
 *     write's response is reported beside it: 0 when every event reaches every watcher before the
 *     writer hears back), lost events (must be 0);
 *   - LIST of 10k and then 100k running pods (~1.6 KB each, seeded into SQLite before the server
 *     starts): `GET /api/v1/pods` paged by 500 to completion, then unpaged → list100kPodsSeconds;
 *     the server's peak RSS for each.
 * TSKUBE_BENCH_CPU_PROF=DIR writes a CPU profile of every child process into DIR.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LeaseJob, LoadJob, PhaseFigures } from './apiserver-load.js';
import type { WatchResult } from './apiserver-load-watch.js';
import { cpuSeconds, memoryMiB, resetPeakMemory, type BenchChild, Children, type ServerStats } from './children.js';
import { printTable, round } from './stats.js';

export interface ApiServerBenchOptions {
  readonly seconds: number;
}

const MAX = { leases: 1000, concurrency: 64 };
const STEADY = { nodes: 5000, periodSeconds: 10 };
const WATCH = { watchers: 1000, sessions: 4, configMaps: 10, updates: 200, updatesPerSecond: 20, drainSeconds: 15 };
const LIST_PAGE = 500;

interface Server {
  readonly child: BenchChild;
  readonly url: string;
  readonly startSeconds: number;
}

interface ListFigures {
  pods: number;
  request: string;
  runs: number;
  seconds: number;
  bytes: number;
  requests: number;
  serverRssBeforeMiB: number;
  serverPeakRssMiB: number;
  serverStartSeconds: number;
}

type SteadyFigures = PhaseFigures & { nodes: number; periodSeconds: number; seconds: number; targetPerSecond: number; skipped: number; generatorLagP99Ms: number };

/** The server's side of a phase: CPU (100 = one core), event-loop stalls, writes per fsync. */
interface ServerFigures {
  serverCpuPercent: number;
  serverLoopDelayP99Ms: number;
  serverLoopDelayMaxMs: number;
  writesPerCommit?: number;
}

function serverFigures(cpuPercent: number, stats: ServerStats): ServerFigures {
  return {
    serverCpuPercent: cpuPercent,
    serverLoopDelayP99Ms: round(stats.eventLoopDelayP99Ms),
    serverLoopDelayMaxMs: round(stats.eventLoopDelayMaxMs),
    ...(stats.commits && { writesPerCommit: round((stats.writes ?? 0) / stats.commits, 1) }),
  };
}

interface SeedFigures {
  pods: number;
  seconds: number;
  meanPodBytes: number;
}

interface LeaseJobFigures {
  created: number;
  createSeconds: number;
  leaseBodyBytes: number;
  max: PhaseFigures & Partial<ServerFigures>;
  steady?: SteadyFigures & Partial<ServerFigures>;
}

type WatchFigures = WatchResult & Partial<ServerFigures>;

class Bench {
  readonly children = new Children();

  constructor(
    readonly dataDir: string,
    readonly pkiDir: string,
  ) {}

  async startApiServer(): Promise<Server> {
    const t0 = performance.now();
    const child = this.children.start('API server', 'apiserver-server.ts', [this.dataDir]);
    const { url } = await child.next('ready', 180_000);
    return { child, url, startSeconds: round((performance.now() - t0) / 1000) };
  }

  async startBareServer(): Promise<Server> {
    const t0 = performance.now();
    const child = this.children.start('bare HTTP/2 server', 'bare-http2.ts', [this.dataDir]);
    const { url } = await child.next('ready', 60_000);
    return { child, url, startSeconds: round((performance.now() - t0) / 1000) };
  }

  /**
   * Runs one load job to completion. Between a job's `<phase>:start` and `<phase>:end` marks the
   * server's CPU time, event-loop delay and group commits are measured (`server.get(phase)`).
   */
  async load<T>(job: LoadJob, server: Server, timeoutMs: number): Promise<{ result: T; server: Map<string, ServerFigures> }> {
    const child = this.children.start(`load generator (${job.kind})`, 'apiserver-load.ts', [JSON.stringify(job)]);
    const starts = new Map<string, { cpu: number; at: number }>();
    const figures = new Map<string, ServerFigures>();
    const queries: Promise<void>[] = [];
    let failure: unknown;
    const fail = (err: unknown) => void (failure ??= err);
    child.onMark((mark) => {
      try {
        const [phase, edge] = mark.split(':') as [string, string];
        const sample = { cpu: cpuSeconds(server.child.pid), at: performance.now() };
        const stats = server.child.stats();
        const start = starts.get(phase);
        if (edge === 'start') starts.set(phase, sample);
        const cpuPercent = start ? round(((sample.cpu - start.cpu) / ((sample.at - start.at) / 1000)) * 100, 0) : 0;
        queries.push(stats.then((s) => void (edge === 'end' && figures.set(phase, serverFigures(cpuPercent, s))), fail));
      } catch (err) {
        fail(new Error(`could not read the figures of the ${server.child.name} at mark ${mark} (has it exited?): ${(err as Error).message}`));
      }
    });
    const { result } = await child.next('result', timeoutMs);
    await child.exited;
    await Promise.all(queries);
    if (failure) throw failure instanceof Error ? failure : new Error(String(failure));
    return { result: result as T, server: figures };
  }

  async seed(from: number, to: number): Promise<SeedFigures> {
    const child = this.children.start('pod seeding', 'apiserver-seed.ts', [this.dataDir, String(from), String(to)]);
    const { result } = await child.next('result', 300_000);
    await child.exited;
    return result as SeedFigures;
  }

  /** LISTs every pod, paged, then unpaged, on a freshly started server; stops it after. */
  async listPods(pods: number, unpagedRuns: number): Promise<ListFigures[]> {
    const server = await this.startApiServer();
    const figures: ListFigures[] = [];
    // Paged first: the unpaged LIST leaves garbage behind that would count towards the next peak.
    for (const [limit, runs] of [[LIST_PAGE, 1], [0, unpagedRuns]] as const) {
      const pid = server.child.pid;
      const before = memoryMiB(pid).rss;
      resetPeakMemory(pid);
      const job: LoadJob = { kind: 'list', url: server.url, pkiDir: this.pkiDir, path: '/api/v1/pods', limit, runs, expectItems: pods };
      const { result } = await this.load<{ runs: { seconds: number; bytes: number; requests: number }[] }>(job, server, 600_000);
      const mean = (f: (r: (typeof result.runs)[number]) => number) => result.runs.reduce((n, r) => n + f(r), 0) / result.runs.length;
      figures.push({
        pods,
        request: limit > 0 ? `limit=${limit}, paged` : 'unpaged',
        runs,
        seconds: round(mean((r) => r.seconds), 3),
        bytes: Math.round(mean((r) => r.bytes)),
        requests: Math.round(mean((r) => r.requests)),
        serverRssBeforeMiB: Math.round(before),
        serverPeakRssMiB: Math.round(memoryMiB(pid).peak),
        serverStartSeconds: server.startSeconds,
      });
    }
    await server.child.stop();
    return figures;
  }
}

export async function runApiServerBench(options: ApiServerBenchOptions): Promise<Record<string, unknown>> {
  const dir = mkdtempSync(join(tmpdir(), 'tskube-bench-apiserver-'));
  // Also on an abrupt exit (an uncaught error, Ctrl-C): no temp dir left behind. Children.ts
  // SIGKILLs the children on exit the same way.
  const removeDir = () => rmSync(dir, { recursive: true, force: true });
  const interrupted = () => process.exit(130);
  process.once('exit', removeDir);
  process.once('SIGINT', interrupted);
  const bench = new Bench(join(dir, 'data'), join(dir, 'data', 'pki'));
  const steadySeconds = 6 * options.seconds;
  let bareLeases: LeaseJobFigures;
  let apiLeases: LeaseJobFigures;
  let watch: WatchFigures;
  const lists: ListFigures[] = [];
  const seeding: SeedFigures[] = [];
  try {
    // Leases and watches on an empty cluster. The API server starts first: it writes the pki/
    // the bare server and the load generator read.
    const api = await bench.startApiServer();
    const bare = await bench.startBareServer();
    const maxJob = { ...MAX, seconds: options.seconds };
    const leaseJob = (url: string, create: number, steady?: LeaseJob['steady']): LeaseJob => ({
      kind: 'leases',
      url,
      pkiDir: bench.pkiDir,
      create,
      max: maxJob,
      ...(steady && { steady }),
    });
    bareLeases = await runLeases(bench, leaseJob(bare.url, MAX.leases), bare, options.seconds);
    // The ceiling's process must not take CPU from the server under test.
    await bare.child.stop();
    apiLeases = await runLeases(bench, leaseJob(api.url, STEADY.nodes, { ...STEADY, seconds: steadySeconds }), api, options.seconds + steadySeconds);
    const watchRun = await bench.load<WatchResult>({ kind: 'watch', url: api.url, pkiDir: bench.pkiDir, ...WATCH }, api, 300_000);
    watch = { ...watchRun.result, ...watchRun.server.get('watch') };
    await api.child.stop();

    // LISTs: seed, then start a server that has never served anything else.
    for (const [from, to, unpagedRuns] of [[0, 10_000, 3], [10_000, 100_000, 2]] as const) {
      seeding.push(await bench.seed(from, to));
      lists.push(...(await bench.listPods(to, unpagedRuns)));
    }
  } finally {
    await bench.children.stopAll();
    removeDir();
    process.off('exit', removeDir);
    process.off('SIGINT', interrupted);
  }

  return report(options, { bareLeases, apiLeases, watch, lists, seeding, steadySeconds });
}

async function runLeases(bench: Bench, job: LoadJob, server: Server, phaseSeconds: number): Promise<LeaseJobFigures> {
  const { result, server: figures } = await bench.load<LeaseJobFigures>(job, server, (phaseSeconds + 180) * 1000);
  Object.assign(result.max, figures.get('max'));
  if (result.steady) Object.assign(result.steady, figures.get('steady'));
  return result;
}

function report(
  options: ApiServerBenchOptions,
  r: {
    bareLeases: LeaseJobFigures;
    apiLeases: LeaseJobFigures;
    watch: WatchFigures;
    lists: ListFigures[];
    seeding: SeedFigures[];
    steadySeconds: number;
  },
): Record<string, unknown> {
  const ratio = round(r.apiLeases.max.requestsPerSecond / r.bareLeases.max.requestsPerSecond);
  // On two cores the load generator needs about one of them, which caps the bare server below its
  // ceiling; requests per server CPU-second compare the two servers' own costs.
  const perCpuSecond = (f: PhaseFigures & Partial<ServerFigures>) => round(f.requestsPerSecond / ((f.serverCpuPercent ?? Number.NaN) / 100), 0);
  const perCpuRatio = round(perCpuSecond(r.apiLeases.max) / perCpuSecond(r.bareLeases.max));
  const steady = r.apiLeases.steady!;
  const list100k = r.lists.find((l) => l.pods === 100_000 && l.request === 'unpaged')!;

  const server = (f: Partial<ServerFigures>) => ({
    'server CPU %': f.serverCpuPercent ?? '',
    'loop delay p99/max ms': f.serverLoopDelayP99Ms === undefined ? '' : `${f.serverLoopDelayP99Ms}/${f.serverLoopDelayMaxMs ?? ''}`,
    'writes/commit': f.writesPerCommit ?? '',
  });

  console.log(`\napiserver: Lease PUT (${r.apiLeases.leaseBodyBytes}-byte body), ${MAX.leases} leases, ${MAX.concurrency} in flight, ${options.seconds}s, 2 HTTP/2 sessions`);
  printTable(
    [
      { target: 'bare node:http2 echo', figures: r.bareLeases.max, ratio: '1' },
      { target: 'tskube (SQLite)', figures: r.apiLeases.max, ratio: `${ratio} (per CPU-s ${perCpuRatio})` },
    ].map(({ target, figures, ratio: x }) => ({
      target,
      'req/s': figures.requestsPerSecond,
      'p50 ms': figures.p50Ms,
      'p99 ms': figures.p99Ms,
      'max ms': figures.maxMs,
      errors: figures.errors,
      ...server(figures),
      'client CPU %': figures.clientCpuPercent,
      'req/server CPU-s': perCpuSecond(figures),
      'tskube/bare': x,
    })),
  );

  console.log(`\napiserver: Lease PUT as ${steady.nodes} kubelets renewing every ${steady.periodSeconds}s (${steady.targetPerSecond} PUT/s evenly), ${r.steadySeconds}s`);
  printTable([
    {
      'PUT/s': steady.requestsPerSecond,
      'p50 ms': steady.p50Ms,
      'p99 ms': steady.p99Ms,
      'max ms': steady.maxMs,
      errors: steady.errors,
      skipped: steady.skipped,
      'generator lag p99 ms': steady.generatorLagP99Ms,
      ...server(steady),
    },
  ]);

  const w = r.watch;
  console.log(`\napiserver: ${w.watchers} ConfigMap watchers over ${w.sessions} HTTP/2 sessions, ${w.updates} updates at ${w.updatesPerSecond}/s; delivery delay from each write's response`);
  printTable([
    {
      deliveries: w.deliveries,
      lost: w.lostEvents,
      'p50 ms': w.deliveryP50Ms,
      'p99 ms': w.deliveryP99Ms,
      'max ms': w.deliveryMaxMs,
      'before response': w.deliveredBeforeWriteResponse,
      'p99 from write start ms': w.deliveryFromRequestP99Ms,
      'write p99 ms': w.writeP99Ms,
      'ended early': w.watchersEndedEarly,
      ...server(w),
    },
  ]);

  console.log(`\napiserver: GET /api/v1/pods as JSON (pods ~${r.seeding[0]?.meanPodBytes ?? '?'} bytes stored, seeded into SQLite before start)`);
  printTable(
    r.lists.map((l) => ({
      pods: l.pods,
      request: l.request,
      runs: l.runs,
      seconds: l.seconds,
      'MB sent': round(l.bytes / 1e6, 1),
      requests: l.requests,
      'server RSS before MiB': l.serverRssBeforeMiB,
      'server peak RSS MiB': l.serverPeakRssMiB,
      'server start s': l.serverStartSeconds,
    })),
  );

  return {
    seconds: options.seconds,
    leaseBodyBytes: r.apiLeases.leaseBodyBytes,
    leasePutMax: { bare: r.bareLeases.max, tskube: r.apiLeases.max, leases: MAX.leases, concurrency: MAX.concurrency },
    leasePutSteady: steady,
    leaseCreate: { leases: r.apiLeases.created, seconds: r.apiLeases.createSeconds },
    watch: w,
    list: r.lists,
    seeding: r.seeding,
    leasePutToBareRatio: ratio,
    leasePutPerCpuSecondToBareRatio: perCpuRatio,
    leasePutP99Ms: steady.p99Ms,
    leasePutErrors: steady.errors,
    list100kPodsSeconds: list100k.seconds,
    // From the start of each write to its delivery at each watcher: the end-to-end figure. (Measured
    // from the write's response it is 0, since tskube fans an event out before answering the writer.)
    watchDeliveryP99Ms: w.deliveryFromRequestP99Ms,
    watchDeliveryAfterResponseP99Ms: w.deliveryP99Ms,
    watchLostEvents: w.lostEvents,
  };
}
