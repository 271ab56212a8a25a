/**
 * @module test/support/process-containers
 *
 * Just enough of a container runtime for the kubelet API tests, over real files and processes:
 * each container's log is a CRI-format file the test appends to ("<RFC3339Nano> stdout F text"),
 * exec spawns the command as a real child process, and every pod's ports are reached at one
 * loopback address. It implements the kubelet server's lookup the way the pod workers will.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ContainerRuntime, ExecSession, LogOptions } from '../../src/kubelet/runtime/interface.js';
import type { ContainerHandle, KubeletPodLookup } from '../../src/kubelet/server/index.js';

interface FakeContainer {
  readonly id: string;
  readonly logFile: string;
  exited: boolean;
}

export class ProcessContainers implements KubeletPodLookup {
  private readonly dir = mkdtempSync(join(tmpdir(), 'tskube-containers-'));
  private readonly containers = new Map<string, FakeContainer>();
  private readonly children = new Set<ChildProcess>();
  /** Log readers still running: each kubelet log response holds one until it ends. */
  activeLogReaders = 0;
  readonly runtime: Pick<ContainerRuntime, 'logs' | 'execStream' | 'attach'> = {
    logs: (id, options) => this.logs(id, options),
    execStream: (id, command) => this.execStream(id, command),
    // These containers have no main process to attach to (test/apiserver/pod-attach.test.ts runs real pods).
    attach: () => {
      throw new Error('the test containers cannot be attached to');
    },
  };

  constructor(private readonly podAddress: string) {}

  /** Adds a running container (or its previous instance, with `previous`). */
  add(namespace: string, pod: string, name: string, options: { previous?: boolean } = {}): void {
    const id = `${namespace}_${pod}_${name}${options.previous ? '_prev' : ''}`;
    const logFile = join(this.dir, `${id}.log`);
    writeFileSync(logFile, '');
    this.containers.set(id, { id, logFile, exited: options.previous === true });
  }

  /** Appends one line as the container's stdout or stderr, stamped `at`. */
  write(namespace: string, pod: string, name: string, line: string, at = new Date(), options: { previous?: boolean } = {}): void {
    const container = this.containers.get(`${namespace}_${pod}_${name}${options.previous ? '_prev' : ''}`)!;
    appendFileSync(container.logFile, `${at.toISOString().replace('Z', '000000Z')} stdout F ${line}\n`);
  }

  /** Marks the container exited: followers of its log finish. */
  exit(namespace: string, pod: string, name: string): void {
    this.containers.get(`${namespace}_${pod}_${name}`)!.exited = true;
  }

  findContainer(namespace: string, pod: string, name: string, options: { previous: boolean }): ContainerHandle | undefined {
    const container = this.containers.get(`${namespace}_${pod}_${name}${options.previous ? '_prev' : ''}`);
    return container && { runtime: this.runtime, containerId: container.id };
  }

  podIP(): string {
    return this.podAddress;
  }

  close(): void {
    for (const child of this.children) child.kill('SIGKILL');
    rmSync(this.dir, { recursive: true, force: true });
  }

  private async *logs(id: string, options: LogOptions): AsyncIterable<Buffer> {
    this.activeLogReaders++;
    try {
      yield* this.read(id, options);
    } finally {
      this.activeLogReaders--;
    }
  }

  private async *read(id: string, options: LogOptions): AsyncIterable<Buffer> {
    const container = this.containers.get(id)!;
    let offset = 0;
    let first = true;
    let budget = options.limitBytes ?? Infinity;
    for (;;) {
      const text = readFileSync(container.logFile, 'utf8');
      const fresh = text.slice(offset, text.lastIndexOf('\n') + 1);
      offset += fresh.length;
      let lines = fresh.split('\n').filter((l) => l.length > 0).map(parseCri);
      if (options.since) lines = lines.filter((l) => l.time >= options.since!);
      if (first && options.tailLines !== undefined) lines = lines.slice(Math.max(0, lines.length - options.tailLines));
      first = false;
      for (const line of lines) {
        const out = Buffer.from(`${options.timestamps ? `${line.stamp} ` : ''}${line.text}\n`);
        const piece = out.subarray(0, Math.min(out.length, budget));
        budget -= piece.length;
        if (piece.length > 0) yield piece;
        if (budget <= 0) return;
      }
      if (!options.follow || container.exited || options.signal?.aborted) return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  private execStream(_id: string, command: readonly string[]): ExecSession {
    const child = spawn(command[0]!, command.slice(1), { cwd: this.dir, stdio: ['pipe', 'pipe', 'pipe'] });
    this.children.add(child);
    const exited = new Promise<number>((resolve) => {
      child.once('error', () => resolve(127));
      child.once('close', (code, signal) => {
        this.children.delete(child);
        resolve(code ?? (signal ? 137 : 1));
      });
    });
    return { stdin: child.stdin!, stdout: child.stdout!, stderr: child.stderr!, exited, kill: () => child.kill('SIGKILL') };
  }
}

function parseCri(line: string): { stamp: string; time: Date; text: string } {
  const [stamp = '', , , ...rest] = line.split(' ');
  return { stamp, time: new Date(stamp.replace(/(\.\d{3})\d*Z$/, '$1Z')), text: rest.join(' ') };
}
