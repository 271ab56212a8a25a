/**
 * @module test/support/etcd
 *
 * Real etcd for tests: starts the `etcd` binary (Debian's 3.4 by default) as one member or as a
 * cluster on 127.0.0.1, on free ports, with its data in a temporary directory, and hands back
 * handles to kill (SIGKILL) and restart single members and to find the leader.
 *
 * Every process is killed and every directory removed by `stop()`, which tests call from an
 * `after` hook so it also runs when a test fails; if the test process exits (or gets SIGTERM or
 * SIGHUP) without that, a handler kills what is left. Members use short raft timings (50 ms heartbeat, 500 ms
 * election) so a lost leader is replaced in about a second, and log only errors.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export interface EtcdOptions {
  /** The etcd binary; default $ETCD_BIN or /usr/bin/etcd. */
  readonly binary?: string;
  /** Where the temporary data directories go; default /dev/shm (no fsync cost) or the OS temp dir. */
  readonly tmpRoot?: string;
  /** How long to wait for members to become healthy. Default 20 s. */
  readonly startTimeoutMs?: number;
  readonly heartbeatMs?: number;
  readonly electionMs?: number;
  /** etcd's --max-request-bytes; default 2 MiB, above tskube's own 1.5 MiB value limit. */
  readonly maxRequestBytes?: number;
}

/** What a member says about itself (`/v3/maintenance/status`). */
export interface MemberStatus {
  readonly memberId: string;
  readonly leaderId: string;
  readonly revision: number;
  readonly raftTerm: number;
}

export interface EtcdMember {
  readonly name: string;
  /** The URL clients connect to, e.g. http://127.0.0.1:40123. */
  readonly clientUrl: string;
  readonly peerUrl: string;
  readonly dataDir: string;
  readonly running: boolean;
  readonly pid: number | undefined;
  /** SIGKILL, then wait until the process has exited. Does nothing if it is not running. */
  kill(): Promise<void>;
  /** Starts the member again with its data directory and ports and waits until it is healthy. */
  restart(): Promise<void>;
  status(): Promise<MemberStatus>;
  /** The value of one Prometheus metric from /metrics (summed over labels), undefined if absent. */
  metric(name: string): Promise<number | undefined>;
  /** The last lines the member wrote to stderr, for failure messages. */
  logTail(): string;
}

export interface EtcdCluster {
  readonly members: readonly EtcdMember[];
  /** Every member's client URL. */
  readonly endpoints: readonly string[];
  /** The member that reports itself as leader, waiting up to `timeoutMs` for an election. */
  leader(timeoutMs?: number): Promise<EtcdMember>;
  /** Kills every member and removes the data. Safe to call more than once. */
  stop(): Promise<void>;
}

export interface EtcdServer extends EtcdCluster {
  readonly member: EtcdMember;
  readonly clientUrl: string;
}

const LOG_TAIL_BYTES = 16 * 1024;
const START_ATTEMPTS = 3;

/** Starts one etcd member. */
export async function startEtcd(options: EtcdOptions = {}): Promise<EtcdServer> {
  const cluster = await startEtcdCluster(1, options);
  const member = cluster.members[0]!;
  return Object.assign(cluster, { member, clientUrl: member.clientUrl });
}

/** Starts a cluster of `size` members and waits until every member is healthy (has a leader). */
export async function startEtcdCluster(size: number, options: EtcdOptions = {}): Promise<EtcdCluster> {
  if (!Number.isInteger(size) || size < 1) throw new Error(`cluster size must be a positive integer, got ${size}`);
  let lastError: unknown;
  // Ports are free when chosen but another process may take one before etcd binds it; start over.
  for (let attempt = 1; attempt <= START_ATTEMPTS; attempt++) {
    const cluster = await Cluster.create(size, options);
    try {
      await cluster.start();
      return cluster;
    } catch (err) {
      lastError = err;
      await cluster.stop();
      if (!cluster.portConflict()) break;
    }
  }
  throw lastError;
}

// Processes and directories that exist right now, for the exit handler.
const liveProcesses = new Set<ChildProcess>();
const liveDirs = new Set<string>();
let exitHandlerInstalled = false;

function installExitHandler(): void {
  if (exitHandlerInstalled) return;
  exitHandlerInstalled = true;
  const cleanUp = () => {
    for (const child of liveProcesses) child.kill('SIGKILL');
    for (const dir of liveDirs) rmSync(dir, { recursive: true, force: true });
  };
  process.on('exit', cleanUp);
  // A signal's default action skips 'exit' handlers: clean up, then die of the signal as before.
  for (const signal of ['SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      cleanUp();
      process.kill(process.pid, signal);
    });
  }
}

class Cluster implements EtcdCluster {
  private stopped: Promise<void> | undefined;

  private constructor(
    readonly members: readonly Member[],
    private readonly root: string,
  ) {}

  static async create(size: number, options: EtcdOptions): Promise<Cluster> {
    installExitHandler();
    const base = options.tmpRoot ?? (existsSync('/dev/shm') ? '/dev/shm' : tmpdir());
    const root = await mkdtemp(join(base, 'tskube-etcd-'));
    liveDirs.add(root);
    const ports = await freePorts(size * 2);
    const token = `tskube-${process.pid}-${Date.now()}`;
    const specs = Array.from({ length: size }, (_, i) => ({
      name: `m${i}`,
      clientUrl: `http://127.0.0.1:${ports[2 * i]}`,
      peerUrl: `http://127.0.0.1:${ports[2 * i + 1]}`,
      dataDir: join(root, `m${i}`),
    }));
    const initialCluster = specs.map((s) => `${s.name}=${s.peerUrl}`).join(',');
    const members = specs.map(
      (spec) =>
        new Member(spec, [
          ...['--name', spec.name, '--data-dir', spec.dataDir],
          ...['--listen-client-urls', spec.clientUrl, '--advertise-client-urls', spec.clientUrl],
          ...['--listen-peer-urls', spec.peerUrl, '--initial-advertise-peer-urls', spec.peerUrl],
          ...['--initial-cluster', initialCluster, '--initial-cluster-state', 'new', '--initial-cluster-token', token],
          ...['--heartbeat-interval', String(options.heartbeatMs ?? 50), '--election-timeout', String(options.electionMs ?? 500)],
          ...['--max-request-bytes', String(options.maxRequestBytes ?? 2 * 1024 * 1024)],
          ...['--logger', 'zap', '--log-outputs', 'stderr', '--log-level', 'error'],
        ], options),
    );
    return new Cluster(members, root);
  }

  get endpoints(): readonly string[] {
    return this.members.map((m) => m.clientUrl);
  }

  async start(): Promise<void> {
    // All members at once: none becomes healthy before a quorum is up.
    await Promise.all(this.members.map((m) => m.start()));
  }

  portConflict(): boolean {
    return this.members.some((m) => /address already in use/i.test(m.logTail()));
  }

  async leader(timeoutMs = 10_000): Promise<EtcdMember> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const running = this.members.filter((m) => m.running);
      const statuses = await Promise.all(running.map((m) => m.status().catch(() => undefined)));
      const index = statuses.findIndex((s) => s !== undefined && s.memberId === s.leaderId);
      if (index >= 0) return running[index]!;
      await sleep(50);
    }
    throw new Error(`no etcd leader within ${timeoutMs} ms`);
  }

  stop(): Promise<void> {
    this.stopped ??= (async () => {
      await Promise.all(this.members.map((m) => m.kill()));
      await rm(this.root, { recursive: true, force: true });
      liveDirs.delete(this.root);
    })();
    return this.stopped;
  }
}

interface MemberSpec {
  readonly name: string;
  readonly clientUrl: string;
  readonly peerUrl: string;
  readonly dataDir: string;
}

class Member implements EtcdMember {
  readonly name: string;
  readonly clientUrl: string;
  readonly peerUrl: string;
  readonly dataDir: string;
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  private log = '';

  constructor(
    spec: MemberSpec,
    private readonly args: readonly string[],
    private readonly options: EtcdOptions,
  ) {
    ({ name: this.name, clientUrl: this.clientUrl, peerUrl: this.peerUrl, dataDir: this.dataDir } = spec);
  }

  get running(): boolean {
    return this.child !== undefined;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  logTail(): string {
    return this.log;
  }

  async start(): Promise<void> {
    if (this.child) throw new Error(`etcd member ${this.name} is already running`);
    const binary = this.options.binary ?? process.env['ETCD_BIN'] ?? '/usr/bin/etcd';
    // ETCD_* variables would override (or conflict with) the flags.
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('ETCD_')));
    const child = spawn(binary, this.args, { stdio: ['ignore', 'ignore', 'pipe'], env });
    this.child = child;
    liveProcesses.add(child);
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (chunk: string) => {
      this.log = (this.log + chunk).slice(-LOG_TAIL_BYTES);
    });
    this.exited = new Promise<void>((resolve) => {
      const done = () => {
        liveProcesses.delete(child);
        if (this.child === child) this.child = undefined;
        resolve();
      };
      child.once('exit', done);
      child.once('error', (err) => {
        this.log += `\nspawn failed: ${err.message}`;
        done();
      });
    });
    await this.waitHealthy(this.options.startTimeoutMs ?? 20_000);
  }

  async kill(): Promise<void> {
    this.child?.kill('SIGKILL');
    await this.exited;
  }

  async restart(): Promise<void> {
    await this.kill();
    await this.start();
  }

  async status(): Promise<MemberStatus> {
    const body = await httpRequest(`${this.clientUrl}/v3/maintenance/status`, 'POST', '{}');
    const json = JSON.parse(body) as {
      header?: { member_id?: string; revision?: string };
      leader?: string;
      raftTerm?: string;
    };
    return {
      memberId: json.header?.member_id ?? '',
      leaderId: json.leader ?? '0',
      revision: Number(json.header?.revision ?? 0),
      raftTerm: Number(json.raftTerm ?? 0),
    };
  }

  async metric(name: string): Promise<number | undefined> {
    const text = await httpRequest(`${this.clientUrl}/metrics`, 'GET');
    let sum: number | undefined;
    for (const line of text.split('\n')) {
      const match = /^([a-zA-Z_:][\w:]*)(\{[^}]*\})? (\S+)$/.exec(line);
      if (match?.[1] === name) sum = (sum ?? 0) + Number(match[3]);
    }
    return sum;
  }

  /** Polls /health (true once the member has a leader and serves reads) until the deadline. */
  private async waitHealthy(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (!this.child) throw new Error(`etcd member ${this.name} exited during startup:\n${this.log}`);
      try {
        const body = await httpRequest(`${this.clientUrl}/health`, 'GET');
        if ((JSON.parse(body) as { health?: string }).health === 'true') return;
      } catch {
        // Not listening yet.
      }
      await sleep(50);
    }
    throw new Error(`etcd member ${this.name} not healthy within ${timeoutMs} ms:\n${this.log}`);
  }
}

/** Ports the kernel hands out for 127.0.0.1:0, all held until every one is known, so none repeats. */
async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<ReturnType<typeof createServer>>((resolve, reject) => {
          const server = createServer();
          server.once('error', reject);
          server.listen(0, '127.0.0.1', () => resolve(server));
        }),
    ),
  );
  const ports = servers.map((s) => (s.address() as AddressInfo).port);
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  return ports;
}

function httpRequest(url: string, method: 'GET' | 'POST', body?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, agent: false, timeout: 1_000, headers: { 'content-type': 'application/json' } }, (res) => {
      let data = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (data += chunk));
      res.on('end', () => (res.statusCode === 200 ? resolve(data) : reject(new Error(`${method} ${url}: ${res.statusCode} ${data}`))));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`${method} ${url}: timed out`)));
    req.on('error', reject);
    req.end(body);
  });
}
