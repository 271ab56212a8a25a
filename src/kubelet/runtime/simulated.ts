/**
 * @module kubelet/runtime/simulated
 *
 * A container runtime with no processes at all (like KWOK): a container "runs" the moment it is
 * started and keeps running until it is stopped, so thousands of virtual nodes can host pods on
 * one machine. Exec answers exit 0 with no output, logs are empty, attach sees no output (its
 * streams end when the container does; input is discarded), usage is zero.
 *
 * Tests can script what a container does (`behaviour`: exit after a while with some code, answer
 * exec with a given result), which is how crash loops and exec probes are exercised without real
 * processes. With a `stateFile` the runtime remembers its containers across a node agent restart
 * (as a real runtime would), so adoption and orphan cleanup can be tested too.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { ContainerNotFoundError, ContainerNotRunningError } from './interface.js';
import type {
  AttachSession,
  ContainerConfig,
  ContainerRuntime,
  ContainerState,
  ExecResult,
  ExecSession,
  LogOptions,
  PodSandboxConfig,
  ResourceUsage,
  RuntimeContainer,
} from './interface.js';

/** What a scripted container does once started. */
export interface SimulatedBehaviour {
  /** Exit this long after starting (undefined: run until stopped). */
  readonly exitAfterMs?: number;
  /** The exit code when it exits by itself (default 0). */
  readonly exitCode?: number;
}

export interface SimulatedRuntimeOptions {
  /** Scripts containers by their config (default: every container runs until stopped). */
  readonly behaviour?: (sandbox: PodSandboxConfig, config: ContainerConfig) => SimulatedBehaviour | undefined;
  /** Answers exec (probes, hooks, kubectl exec); default exit 0 with no output. */
  readonly exec?: (container: RuntimeContainer, command: readonly string[]) => ExecResult | undefined;
  /** Where to remember containers across restarts (JSON); none = in memory only. */
  readonly stateFile?: string;
}

interface SimContainer {
  container: RuntimeContainer;
  timer?: NodeJS.Timeout;
}

interface PersistedState {
  readonly sandboxes: string[];
  readonly containers: (Omit<RuntimeContainer, 'status'> & { status: PersistedStatus })[];
}

type PersistedStatus =
  | { state: 'running'; startedAt: string }
  | { state: 'exited'; startedAt: string; finishedAt: string; exitCode: number; reason: string; message?: string; signal?: string };

const SIGTERM_EXIT = 128 + 15;
const SIGKILL_EXIT = 128 + 9;

export class SimulatedRuntime implements ContainerRuntime {
  readonly kind = 'simulated';
  private readonly containers = new Map<string, SimContainer>();
  private readonly sandboxes = new Set<string>();
  private readonly listeners = new Set<(c: RuntimeContainer) => void>();
  /** Open attach sessions' detach functions, per container id. */
  private readonly attachments = new Map<string, Set<() => void>>();

  constructor(private readonly options: SimulatedRuntimeOptions = {}) {
    this.load();
  }

  async createSandbox(sandbox: PodSandboxConfig): Promise<void> {
    this.sandboxes.add(sandbox.uid);
    this.save();
  }

  async removeSandbox(podUid: string): Promise<void> {
    for (const [id, c] of this.containers) {
      if (c.container.podUid !== podUid) continue;
      clearTimeout(c.timer);
      this.containers.delete(id);
      this.endAttachments(id);
    }
    this.sandboxes.delete(podUid);
    this.save();
  }

  async startContainer(sandbox: PodSandboxConfig, config: ContainerConfig): Promise<RuntimeContainer> {
    this.sandboxes.add(sandbox.uid);
    const container: RuntimeContainer = {
      id: randomBytes(16).toString('hex'),
      podUid: sandbox.uid,
      name: config.name,
      restartCount: config.restartCount,
      image: config.image,
      status: { state: 'running', startedAt: new Date() },
    };
    const entry: SimContainer = { container };
    this.containers.set(container.id, entry);
    const behaviour = this.options.behaviour?.(sandbox, config);
    if (behaviour?.exitAfterMs !== undefined) {
      const code = behaviour.exitCode ?? 0;
      entry.timer = setTimeout(() => this.exit(container.id, code, code === 0 ? 'Completed' : 'Error'), behaviour.exitAfterMs);
      entry.timer.unref();
    }
    this.save();
    return container;
  }

  async stopContainer(id: string, gracePeriodMs: number): Promise<void> {
    // Nothing runs, so nothing takes its grace: SIGTERM ends it at once.
    this.exit(id, gracePeriodMs > 0 ? SIGTERM_EXIT : SIGKILL_EXIT, 'Error', gracePeriodMs > 0 ? 'SIGTERM' : 'SIGKILL');
  }

  async removeContainer(id: string): Promise<void> {
    const c = this.containers.get(id);
    if (!c) return;
    clearTimeout(c.timer);
    this.containers.delete(id);
    this.endAttachments(id);
    this.save();
  }

  async listContainers(): Promise<RuntimeContainer[]> {
    return [...this.containers.values()].map((c) => c.container);
  }

  /** Pod uids with a sandbox (for tests: nothing orphaned). */
  sandboxUids(): string[] {
    return [...this.sandboxes];
  }

  inspect(id: string): RuntimeContainer | undefined {
    return this.containers.get(id)?.container;
  }

  onExit(listener: (container: RuntimeContainer) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async exec(id: string, command: readonly string[]): Promise<ExecResult> {
    const c = this.containers.get(id);
    if (!c || c.container.status.state !== 'running') throw new Error(`container ${id} is not running`);
    return this.options.exec?.(c.container, command) ?? { exitCode: 0, stdout: Buffer.alloc(0), stderr: Buffer.alloc(0), timedOut: false };
  }

  execStream(id: string, command: readonly string[]): ExecSession {
    const stdin = new PassThrough();
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    const exited = this.exec(id, command).then(
      (r) => {
        stdout.end(r.stdout);
        stderr.end(r.stderr);
        return r.exitCode;
      },
      (err: unknown) => {
        stdout.end();
        stderr.end(String(err instanceof Error ? err.message : err));
        return 126;
      },
    );
    stdin.resume();
    return { stdin, stdout, stderr, exited, kill: () => stdin.destroy() };
  }

  attach(id: string, options: { readonly stdin: boolean }): AttachSession {
    const c = this.containers.get(id);
    if (!c) throw new ContainerNotFoundError(id);
    if (c.container.status.state !== 'running') throw new ContainerNotRunningError(id);
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    const open = this.attachments.get(id) ?? new Set<() => void>();
    this.attachments.set(id, open);
    const detach = () => {
      open.delete(detach);
      stdout.end();
      stderr.end();
    };
    open.add(detach);
    const stdin = options.stdin ? new Writable({ write: (_chunk, _encoding, callback) => callback() }) : undefined;
    return { ...(stdin && { stdin }), stdout, stderr, detach };
  }

  async *logs(_id: string, _options: LogOptions): AsyncIterable<Buffer> {
    // A simulated container writes nothing.
  }

  async usage(id: string): Promise<ResourceUsage | undefined> {
    if (!this.containers.has(id)) return undefined;
    return { cpuUsageNanoSeconds: 0, memoryWorkingSetBytes: 0, sampledAt: new Date() };
  }

  async close(): Promise<void> {
    for (const c of this.containers.values()) clearTimeout(c.timer);
    for (const id of [...this.attachments.keys()]) this.endAttachments(id);
    this.listeners.clear();
    // With a state file, containers "keep running" for the next agent to adopt; without one
    // nothing outlives this object anyway.
    if (!this.options.stateFile) this.containers.clear();
  }

  /** Marks a container exited (scripted exit, stop) and tells the listeners. */
  private exit(id: string, exitCode: number, reason: string, signal?: string): void {
    const c = this.containers.get(id);
    if (!c || c.container.status.state !== 'running') return;
    clearTimeout(c.timer);
    const status: ContainerState = {
      state: 'exited',
      startedAt: c.container.status.startedAt,
      finishedAt: new Date(),
      exitCode,
      reason,
      ...(signal && { signal }),
    };
    c.container = { ...c.container, status };
    this.endAttachments(id);
    this.save();
    for (const listener of this.listeners) listener(c.container);
  }

  private load(): void {
    if (!this.options.stateFile) return;
    let state: PersistedState;
    try {
      state = JSON.parse(readFileSync(this.options.stateFile, 'utf8')) as PersistedState;
    } catch {
      return;
    }
    for (const uid of state.sandboxes) this.sandboxes.add(uid);
    for (const c of state.containers) {
      const s = c.status;
      const status: ContainerState =
        s.state === 'running'
          ? { state: 'running', startedAt: new Date(s.startedAt) }
          : { ...s, startedAt: new Date(s.startedAt), finishedAt: new Date(s.finishedAt) };
      this.containers.set(c.id, { container: { ...c, status } });
    }
  }

  private save(): void {
    const file = this.options.stateFile;
    if (!file) return;
    const state: PersistedState = {
      sandboxes: [...this.sandboxes],
      containers: [...this.containers.values()].map(({ container: c }) => ({
        ...c,
        status:
          c.status.state === 'running'
            ? { state: 'running', startedAt: c.status.startedAt.toISOString() }
            : { ...c.status, startedAt: c.status.startedAt.toISOString(), finishedAt: c.status.finishedAt.toISOString() },
      })),
    };
    mkdirSync(dirname(file), { recursive: true });
    // Write then rename: a crash mid-write must not leave a half file the next start cannot read.
    writeFileSync(`${file}.tmp`, JSON.stringify(state));
    renameSync(`${file}.tmp`, file);
  }

  /** Ends every attach session of a container (it exited or is gone). */
  private endAttachments(id: string): void {
    const open = this.attachments.get(id);
    if (!open) return;
    this.attachments.delete(id);
    for (const detach of [...open]) detach();
  }
}
