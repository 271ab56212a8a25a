/**
 * @module kubelet/runtime/process/attach
 *
 * A running container's stdio as attach sessions share it (upstream: containerd's ContainerIO).
 * The container's stdout and stderr go to its log file (log-writer.ts) and, chunk for chunk, to
 * every session attached at that moment: a session sees output from when it attached on, never
 * what came before. Input from every session that has stdin goes to the container's one stdin
 * pipe, which exists only when the container spec asked for stdin.
 *
 * The end of a session's input means, as in containerd: with stdinOnce (and no TTY — upstream
 * never closes a TTY's stdin, kubernetes/kubectl#52686), close the container's stdin, so a
 * `cat` reading it finishes; without stdinOnce, detach that session and leave stdin open for
 * the next one. A session also ends its input when it detaches, so with stdinOnce the first
 * session to leave closes stdin.
 *
 * The container is never slowed down by a client: a session whose reader falls more than
 * MAX_QUEUED_BYTES behind is detached with an error instead.
 */
import { PassThrough, Writable, type Readable } from 'node:stream';
import type { AttachSession } from '../interface.js';

/** How much output one session may have queued before it counts as too slow and is detached. */
const MAX_QUEUED_BYTES = 8 * 1024 * 1024;

export class AttachClientTooSlowError extends Error {
  override readonly name = 'AttachClientTooSlowError';
  constructor() {
    super(`attach client fell more than ${MAX_QUEUED_BYTES} bytes behind the container's output`);
  }
}

export interface ContainerStdioOptions {
  /** The container's stdin pipe; absent when its spec has no stdin: true. */
  readonly stdin?: Writable;
  readonly stdinOnce: boolean;
  readonly tty: boolean;
}

export class ContainerStdio {
  private readonly sessions = new Set<Attachment>();
  private closed = false;

  constructor(private readonly options: ContainerStdioOptions) {
    // The container may exit, or close its stdin, while a session still writes to it.
    options.stdin?.on('error', () => {});
  }

  /** Copies `stream`'s chunks to the sessions attached when each chunk arrives. */
  tap(stream: Readable, name: 'stdout' | 'stderr'): void {
    stream.on('data', (chunk: Buffer) => {
      for (const session of this.sessions) session.output(name, chunk);
    });
  }

  /** A new session; throws once the container's output has ended. */
  attach(options: { readonly stdin: boolean }): AttachSession {
    if (this.closed) throw new Error('container output has ended');
    const containerStdin = options.stdin ? this.options.stdin : undefined;
    const session = new Attachment(containerStdin, {
      onInputEnd: (s, byClient) => {
        if (this.options.stdinOnce && !this.options.tty) containerStdin?.end();
        else if (byClient) s.detach();
      },
      onDetach: (s) => this.sessions.delete(s),
    });
    this.sessions.add(session);
    return session;
  }

  /** The container exited and its output drained: every session's output ends. */
  close(): void {
    this.closed = true;
    for (const session of [...this.sessions]) session.detach();
    if (this.options.stdin && !this.options.stdin.destroyed) this.options.stdin.destroy();
  }
}

interface AttachmentHooks {
  /** The session's input ended: by the client's EOF, or because the session ended. */
  onInputEnd(session: Attachment, byClient: boolean): void;
  onDetach(session: Attachment): void;
}

class Attachment implements AttachSession {
  readonly stdout = new PassThrough();
  readonly stderr = new PassThrough();
  readonly stdin?: Writable;
  private inputEnded = false;
  private detached = false;

  constructor(
    containerStdin: Writable | undefined,
    private readonly hooks: AttachmentHooks,
  ) {
    if (containerStdin) this.stdin = inputTo(containerStdin, () => this.endInput(true));
  }

  output(name: 'stdout' | 'stderr', chunk: Buffer): void {
    const out = name === 'stdout' ? this.stdout : this.stderr;
    if (out.writableLength + out.readableLength > MAX_QUEUED_BYTES) {
      this.detach(new AttachClientTooSlowError());
      return;
    }
    out.write(chunk);
  }

  detach(error?: Error): void {
    if (this.detached) return;
    this.detached = true;
    this.hooks.onDetach(this);
    this.endInput(false);
    for (const out of [this.stdout, this.stderr]) {
      if (error) out.destroy(error);
      else out.end();
    }
  }

  private endInput(byClient: boolean): void {
    if (this.inputEnded || !this.stdin) return;
    this.inputEnded = true;
    this.hooks.onInputEnd(this, byClient);
  }
}

/**
 * A session's own stdin: writes go to the container's (waiting for it to drain, so a client
 * cannot queue unbounded input); end() reports the client's EOF without closing the shared pipe.
 * Input after the container's stdin closed is dropped, as writing to a closed pipe would be.
 */
function inputTo(containerStdin: Writable, onEnd: () => void): Writable {
  return new Writable({
    write(chunk: Buffer, _encoding, callback) {
      if (containerStdin.writableEnded || containerStdin.destroyed) return callback();
      if (containerStdin.write(chunk)) return callback();
      const done = () => {
        containerStdin.off('drain', done);
        containerStdin.off('close', done);
        callback();
      };
      containerStdin.once('drain', done);
      containerStdin.once('close', done);
    },
    final(callback) {
      onEnd();
      callback();
    },
  });
}
