/**
 * @module bench/heartbeats
 *
 * The node heartbeat benchmark (issue 4): can one tskube API server on this machine keep 10,000
 * virtual nodes heartbeating at the kubelet's default timing with no node ever going NotReady?
 *
 * For each N (1,000, 5,000, 10,000), on a fresh cluster in a temporary data dir, three kinds of
 * child process (children.ts), all on 127.0.0.1:
 *   - the API server on the embedded SQLite store (heartbeats-server.ts: apiserver-server.ts's
 *     server, with its storage writes timed);
 *   - the controller manager with the node lifecycle controller at its DEFAULT settings (grace
 *     50 s, monitor every 5 s), as kube-controller-manager in its own process, plus a node
 *     informer that records every Ready → NotReady/Unknown change (heartbeats-controller.ts);
 *   - the virtual nodes (heartbeats-fleet.ts): `createFleet`'s agents, each with its own client
 *     and HTTP/2 + TLS connection, default timing (lease every 10 s, status every 10 s written on
 *     change or every 5 min, request timeout 10 s), started at REGISTRATIONS_PER_SECOND over a
 *     whole number of heartbeat periods so the heartbeats spread over the period. Up to
 *     NODES_PER_FLEET_PROCESS nodes per process.
 * Phases: registration (until every node has renewed its lease and written its status, and the
 * controller side sees every node Ready), one heartbeat period to settle, then the steady window
 * (12 × --seconds: 60 s by default). Figures of the window: heartbeats/s (lease renewals + status
 * writes, from the fleet's counters), latency of those writes at the node's transport, failed
 * heartbeats, CPU of each process and the server's peak RSS (from /proc); and over the whole
 * run: nodes that were ever NotReady/Unknown, the controller's transitions and evictions.
 *
 * TSKUBE_BENCH_CPU_PROF=DIR writes a CPU profile of every child process into DIR;
 * TSKUBE_BENCH_HEARTBEATS_NODES=1000,5000 runs only those fleet sizes.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BenchChild, Children, cpuSeconds, memoryMiB } from './children.js';
import { REQUEST_KINDS, type ControllerStats, type Counters, type FleetJob, type FleetStats, type GcStats, type HeartbeatServerStats, type RequestKind } from './heartbeats-stats.js';
import { percentile, printTable, round } from './stats.js';

export interface HeartbeatsBenchOptions {
  readonly seconds: number;
  /** Fleet sizes to run (default 1,000, 5,000 and 10,000). */
  readonly sizes?: readonly number[];
}

const SIZES = [1_000, 5_000, 10_000];
/** The kubelet's default lease renewal and status interval. */
const PERIOD_MS = 10_000;
/** Node starts per second; the start span is rounded up to whole periods. */
const REGISTRATIONS_PER_SECOND = 100;
/**
 * One process can hold 10,000 nodes' TLS sessions (~2.5 GiB), but its event loop then stalls for
 * seconds at a time and the load generator's own delay would be counted as the server's: 10,000
 * nodes run in two processes.
 */
const NODES_PER_FLEET_PROCESS = 5_000;
const ZONES = ['zone-a', 'zone-b', 'zone-c'];
/** How long registration may take beyond the start span before the run goes on without it. */
const REGISTRATION_SLACK_MS = 120_000;
const POLL_MS = 1_000;

interface Sample {
  readonly at: number;
  /** CPU seconds of each kind of child, of this driver ('driver'), and of the whole machine ('machine'). */
  readonly cpu: Record<string, number>;
}

/** Busy CPU seconds of the whole machine (every core), from /proc/stat. */
function machineCpuSeconds(): number {
  const fields = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!.trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal: everything but idle and iowait is busy.
  const busy = fields.slice(0, 8).reduce((n, v, i) => (i === 3 || i === 4 ? n : n + v), 0);
  return busy / 100;
}

interface RegistrationFigures {
  complete: boolean;
  spanSeconds: number;
  /** From the first node's start until the last one had renewed its lease and written its status. */
  seconds: number;
  /** Until the controller side saw every node Ready. */
  readySeconds: number;
  nodeP50Ms: number;
  nodeP99Ms: number;
  failedHeartbeats: number;
  /** Requests that failed (registration's own retries included: they are not heartbeats). */
  failedRequests: number;
  serverCpuPercent: number;
  controllerCpuPercent: number;
  fleetCpuPercent: number;
  otherCpuPercent: number;
}

interface SteadyFigures {
  seconds: number;
  heartbeatsPerSecond: number;
  leaseRenewalsPerSecond: number;
  statusWritesPerSecond: number;
  statusGetsPerSecond: number;
  requestsPerSecond: number;
  /** Lease renewals + status writes: every node once per period. */
  targetPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  statusGetP50Ms: number;
  statusGetP99Ms: number;
  /** Storage writes in the server, from the store's call to the answer (group commit wait included). */
  storageWriteP50Ms: number;
  storageWriteP99Ms: number;
  failedHeartbeats: number;
  failedRequests: number;
  /** The longest time between two successful lease renewals of any one node in the window (10 s when all is well; the grace period is 50 s). */
  longestLeaseGapSeconds: number;
  notReadyTransitions: number;
  serverCpuPercent: number;
  controllerCpuPercent: number;
  fleetCpuPercent: number;
  otherCpuPercent: number;
  serverLoopDelayP99Ms: number;
  serverLoopDelayMaxMs: number;
  controllerLoopDelayP99Ms: number;
  controllerLoopDelayMaxMs: number;
  fleetLoopDelayP99Ms: number;
  fleetLoopDelayMaxMs: number;
  /** Garbage-collection pauses in the window: their share of the time, and the longest. */
  serverGcPercent: number;
  serverGcMaxMs: number;
  fleetGcPercent: number;
  fleetGcMaxMs: number;
  serverHeapUsedMiB: number;
  serverExternalMiB: number;
  writesPerCommit?: number;
}

interface SizeFigures {
  nodes: number;
  fleetProcesses: number;
  registration: RegistrationFigures;
  steady: SteadyFigures;
  /** Over the whole run: nodes ever NotReady/Unknown after being Ready, never Ready, or missing. */
  notReadyNodes: number;
  everNotReady: number;
  neverReady: number;
  missing: number;
  notReadyTransitions: number;
  evictions: number;
  everTainted: number;
  taintedAtEnd: number;
  notReadyExamples: string[];
  serverPeakRssMiB: number;
  controllerPeakRssMiB: number;
  fleetPeakRssMiB: number;
  fleetSessions: number;
  fleetDials: number;
  /** At the end of the window, over every fleet process. */
  fleetHeapUsedMiB: number;
  fleetExternalMiB: number;
  /** Failures over the whole run, by kind, the most frequent first. */
  errors: string[];
}

/** Every fleet process's answer to one query, summed (samples concatenated). */
interface FleetTotals {
  /** When the fleets read their counters (mean over the processes, ms since the epoch). */
  atMs: number;
  started: number;
  registered: number;
  lastRegisteredAtMs: number;
  heartbeats: Counters;
  requests: Record<RequestKind, { ok: number; failed: number }>;
  registrationMs: number[];
  latencyMs: Record<RequestKind, number[]>;
  longestLeaseGapMs: number;
  loopDelayP99Ms: number;
  loopDelayMaxMs: number;
  sessions: number;
  dials: number;
  errors: Record<string, number>;
  heapUsedMiB: number;
  externalMiB: number;
  gc: GcStats;
}

/** The most frequent failure kinds first. */
function topErrors(errors: Record<string, number>, n: number): string[] {
  return Object.entries(errors)
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([e, count]) => `${count}× ${e}`);
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

class SizeRun {
  readonly children = new Children();
  server!: BenchChild;
  controller!: BenchChild;
  fleets: BenchChild[] = [];

  constructor(
    readonly nodes: number,
    readonly dataDir: string,
  ) {}

  get processes(): Record<string, BenchChild[]> {
    return { server: [this.server], controller: [this.controller], fleet: this.fleets };
  }

  sample(): Sample {
    const cpu: Record<string, number> = {};
    for (const [name, children] of Object.entries(this.processes)) cpu[name] = children.reduce((n, c) => n + cpuSeconds(c.pid), 0);
    const own = process.cpuUsage();
    cpu.driver = (own.user + own.system) / 1e6;
    cpu.machine = machineCpuSeconds();
    return { at: performance.now(), cpu };
  }

  async queryFleets(): Promise<FleetTotals> {
    const all = (await Promise.all(this.fleets.map((f) => f.stats()))) as FleetStats[];
    const sum = (f: (s: FleetStats) => number) => all.reduce((n, s) => n + f(s), 0);
    const errors: Record<string, number> = {};
    for (const s of all) for (const [e, n] of Object.entries(s.errors)) errors[e] = (errors[e] ?? 0) + n;
    return {
      atMs: sum((s) => s.atMs) / all.length,
      started: sum((s) => s.started),
      registered: sum((s) => s.registered),
      lastRegisteredAtMs: Math.max(...all.map((s) => s.lastRegisteredAtMs)),
      heartbeats: {
        leaseOk: sum((s) => s.heartbeats.leaseOk),
        leaseFailed: sum((s) => s.heartbeats.leaseFailed),
        statusOk: sum((s) => s.heartbeats.statusOk),
        statusFailed: sum((s) => s.heartbeats.statusFailed),
      },
      requests: Object.fromEntries(REQUEST_KINDS.map((k) => [k, { ok: sum((s) => s.requests[k].ok), failed: sum((s) => s.requests[k].failed) }])) as FleetTotals['requests'],
      registrationMs: all.flatMap((s) => s.registrationMs),
      latencyMs: Object.fromEntries(REQUEST_KINDS.map((k) => [k, all.flatMap((s) => s.latencyMs[k])])) as FleetTotals['latencyMs'],
      longestLeaseGapMs: Math.max(...all.map((s) => s.longestLeaseGapMs)),
      loopDelayP99Ms: Math.max(...all.map((s) => s.eventLoopDelayP99Ms)),
      loopDelayMaxMs: Math.max(...all.map((s) => s.eventLoopDelayMaxMs)),
      sessions: sum((s) => s.sessions),
      dials: sum((s) => s.dials),
      errors,
      heapUsedMiB: sum((s) => s.heapUsedMiB),
      externalMiB: sum((s) => s.externalMiB),
      gc: { count: sum((s) => s.gc.count), totalMs: sum((s) => s.gc.totalMs), maxMs: Math.max(...all.map((s) => s.gc.maxMs)) },
    };
  }

  async queryServer(): Promise<HeartbeatServerStats> {
    return (await this.server.stats()) as HeartbeatServerStats;
  }

  async queryController(): Promise<ControllerStats> {
    return (await this.controller.stats()) as ControllerStats;
  }

  async run(steadySeconds: number): Promise<SizeFigures> {
    const { nodes, dataDir } = this;
    const fleetProcesses = Math.ceil(nodes / NODES_PER_FLEET_PROCESS);
    const spanMs = Math.ceil(nodes / REGISTRATIONS_PER_SECOND / (PERIOD_MS / 1000)) * PERIOD_MS;

    this.server = this.children.start('API server', 'heartbeats-server.ts', [dataDir]);
    await this.server.next('ready', 180_000);
    this.controller = this.children.start('controller manager', 'heartbeats-controller.ts', [dataDir]);
    await this.controller.next('ready', 120_000);
    this.fleets = Array.from({ length: fleetProcesses }, (_, index) => {
      const job: FleetJob = { kubeconfig: join(dataDir, 'kubeconfig'), totalNodes: nodes, processes: fleetProcesses, index, spanMs, zones: ZONES };
      return this.children.start(`fleet ${index + 1}/${fleetProcesses}`, 'heartbeats-fleet.ts', [JSON.stringify(job)]);
    });
    await Promise.all(this.fleets.map((f) => f.next('ready', 120_000)));

    // Registration: the first query starts every fleet's schedule.
    const reg0 = this.sample();
    await this.queryServer();
    let fleet = await this.queryFleets();
    const registrationSamples: number[] = [...fleet.registrationMs];
    let controller = await this.queryController();
    let readyAt: number | undefined;
    const deadline = reg0.at + spanMs + REGISTRATION_SLACK_MS;
    while (performance.now() < deadline) {
      await sleep(POLL_MS);
      fleet = await this.queryFleets();
      registrationSamples.push(...fleet.registrationMs);
      controller = await this.queryController();
      if (readyAt === undefined && controller.ready === nodes) readyAt = performance.now();
      if (fleet.registered === nodes && readyAt !== undefined) break;
    }
    const reg1 = this.sample();
    registrationSamples.sort((a, b) => a - b);
    const registration: RegistrationFigures = {
      complete: fleet.registered === nodes && readyAt !== undefined,
      spanSeconds: spanMs / 1000,
      seconds: round(fleet.lastRegisteredAtMs / 1000, 1),
      readySeconds: readyAt === undefined ? Number.NaN : round((readyAt - reg0.at) / 1000, 1),
      nodeP50Ms: round(percentile(registrationSamples, 50), 0),
      nodeP99Ms: round(percentile(registrationSamples, 99), 0),
      failedHeartbeats: fleet.heartbeats.leaseFailed + fleet.heartbeats.statusFailed,
      failedRequests: REQUEST_KINDS.reduce((n, k) => n + fleet.requests[k].failed, 0),
      ...cpuPercents(reg0, reg1),
    };

    // One heartbeat period to settle, then the steady window.
    await sleep(PERIOD_MS);
    const s0 = this.sample();
    const [, controller0, fleet0] = await Promise.all([this.queryServer(), this.queryController(), this.queryFleets()]);
    await sleep(steadySeconds * 1000);
    const s1 = this.sample();
    const [server1, controller1, fleet1] = await Promise.all([this.queryServer(), this.queryController(), this.queryFleets()]);
    const steady = steadyFigures(nodes, s0, s1, fleet0, fleet1, controller0, controller1, server1);

    // Peaks summed over processes (each process's own peak; they need not coincide).
    const peak = (children: BenchChild[]) => Math.round(children.reduce((n, c) => n + memoryMiB(c.pid).peak, 0));
    const missing = Math.max(0, nodes - controller1.nodes);
    return {
      nodes,
      fleetProcesses,
      registration,
      steady,
      notReadyNodes: controller1.everNotReady + controller1.neverReady + missing,
      everNotReady: controller1.everNotReady,
      neverReady: controller1.neverReady,
      missing,
      notReadyTransitions: controller1.notReadyTransitions ?? 0,
      evictions: controller1.evictions ?? 0,
      everTainted: controller1.everTainted,
      taintedAtEnd: controller1.taintedNow,
      notReadyExamples: controller1.notReadyExamples,
      serverPeakRssMiB: peak([this.server]),
      controllerPeakRssMiB: peak([this.controller]),
      fleetPeakRssMiB: peak(this.fleets),
      fleetSessions: fleet1.sessions,
      fleetDials: fleet1.dials,
      fleetHeapUsedMiB: fleet1.heapUsedMiB,
      fleetExternalMiB: fleet1.externalMiB,
      errors: topErrors(fleet1.errors, 20),
    };
  }
}

interface CpuPercents {
  serverCpuPercent: number;
  controllerCpuPercent: number;
  fleetCpuPercent: number;
  /** CPU the rest of the machine used meanwhile (other programs on this shared machine). */
  otherCpuPercent: number;
}

function cpuPercents(a: Sample, b: Sample): CpuPercents {
  const seconds = (b.at - a.at) / 1000;
  const used = (name: string) => (b.cpu[name]! - a.cpu[name]!) / seconds;
  const pct = (n: number) => round(n * 100, 0);
  const ours = used('server') + used('controller') + used('fleet') + used('driver');
  return { serverCpuPercent: pct(used('server')), controllerCpuPercent: pct(used('controller')), fleetCpuPercent: pct(used('fleet')), otherCpuPercent: Math.max(0, pct(used('machine') - ours)) };
}

function steadyFigures(
  nodes: number,
  s0: Sample,
  s1: Sample,
  f0: FleetTotals,
  f1: FleetTotals,
  c0: ControllerStats,
  c1: ControllerStats,
  server: HeartbeatServerStats,
): SteadyFigures {
  const seconds = (s1.at - s0.at) / 1000;
  // Counts over the interval between the fleets' own readings (a fleet answers a query late when its event loop is busy).
  const counted = (f1.atMs - f0.atMs) / 1000;
  const rate = (n: number) => round(n / counted, 0);
  const leases = f1.heartbeats.leaseOk - f0.heartbeats.leaseOk;
  const delta = (k: RequestKind) => f1.requests[k].ok - f0.requests[k].ok;
  const statusWrites = delta('statusWrite');
  const requests = REQUEST_KINDS.reduce((n, k) => n + delta(k), 0);
  const failedRequests = REQUEST_KINDS.reduce((n, k) => n + f1.requests[k].failed - f0.requests[k].failed, 0);
  const writes = [...f1.latencyMs.leaseRenew, ...f1.latencyMs.statusWrite].sort((a, b) => a - b);
  const gets = [...f1.latencyMs.statusGet].sort((a, b) => a - b);
  const txns = [...server.txnMs].sort((a, b) => a - b);
  return {
    seconds: round(seconds, 1),
    heartbeatsPerSecond: rate(leases + statusWrites),
    leaseRenewalsPerSecond: rate(leases),
    statusWritesPerSecond: rate(statusWrites),
    statusGetsPerSecond: rate(delta('statusGet')),
    requestsPerSecond: rate(requests),
    targetPerSecond: round(nodes / (PERIOD_MS / 1000), 0),
    p50Ms: round(percentile(writes, 50)),
    p99Ms: round(percentile(writes, 99)),
    maxMs: round(writes.at(-1) ?? Number.NaN),
    statusGetP50Ms: round(percentile(gets, 50)),
    statusGetP99Ms: round(percentile(gets, 99)),
    storageWriteP50Ms: round(percentile(txns, 50)),
    storageWriteP99Ms: round(percentile(txns, 99)),
    failedHeartbeats: f1.heartbeats.leaseFailed + f1.heartbeats.statusFailed - f0.heartbeats.leaseFailed - f0.heartbeats.statusFailed,
    failedRequests,
    longestLeaseGapSeconds: round(f1.longestLeaseGapMs / 1000, 1),
    notReadyTransitions: (c1.notReadyTransitions ?? 0) - (c0.notReadyTransitions ?? 0),
    ...cpuPercents(s0, s1),
    serverLoopDelayP99Ms: round(server.eventLoopDelayP99Ms),
    serverLoopDelayMaxMs: round(server.eventLoopDelayMaxMs),
    controllerLoopDelayP99Ms: round(c1.eventLoopDelayP99Ms),
    controllerLoopDelayMaxMs: round(c1.eventLoopDelayMaxMs),
    fleetLoopDelayP99Ms: round(f1.loopDelayP99Ms),
    fleetLoopDelayMaxMs: round(f1.loopDelayMaxMs),
    serverGcPercent: round((server.gc.totalMs / 1000 / seconds) * 100, 0),
    serverGcMaxMs: server.gc.maxMs,
    fleetGcPercent: round((f1.gc.totalMs / 1000 / seconds) * 100, 0),
    fleetGcMaxMs: f1.gc.maxMs,
    serverHeapUsedMiB: server.heapUsedMiB,
    serverExternalMiB: server.externalMiB,
    ...(server.commits && { writesPerCommit: round((server.writes ?? 0) / server.commits, 1) }),
  };
}

export async function runHeartbeatsBench(options: HeartbeatsBenchOptions): Promise<Record<string, unknown>> {
  const steadySeconds = 12 * options.seconds;
  // TSKUBE_BENCH_HEARTBEATS_NODES=1000,5000 runs only those sizes (for a quick look or a profile).
  const fromEnv = process.env.TSKUBE_BENCH_HEARTBEATS_NODES?.split(',').map(Number).filter((n) => Number.isInteger(n) && n > 0);
  const sizes = options.sizes ?? (fromEnv?.length ? fromEnv : SIZES);
  const dirs = new Set<string>();
  // Also on an abrupt exit (an uncaught error, Ctrl-C): no temp dir left behind. Children.ts
  // SIGKILLs the children on exit the same way.
  const removeDirs = () => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
    dirs.clear();
  };
  const interrupted = () => process.exit(130);
  process.once('exit', removeDirs);
  process.once('SIGINT', interrupted);
  const results: SizeFigures[] = [];
  try {
    for (const nodes of sizes) {
      const dir = mkdtempSync(join(tmpdir(), `tskube-bench-heartbeats-${nodes}-`));
      dirs.add(dir);
      const run = new SizeRun(nodes, join(dir, 'data'));
      try {
        console.error(`heartbeats: ${nodes} nodes ...`);
        results.push(await run.run(steadySeconds));
      } finally {
        await run.children.stopAll();
        rmSync(dir, { recursive: true, force: true });
        dirs.delete(dir);
      }
    }
  } finally {
    removeDirs();
    process.off('exit', removeDirs);
    process.off('SIGINT', interrupted);
  }
  return report(steadySeconds, results);
}

function report(steadySeconds: number, results: SizeFigures[]): Record<string, unknown> {
  const k = (n: number) => (n % 1000 === 0 ? `${n / 1000}k` : String(n));
  console.log(
    `\nheartbeats: virtual nodes at default timing (lease every 10 s, status every 10 s, written on change or every 5 min), ` +
      `node lifecycle controller at default settings (grace 50 s, monitor 5 s); ${steadySeconds}s steady window after registration + 10 s`,
  );
  printTable(
    results.map((r) => ({
      nodes: r.nodes,
      'registration s (span)': `${r.registration.seconds} (${r.registration.spanSeconds})${r.registration.complete ? '' : ' INCOMPLETE'}`,
      'all Ready s': r.registration.readySeconds,
      'heartbeats/s (target)': `${r.steady.heartbeatsPerSecond} (${r.steady.targetPerSecond})`,
      'p50 ms': r.steady.p50Ms,
      'p99 ms': r.steady.p99Ms,
      'status GET p99 ms': r.steady.statusGetP99Ms,
      'storage write p50/p99 ms': `${r.steady.storageWriteP50Ms}/${r.steady.storageWriteP99Ms}`,
      'longest lease gap s': r.steady.longestLeaseGapSeconds,
      'failed (reg/steady)': `${r.registration.failedHeartbeats}/${r.steady.failedHeartbeats}`,
      'failed requests (reg/steady)': `${r.registration.failedRequests}/${r.steady.failedRequests}`,
      'NotReady nodes (went / never Ready)': `${r.notReadyNodes} (${r.everNotReady} / ${r.neverReady + r.missing})`,
      transitions: r.notReadyTransitions,
      'ever tainted': r.everTainted,
      evictions: r.evictions,
    })),
  );
  console.log('\nheartbeats: CPU (100 = one core) in the steady window (in registration), event-loop delay p99/max, peak RSS over the run');
  printTable(
    results.map((r) => ({
      nodes: r.nodes,
      'req/s': r.steady.requestsPerSecond,
      'server CPU %': `${r.steady.serverCpuPercent} (${r.registration.serverCpuPercent})`,
      'controller CPU %': `${r.steady.controllerCpuPercent} (${r.registration.controllerCpuPercent})`,
      'fleet CPU %': `${r.steady.fleetCpuPercent} (${r.registration.fleetCpuPercent})`,
      'others CPU %': `${r.steady.otherCpuPercent} (${r.registration.otherCpuPercent})`,
      'server loop ms': `${r.steady.serverLoopDelayP99Ms}/${r.steady.serverLoopDelayMaxMs}`,
      'controller loop ms': `${r.steady.controllerLoopDelayP99Ms}/${r.steady.controllerLoopDelayMaxMs}`,
      'fleet loop ms': `${r.steady.fleetLoopDelayP99Ms}/${r.steady.fleetLoopDelayMaxMs}`,
      'GC % (max ms) server|fleet': `${r.steady.serverGcPercent} (${r.steady.serverGcMaxMs})|${r.steady.fleetGcPercent} (${r.steady.fleetGcMaxMs})`,
      'writes/commit': r.steady.writesPerCommit ?? '',
      'server peak RSS MiB': r.serverPeakRssMiB,
      'controller peak RSS MiB': r.controllerPeakRssMiB,
      'fleet peak RSS MiB': r.fleetPeakRssMiB,
      'fleet procs/sessions': `${r.fleetProcesses}/${r.fleetSessions}`,
    })),
  );
  const tenK = results.find((r) => r.nodes === 10_000);
  if (tenK) {
    const met = tenK.notReadyNodes === 0 && tenK.registration.complete;
    console.log(
      `\ngoal (issue 4), 10,000 virtual nodes at 10 s with 0 NotReady: ${met ? 'met' : 'NOT met'} ` +
        `(${tenK.everNotReady} nodes went NotReady/Unknown, ${tenK.neverReady + tenK.missing} never became Ready, ${tenK.steady.failedHeartbeats} failed heartbeats in the window, ` +
        `${tenK.steady.heartbeatsPerSecond} heartbeats/s of ${tenK.steady.targetPerSecond}, p99 ${tenK.steady.p99Ms} ms)`,
    );
  }
  for (const r of results) {
    if (r.notReadyExamples.length > 0) console.log(`  ${k(r.nodes)}: went NotReady/Unknown: ${r.notReadyExamples.join('; ')}`);
    if (r.errors.length > 0) console.log(`  ${k(r.nodes)}: failures over the run: ${r.errors.slice(0, 4).join(' | ')}`);
  }

  const figures: Record<string, unknown> = { steadySeconds, periodSeconds: PERIOD_MS / 1000, registrationsPerSecond: REGISTRATIONS_PER_SECOND, sizes: results };
  for (const r of results) {
    const prefix = `heartbeats${k(r.nodes)}`;
    figures[`${prefix}NotReady`] = r.notReadyNodes;
    figures[`${prefix}P99Ms`] = r.steady.p99Ms;
    figures[`${prefix}PerSecond`] = r.steady.heartbeatsPerSecond;
    figures[`${prefix}FailedHeartbeats`] = r.steady.failedHeartbeats;
    figures[`${prefix}RegistrationSeconds`] = r.registration.seconds;
    figures[`${prefix}ServerCpuPercent`] = r.steady.serverCpuPercent;
    figures[`${prefix}ServerPeakRssMiB`] = r.serverPeakRssMiB;
  }
  return figures;
}
