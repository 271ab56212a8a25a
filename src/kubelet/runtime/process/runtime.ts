/**
 * @module kubelet/runtime/process/runtime
 *
 * ProcessRuntime: the default ContainerRuntime. A container is a local process (its command, or a
 * built-in image's Node program) started in the pod's sandbox directory (layout.ts), with its
 * volumes as files (volumes.ts), under pdeathsig in its own process group (launch.ts), its
 * stdout/stderr in a CRI log file (log-writer.ts) and to attach sessions (attach.ts: the stdin pipe
 * is kept only for a container whose spec has stdin), and a JSON record (record.ts) that lets the
 * next agent run on the same data dir list it (recovery.ts: previous containers are reported
 * exited, never adopted).
 *
 * A container counts as exited once its main process exited, whatever was left in its process
 * group was SIGKILLed (as when a container's pid 1 dies) and its output was drained into the log:
 * onExit listeners, stopContainer and followers of its log all see the same finished state.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '../../../log.js';
import { renderResolvConf } from '../../../api/resolv-conf.js';
import {
  ContainerNotFoundError,
  ContainerNotRunningError,
  ContainerStartError,
  type AttachSession,
  type ContainerConfig,
  type ContainerRuntime,
  type ExecResult,
  type ExecSession,
  type LogOptions,
  type PodSandboxConfig,
  type ResourceUsage,
  type RuntimeContainer,
} from '../interface.js';
import { ContainerStdio } from './attach.js';
import { runExec, startExecStream, type ExecTarget } from './exec.js';
import { planExec, planLaunch, type LaunchPlan } from './launch.js';
import { SandboxLayout } from './layout.js';
import { readContainerLog } from './log-reader.js';
import { ContainerLogWriter } from './log-writer.js';
import { clockTicksPerSecond, groupMembers, readProcStat, readRssBytes, signalGroup } from './proc.js';
import { exitOutcome, isExited, toRuntimeContainer, writeRecord, type ContainerRecord } from './record.js';
import { recoverContainers } from './recovery.js';
import { materialiseVolumes } from './volumes.js';

export interface ProcessRuntimeOptions {
  /** The node agent's data dir; sandboxes live in <dataDir>/pods/<uid>/. */
  readonly dataDir: string;
  readonly log: Logger;
  /** Upstream's containerLogMaxSize (default 10Mi) and containerLogMaxFiles (default 5). */
  readonly containerLogMaxSize?: number;
  readonly containerLogMaxFiles?: number;
  /**
   * How long an exited container's output may keep flowing (a process that escaped its group
   * holds the pipe) before the log is closed anyway.
   */
  readonly logDrainTimeoutMs?: number;
}

export class RuntimeClosedError extends Error {
  override readonly name = 'RuntimeClosedError';
}

/** A running container's process and what exec needs to join it. */
interface LiveProcess {
  readonly child: ChildProcess;
  readonly plan: LaunchPlan;
  readonly writer: ContainerLogWriter;
  /** Its stdin (if kept) and the attach sessions that see its output. */
  readonly stdio: ContainerStdio;
  /** Resolves once the container counts as exited (see the module comment). */
  readonly finished: Promise<void>;
  readonly execs: Set<ChildProcess>;
  killTimer?: NodeJS.Timeout;
  killAt?: number;
}

interface Entry {
  readonly record: ContainerRecord;
  live?: LiveProcess;
}

export class ProcessRuntime implements ContainerRuntime {
  readonly kind = 'process';
  private readonly layout: SandboxLayout;
  private readonly log: Logger;
  private readonly entries = new Map<string, Entry>();
  private readonly listeners = new Set<(container: RuntimeContainer) => void>();
  private recovered = false;
  private closed = false;

  constructor(private readonly options: ProcessRuntimeOptions) {
    this.layout = new SandboxLayout(options.dataDir);
    this.log = options.log;
  }

  async createSandbox(sandbox: PodSandboxConfig): Promise<void> {
    this.recover();
    const dir = this.layout.sandboxDir(sandbox.uid);
    // Secrets land here as files: only the agent's user may read the sandbox.
    mkdirSync(dir, { recursive: true, mode: 0o750 });
    for (const sub of ['volumes', 'rootfs', 'logs', 'containers']) mkdirSync(join(dir, sub), { recursive: true });
    // For people looking at the data dir; the runtime itself never reads it back.
    writeFileSync(join(dir, 'sandbox.json'), `${JSON.stringify(sandbox)}\n`);
    // As containerd does with the CRI's DNSConfig: the pod's resolv.conf, mounted by launch.ts.
    if (sandbox.dnsConfig) writeFileSync(this.layout.resolvConfPath(sandbox.uid), renderResolvConf(sandbox.dnsConfig), { mode: 0o644 });
  }

  async removeSandbox(podUid: string): Promise<void> {
    this.recover();
    const dir = this.layout.sandboxDir(podUid);
    const mine = [...this.entries.values()].filter((e) => e.record.podUid === podUid);
    await Promise.all(mine.map((e) => this.kill(e, 0)));
    for (const e of mine) this.entries.delete(e.record.id);
    rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
  }

  async startContainer(sandbox: PodSandboxConfig, config: ContainerConfig): Promise<RuntimeContainer> {
    if (this.closed) throw new RuntimeClosedError('the process runtime is closed');
    const id = randomBytes(32).toString('hex');
    const record: ContainerRecord = {
      id,
      podUid: sandbox.uid,
      name: config.name,
      image: config.image,
      restartCount: config.restartCount,
      logPath: this.layout.logPath(sandbox.uid, config.name, config.restartCount),
      startedAt: new Date().toISOString(),
    };
    let plan: LaunchPlan;
    let writer: ContainerLogWriter;
    try {
      await this.createSandbox(sandbox);
      const mounts = materialiseVolumes(this.layout, sandbox.uid, config);
      plan = planLaunch({ layout: this.layout, sandbox, config, mounts, isRoot: process.getuid?.() === 0 });
      writer = new ContainerLogWriter({
        path: record.logPath,
        maxSize: this.options.containerLogMaxSize,
        maxFiles: this.options.containerLogMaxFiles,
      });
    } catch (err) {
      if (err instanceof ContainerStartError) throw err;
      // The sandbox's files could not be written (disk full, permissions...).
      throw new ContainerStartError('CreateContainerError', `failed to create container "${config.name}": ${(err as Error).message}`);
    }
    const child = spawn(plan.argv[0]!, plan.argv.slice(1), {
      cwd: plan.cwd,
      env: plan.env,
      detached: true, // Its own process group (and session): stop signals the whole group.
      // Without spec.stdin the container reads /dev/null, as under containerd.
      stdio: [config.stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'],
    });
    writer.attach(child.stdout!, 'stdout');
    writer.attach(child.stderr!, 'stderr');
    const stdio = new ContainerStdio({ ...(child.stdin && { stdin: child.stdin }), stdinOnce: config.stdinOnce === true, tty: config.tty === true });
    stdio.tap(child.stdout!, 'stdout');
    stdio.tap(child.stderr!, 'stderr');
    const exit = new Promise<[number | null, NodeJS.Signals | null]>((resolve) => child.once('exit', (code, signal) => resolve([code, signal])));
    try {
      await new Promise<void>((resolve, reject) => {
        child.once('spawn', resolve);
        child.once('error', reject);
      });
    } catch (err) {
      writer.close();
      throw new ContainerStartError('RunContainerError', `failed to start container "${config.name}": ${(err as Error).message}`);
    }

    const pid = child.pid!;
    record.pid = pid;
    record.pidStartTime = readProcStat(pid)?.startTime;
    const entry: Entry = { record };
    const live: LiveProcess = {
      child,
      plan,
      writer,
      stdio,
      execs: new Set(),
      finished: exit.then(([code, signal]) => this.finish(entry, code, signal)),
    };
    entry.live = live;
    this.entries.set(id, entry);
    writeRecord(this.layout.recordPath(sandbox.uid, id), record);
    this.log.debug({ pod: `${sandbox.namespace}/${sandbox.name}`, container: config.name, id, pid }, 'container started');
    return toRuntimeContainer(record);
  }

  async stopContainer(id: string, gracePeriodMs: number): Promise<void> {
    this.recover();
    const entry = this.entries.get(id);
    if (!entry) throw new ContainerNotFoundError(id);
    await this.kill(entry, gracePeriodMs);
  }

  async removeContainer(id: string): Promise<void> {
    this.recover();
    const entry = this.entries.get(id);
    if (!entry || entry.record.removed) return;
    await this.kill(entry, 0);
    entry.record.removed = true;
    writeRecord(this.layout.recordPath(entry.record.podUid, id), entry.record);
  }

  async listContainers(): Promise<RuntimeContainer[]> {
    this.recover();
    return [...this.entries.values()].filter((e) => !e.record.removed).map((e) => toRuntimeContainer(e.record));
  }

  inspect(id: string): RuntimeContainer | undefined {
    this.recover();
    const entry = this.entries.get(id);
    return entry && !entry.record.removed ? toRuntimeContainer(entry.record) : undefined;
  }

  onExit(listener: (container: RuntimeContainer) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  exec(id: string, command: readonly string[], options: { timeoutMs: number; stdin?: Buffer }): Promise<ExecResult> {
    try {
      const [entry, target] = this.execTarget(id, command);
      return runExec(target, options, (child) => this.trackExec(entry, child));
    } catch (err) {
      return Promise.reject(err);
    }
  }

  execStream(id: string, command: readonly string[]): ExecSession {
    const [entry, target] = this.execTarget(id, command);
    return startExecStream(target, (child) => this.trackExec(entry, child));
  }

  attach(id: string, options: { readonly stdin: boolean }): AttachSession {
    this.recover();
    const entry = this.entries.get(id);
    if (!entry || entry.record.removed) throw new ContainerNotFoundError(id);
    if (!entry.live || isExited(entry.record)) throw new ContainerNotRunningError(id);
    return entry.live.stdio.attach(options);
  }

  async *logs(id: string, options: LogOptions): AsyncGenerator<Buffer> {
    this.recover();
    const entry = this.entries.get(id);
    if (!entry) throw new ContainerNotFoundError(id);
    yield* readContainerLog(entry.record.logPath, entry.live?.writer, options);
  }

  async usage(id: string): Promise<ResourceUsage | undefined> {
    this.recover();
    const entry = this.entries.get(id);
    const pid = entry?.live ? entry.record.pid : undefined;
    if (pid === undefined) return undefined;
    // The group's live processes (a container's pid namespace, roughly); reaped children's CPU
    // is in their parents' cutime/cstime.
    const members = groupMembers(pid, entry!.record.pidStartTime);
    let ticks = 0;
    let rss = 0;
    for (const m of members) {
      ticks += m.cpuTicks;
      rss += readRssBytes(m.pid);
    }
    return {
      cpuUsageNanoSeconds: Math.round((ticks * 1e9) / clockTicksPerSecond()),
      memoryWorkingSetBytes: rss,
      sampledAt: new Date(),
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.entries.values()].map((e) => this.kill(e, 0)));
  }

  /** Signals a running container (SIGTERM, SIGKILL after the grace) and waits until it exited. */
  private async kill(entry: Entry, gracePeriodMs: number): Promise<void> {
    const live = entry.live;
    const pid = entry.record.pid;
    if (!live || pid === undefined) return;
    const killAt = Date.now() + Math.max(0, gracePeriodMs);
    if (gracePeriodMs <= 0) {
      signalGroup(pid, 'SIGKILL');
    } else if (live.killAt === undefined || killAt < live.killAt) {
      // A second stop with a shorter grace shortens it (upstream takes the minimum too).
      if (live.killAt === undefined) signalGroup(pid, 'SIGTERM');
      clearTimeout(live.killTimer);
      live.killAt = killAt;
      live.killTimer = setTimeout(() => signalGroup(pid, 'SIGKILL'), gracePeriodMs);
    }
    await live.finished;
  }

  /** The main process exited: end the rest of its group, drain the log, record, announce. */
  private async finish(entry: Entry, code: number | null, signal: NodeJS.Signals | null): Promise<void> {
    const live = entry.live!;
    const record = entry.record;
    const finishedAt = new Date().toISOString();
    clearTimeout(live.killTimer);
    signalGroup(record.pid!, 'SIGKILL');
    for (const exec of live.execs) if (exec.pid !== undefined) signalGroup(exec.pid, 'SIGKILL');
    await live.writer.finish(this.options.logDrainTimeoutMs ?? 2_000);
    live.stdio.close();
    Object.assign(record, { finishedAt, ...exitOutcome(code, signal) });
    try {
      writeRecord(this.layout.recordPath(record.podUid, record.id), record);
    } catch (err) {
      // The sandbox is being removed under it: the record goes with it.
      this.log.debug({ err, id: record.id }, 'container record not written');
    }
    entry.live = undefined;
    const container = toRuntimeContainer(record);
    this.log.debug({ container: record.name, pod: record.podUid, id: record.id, exitCode: record.exitCode, signal: record.signal }, 'container exited');
    for (const listener of this.listeners) {
      try {
        listener(container);
      } catch (err) {
        this.log.error({ err, id: record.id }, 'onExit listener threw');
      }
    }
  }

  private execTarget(id: string, command: readonly string[]): [Entry, ExecTarget] {
    this.recover();
    const entry = this.entries.get(id);
    if (!entry || entry.record.removed) throw new ContainerNotFoundError(id);
    const live = entry.live;
    if (!live || isExited(entry.record)) throw new ContainerNotRunningError(id);
    if (command.length === 0) throw new TypeError('exec needs a command');
    return [entry, { argv: planExec(live.plan, entry.record.pid!, command), env: live.plan.env, cwd: live.plan.cwd }];
  }

  private trackExec(entry: Entry, child: ChildProcess): () => void {
    const live = entry.live;
    live?.execs.add(child);
    return () => live?.execs.delete(child);
  }

  /** Loads the data dir once, ending the containers of a previous agent run (recovery.ts). */
  private recover(): void {
    if (this.recovered) return;
    this.recovered = true;
    for (const record of recoverContainers(this.layout, this.log)) {
      if (!this.entries.has(record.id)) this.entries.set(record.id, { record });
    }
  }
}
