/**
 * @module bench/children
 *
 * The child processes of a benchmark: each runs one bench/ entry script under tsx and talks to
 * the driver over the IPC channel (`BenchMessage`). An entry exits when that channel closes, so a
 * child never outlives a driver that died; the driver still stops every child it started, in a
 * `finally`, and SIGKILLs leftovers if it exits abruptly. Also: CPU time and RSS of a child,
 * read from /proc, so the figures are the server's own and not the load generator's.
 * TSKUBE_BENCH_CPU_PROF=DIR writes a CPU profile of every child into DIR (named by pid).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

export type BenchMessage =
  | { readonly type: 'ready'; readonly url: string }
  | { readonly type: 'mark'; readonly name: string }
  | { readonly type: 'result'; readonly result: unknown }
  | { readonly type: 'stats'; readonly stats: ServerStats }
  | { readonly type: 'error'; readonly message: string };

/** What a server child measured since the previous query (see `answerStatsQueries`). */
export interface ServerStats {
  /** How late the server's event loop ran timers: what a stall (a blocking fsync) adds to requests. */
  readonly eventLoopDelayP99Ms: number;
  readonly eventLoopDelayMaxMs: number;
  /** Group commits (transactions, one fsync each) and the writes they carried; absent without a store. */
  readonly commits?: number;
  readonly writes?: number;
}

const STATS_QUERY = 'stats?';

/**
 * Server entries call this: each query from the driver is answered with the event-loop delay and
 * group-commit counts since the previous one.
 */
export function answerStatsQueries(groupCommit?: { readonly batches: number; readonly writes: number }): void {
  const delay = monitorEventLoopDelay({ resolution: 1 });
  delay.enable();
  let last = { batches: groupCommit?.batches ?? 0, writes: groupCommit?.writes ?? 0 };
  process.on('message', (m: unknown) => {
    if (m !== STATS_QUERY) return;
    const stats: ServerStats = {
      eventLoopDelayP99Ms: delay.percentile(99) / 1e6,
      eventLoopDelayMaxMs: delay.max / 1e6,
      ...(groupCommit && { commits: groupCommit.batches - last.batches, writes: groupCommit.writes - last.writes }),
    };
    delay.reset();
    if (groupCommit) last = { batches: groupCommit.batches, writes: groupCommit.writes };
    void tellDriver({ type: 'stats', stats });
  });
}

/** Sends a message to the driver; entries call this (they always run with an IPC channel). */
export function tellDriver(message: BenchMessage): Promise<void> {
  return new Promise((resolve, reject) => {
    if (!process.send) return reject(new Error('this script is a benchmark child: run it through `npm run bench`'));
    process.send(message, undefined, {}, (err) => (err ? reject(err) : resolve()));
  });
}

/**
 * Runs an entry's main. A main that returns a result (a job) reports it and exits; one that
 * returns undefined (a server) keeps running until SIGTERM. An error is reported, then exit 1.
 */
export function runEntry(main: () => Promise<unknown>): void {
  process.once('disconnect', () => process.exit(1));
  main().then(
    async (result) => {
      if (result === undefined) return;
      await tellDriver({ type: 'result', result });
      process.exit(0);
    },
    async (err: unknown) => {
      await tellDriver({ type: 'error', message: err instanceof Error ? (err.stack ?? err.message) : String(err) }).catch(() => {});
      process.exit(1);
    },
  );
}

export class BenchChild {
  readonly exited: Promise<void>;
  private exitCode: number | null | undefined;
  private readonly queue: BenchMessage[] = [];
  private waiter: (() => void) | undefined;
  private readonly markListeners: ((name: string) => void)[] = [];

  constructor(
    readonly name: string,
    private readonly child: ChildProcess,
  ) {
    child.on('message', (m: BenchMessage) => {
      if (m.type === 'mark') for (const l of this.markListeners) l(m.name);
      else this.queue.push(m);
      this.waiter?.();
    });
    // A failed send or kill is reported where it matters (a missing answer, the exit).
    child.on('error', () => {});
    this.exited = new Promise((resolve) =>
      child.once('exit', (code, signal) => {
        this.exitCode = code ?? (signal ? -1 : null);
        this.waiter?.();
        resolve();
      }),
    );
  }

  get pid(): number {
    return this.child.pid!;
  }

  get running(): boolean {
    return this.exitCode === undefined;
  }

  onMark(listener: (name: string) => void): void {
    this.markListeners.push(listener);
  }

  /** Asks a server child for its `ServerStats` since the previous query. */
  async stats(): Promise<ServerStats> {
    if (!this.running) throw new Error(`${this.name} is not running`);
    this.child.send(STATS_QUERY, (err) => err && this.queue.push({ type: 'error', message: `stats query failed: ${err.message}` }));
    return (await this.next('stats', 30_000)).stats;
  }

  /** The child's next message of this type; rejects on its 'error', its exit, or after timeoutMs. */
  async next<T extends 'ready' | 'result' | 'stats'>(type: T, timeoutMs: number): Promise<Extract<BenchMessage, { type: T }>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const m = this.queue.shift();
      if (m?.type === 'error') throw new Error(`${this.name} failed: ${m.message}`);
      if (m?.type === type) return m as Extract<BenchMessage, { type: T }>;
      if (m) throw new Error(`${this.name} sent ${m.type}, expected ${type}`);
      if (!this.running) throw new Error(`${this.name} exited (code ${String(this.exitCode)}) before sending ${type}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`${this.name} sent no ${type} within ${Math.round(timeoutMs / 1000)} s`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiter = () => {
          clearTimeout(timer);
          this.waiter = undefined;
          resolve();
        };
      });
    }
  }

  /** SIGTERM, then SIGKILL if it has not exited within graceMs. */
  async stop(graceMs = 10_000): Promise<void> {
    if (!this.running) return;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(timer);
  }

  killNow(): void {
    if (this.running) this.child.kill('SIGKILL');
  }
}

/** Every child a benchmark started, so one `finally` can stop them all. */
export class Children {
  private readonly all = new Set<BenchChild>();
  private readonly onExit = () => {
    for (const c of this.all) c.killNow();
  };

  constructor() {
    process.once('exit', this.onExit);
  }

  /** Forks `bench/<script>` under tsx with `args`; stdout and stderr go to the driver's. */
  start(name: string, script: string, args: readonly string[]): BenchChild {
    const path = fileURLToPath(new URL(script, import.meta.url));
    const profileDir = process.env.TSKUBE_BENCH_CPU_PROF;
    const child = fork(path, [...args], {
      execArgv: ['--import', 'tsx', ...(profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [])],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      // The server's info logs (one line per generated certificate) would break up the table.
      env: { ...process.env, TSKUBE_LOG_LEVEL: process.env.TSKUBE_LOG_LEVEL ?? 'warn' },
    });
    const bench = new BenchChild(name, child);
    if (profileDir) console.error(`CPU profile of ${name}: pid ${child.pid} in ${profileDir}`);
    this.all.add(bench);
    void bench.exited.then(() => this.all.delete(bench));
    return bench;
  }

  async stopAll(): Promise<void> {
    await Promise.all([...this.all].map((c) => c.stop()));
    process.off('exit', this.onExit);
  }
}

/** User + system CPU seconds the process has used so far. */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may contain spaces) start at state: utime is the 12th.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  return ticks / CLOCK_TICKS_PER_SECOND;
}

/** sysconf(_SC_CLK_TCK) is 100 on every Linux Node.js runs on. */
const CLOCK_TICKS_PER_SECOND = 100;

/** Current and peak resident set size in MiB. */
export function memoryMiB(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? Number.NaN);
  return { rss: kib('VmRSS') / 1024, peak: kib('VmHWM') / 1024 };
}

/** Resets the peak RSS (VmHWM) to the current RSS, so the next peak belongs to what runs next. */
export function resetPeakMemory(pid: number): void {
  writeFileSync(`/proc/${pid}/clear_refs`, '5');
}
