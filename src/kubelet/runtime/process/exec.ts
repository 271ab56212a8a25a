/**
 * @module kubelet/runtime/process/exec
 *
 * Commands run inside a running container: same environment, working directory and (netns mode)
 * namespaces as the container's process (launch.ts planExec builds the argv). Each runs as the
 * leader of its own process group under pdeathsig, so a timeout, the container's exit or the
 * agent's death ends it and everything it started.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import type { ExecResult, ExecSession } from '../interface.js';
import { exitOutcome } from './record.js';
import { signalGroup } from './proc.js';

export interface ExecTarget {
  readonly argv: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  readonly cwd: string;
}

/** Upper bound on what one exec keeps of each stream (exec probes only read a little). */
const MAX_CAPTURE_BYTES = 16 * 1024 * 1024;

/** Runs to completion; SIGKILLs the command's group when it outlives `timeoutMs`. */
export function runExec(
  target: ExecTarget,
  options: { timeoutMs: number; stdin?: Buffer },
  track: (child: ChildProcess) => () => void,
): Promise<ExecResult> {
  return new Promise((resolve) => {
    const child = spawnExec(target, options.stdin !== undefined);
    const untrack = track(child);
    const stdout = new Capture();
    const stderr = new Capture();
    child.stdout!.on('data', (d: Buffer) => stdout.add(d));
    child.stderr!.on('data', (d: Buffer) => stderr.add(d));
    let timedOut = false;
    const timer = options.timeoutMs > 0
      ? setTimeout(() => {
          timedOut = true;
          if (child.pid !== undefined) signalGroup(child.pid, 'SIGKILL');
        }, options.timeoutMs)
      : undefined;
    if (options.stdin !== undefined) {
      child.stdin!.on('error', () => {}); // The command may exit without reading its input.
      child.stdin!.end(options.stdin);
    }
    let finished = false;
    const finish = (exitCode: number, extraStderr?: string) => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      untrack();
      if (child.pid !== undefined) signalGroup(child.pid, 'SIGKILL'); // Whatever it left behind.
      if (extraStderr) stderr.add(Buffer.from(extraStderr));
      resolve({ exitCode, stdout: stdout.buffer(), stderr: stderr.buffer(), timedOut });
    };
    // What the command left running in its group dies with it, so 'close' is not held up by a
    // background process that inherited its stdout.
    child.once('exit', () => child.pid !== undefined && signalGroup(child.pid, 'SIGKILL'));
    child.once('error', (err) => finish(126, `${err.message}\n`));
    child.once('close', (code, signal) => finish(exitOutcome(code, signal).exitCode!));
  });
}

/** Starts with live streams; kill() SIGKILLs the command's group. */
export function startExecStream(target: ExecTarget, track: (child: ChildProcess) => () => void): ExecSession {
  const child = spawnExec(target, true);
  const untrack = track(child);
  child.once('exit', () => child.pid !== undefined && signalGroup(child.pid, 'SIGKILL'));
  const exited = new Promise<number>((resolve) => {
    child.once('error', () => resolve(126));
    child.once('close', (code, signal) => resolve(exitOutcome(code, signal).exitCode!));
  }).finally(untrack);
  child.stdin!.on('error', () => {});
  return {
    stdin: child.stdin!,
    stdout: child.stdout!,
    stderr: child.stderr!,
    exited,
    kill() {
      if (child.pid !== undefined) signalGroup(child.pid, 'SIGKILL');
    },
  };
}

function spawnExec(target: ExecTarget, withStdin: boolean): ChildProcess {
  return spawn(target.argv[0]!, target.argv.slice(1), {
    cwd: target.cwd,
    env: target.env,
    detached: true,
    stdio: [withStdin ? 'pipe' : 'ignore', 'pipe', 'pipe'],
  });
}

class Capture {
  private readonly chunks: Buffer[] = [];
  private size = 0;

  add(chunk: Buffer): void {
    if (this.size >= MAX_CAPTURE_BYTES) return;
    const kept = chunk.subarray(0, MAX_CAPTURE_BYTES - this.size);
    this.chunks.push(kept);
    this.size += kept.length;
  }

  buffer(): Buffer {
    return Buffer.concat(this.chunks);
  }
}
