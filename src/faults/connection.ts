/**
 * @module faults/connection
 *
 * One client connection through the fault-injecting load balancer: the client socket, the socket
 * to its backend, and a pipe each way that forwards chunks by hand (not `stream.pipe`) so a fault
 * can delay, hold or cut them, and so the bytes can be counted.
 *
 * A pipe keeps chunks in order: each one is due at `max(arrival + delay, previous due)`, so a
 * "lost" chunk holds up the ones behind it as TCP's in-order delivery does. Reading stops (and the
 * kernel's buffers, then the sender's Send-Q, fill up) while the connection is blackholed, while
 * the destination pushes back, or while more than 1 MiB waits in the pipe.
 */
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import { formatHostPort, type HostPort } from './address.js';
import { PASS, type ConnectionFault, type ConnectionInfo, type FaultMode } from './fault.js';

export type ConnectionState = 'connecting' | 'open' | 'closed';

/** A connection as `GET /status` shows it. */
export interface ConnectionStatus {
  readonly id: number;
  /** The client's `address:port` as the balancer sees it. */
  readonly client: string;
  readonly backend: string;
  readonly state: ConnectionState;
  /** The fault this connection is under (`pass` when none); for a closed one, when it closed. */
  readonly mode: FaultMode;
  readonly openedAt: string;
  readonly closedAt?: string;
  /** Bytes forwarded from the client to the backend. */
  readonly bytesClientToBackend: number;
  /** Bytes forwarded from the backend to the client. */
  readonly bytesBackendToClient: number;
  /** Bytes read from one side and not yet forwarded (delayed or blackholed). */
  readonly heldBytes: number;
  /** The first socket error, e.g. `client: ECONNRESET`. */
  readonly error?: string;
}

export interface ConnectionOptions {
  readonly id: number;
  readonly client: net.Socket;
  readonly backend: HostPort;
  readonly connectTimeoutMs: number;
  /** Uniform in [0, 1): which chunks `drop` delays. */
  readonly random: () => number;
  readonly onClose: (connection: ProxiedConnection) => void;
}

const MAX_QUEUED_BYTES = 1024 * 1024;

export class ProxiedConnection {
  readonly id: number;
  readonly info: ConnectionInfo;
  readonly client: net.Socket;
  readonly backend: net.Socket;
  private readonly openedAt = new Date();
  private closedAt: Date | undefined;
  private state: ConnectionState = 'connecting';
  private fault: ConnectionFault = PASS;
  private error: string | undefined;
  /** A socket failed while the connection was blackholed; the other end is reset when it lifts. */
  private pendingReset = false;
  private up: Pipe | undefined;
  private down: Pipe | undefined;
  private readonly random: () => number;

  constructor(options: ConnectionOptions) {
    const { client, backend } = options;
    this.id = options.id;
    this.client = client;
    this.random = options.random;
    this.info = {
      id: options.id,
      remoteAddress: client.remoteAddress ?? '',
      remotePort: client.remotePort ?? 0,
      backend: formatHostPort(backend),
    };
    client.setNoDelay(true);
    this.backend = net.connect({ host: backend.host, port: backend.port, allowHalfOpen: true, noDelay: true });
    const connectTimer = setTimeout(() => {
      this.backend.destroy(new Error(`backend ${this.info.backend} did not accept within ${options.connectTimeoutMs} ms`));
    }, options.connectTimeoutMs);
    this.backend.once('connect', () => {
      clearTimeout(connectTimer);
      if (this.state === 'closed' || this.client.destroyed) return;
      this.state = 'open';
      this.up = new Pipe(this.client, this.backend, this);
      this.down = new Pipe(this.backend, this.client, this);
    });
    client.on('error', (err) => this.onSocketError('client', err));
    this.backend.on('error', (err) => this.onSocketError('backend', err));
    let open = 2;
    const onSocketClose = () => {
      if (--open > 0) return;
      clearTimeout(connectTimer);
      this.up?.stop();
      this.down?.stop();
      this.state = 'closed';
      this.closedAt = new Date();
      options.onClose(this);
    };
    client.once('close', onSocketClose);
    this.backend.once('close', onSocketClose);
  }

  get closed(): boolean {
    return this.state === 'closed';
  }

  /** True while nothing may cross in either direction. */
  get held(): boolean {
    return this.fault.mode === 'blackhole';
  }

  /** How long a chunk arriving now waits before it is forwarded. */
  delayForChunk(): number {
    const { mode, latencyMs, probability, retransmitMs } = this.fault;
    if (mode === 'latency') return latencyMs;
    if (mode === 'drop') return latencyMs + (this.random() < probability ? retransmitMs : 0);
    return 0;
  }

  /** Puts the connection under `fault` (PASS lifts whatever it was under). */
  applyFault(fault: ConnectionFault): void {
    if (this.state === 'closed') return;
    const wasHeld = this.held;
    this.fault = fault;
    if (fault.mode === 'reset' || fault.mode === 'refuse') {
      this.reset();
      return;
    }
    this.up?.pump();
    this.down?.pump();
    if (wasHeld && !this.held && this.pendingReset) this.reset();
  }

  /** Ends both sides with RST, as a balancer that dropped the connection from its table would. */
  reset(): void {
    this.up?.stop();
    this.down?.stop();
    hardClose(this.client);
    hardClose(this.backend);
  }

  /** Closes both sides at once (shutdown). */
  destroy(): void {
    this.up?.stop();
    this.down?.stop();
    this.client.destroy();
    this.backend.destroy();
  }

  status(): ConnectionStatus {
    return {
      id: this.id,
      client: formatHostPort({ host: this.info.remoteAddress, port: this.info.remotePort }),
      backend: this.info.backend,
      state: this.state,
      mode: this.fault.mode,
      openedAt: this.openedAt.toISOString(),
      ...(this.closedAt && { closedAt: this.closedAt.toISOString() }),
      bytesClientToBackend: this.up?.bytes ?? 0,
      bytesBackendToClient: this.down?.bytes ?? 0,
      heldBytes: (this.up?.heldBytes ?? 0) + (this.down?.heldBytes ?? 0),
      ...(this.error && { error: this.error }),
    };
  }

  private onSocketError(side: 'client' | 'backend', err: NodeJS.ErrnoException): void {
    this.error ??= `${side}: ${err.code ?? err.message}`;
    // While blackholed, the other end must not learn anything; it is told when the fault lifts.
    if (this.held) this.pendingReset = true;
    else this.reset();
  }
}

/** Forwards one direction of a connection, chunk by chunk, in order. */
class Pipe {
  bytes = 0;
  queuedBytes = 0;
  private readonly queue: { chunk: Buffer; due: number }[] = [];
  private lastDue = 0;
  private timer: NodeJS.Timeout | undefined;
  private srcEnded = false;
  private endForwarded = false;
  private waitingForDrain = false;
  private flowing = false;
  private stopped = false;

  constructor(
    private readonly src: net.Socket,
    private readonly dst: net.Socket,
    private readonly connection: ProxiedConnection,
  ) {
    src.pause();
    src.on('data', (chunk: Buffer) => this.push(chunk));
    src.on('end', () => {
      this.srcEnded = true;
      this.pump();
    });
    dst.on('drain', () => {
      this.waitingForDrain = false;
      this.pump();
    });
    this.pump();
  }

  /** Bytes read from the source and not yet forwarded: in this pipe's queue or the socket's buffer. */
  get heldBytes(): number {
    return this.stopped ? 0 : this.queuedBytes + this.src.readableLength;
  }

  /** Forwards whatever is due and decides whether to keep reading. Called after every change. */
  pump(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.stopped) return;
    const held = this.connection.held;
    if (!held && !this.dst.destroyed) {
      const now = performance.now();
      let head = this.queue[0];
      while (head && head.due <= now && !this.waitingForDrain) {
        this.queue.shift();
        this.queuedBytes -= head.chunk.length;
        this.bytes += head.chunk.length;
        if (!this.dst.write(head.chunk)) this.waitingForDrain = true;
        head = this.queue[0];
      }
      if (head && !this.waitingForDrain) this.timer = setTimeout(() => this.pump(), Math.max(1, Math.ceil(head.due - now)));
      if (!head && this.srcEnded && !this.endForwarded) {
        this.endForwarded = true;
        this.dst.end();
      }
    }
    const wantFlow = !held && !this.waitingForDrain && !this.srcEnded && this.queuedBytes < MAX_QUEUED_BYTES;
    if (wantFlow !== this.flowing) {
      this.flowing = wantFlow;
      if (wantFlow) this.src.resume();
      else this.src.pause();
    }
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.queue.length = 0;
    this.queuedBytes = 0;
  }

  private push(chunk: Buffer): void {
    const due = Math.max(performance.now() + this.connection.delayForChunk(), this.lastDue);
    this.lastDue = due;
    this.queue.push({ chunk, due });
    this.queuedBytes += chunk.length;
    this.pump();
  }
}

/** Destroys a socket with RST where the kernel allows it (a connected TCP socket), else plainly. */
export function hardClose(socket: net.Socket): void {
  if (socket.destroyed) return;
  if (socket.connecting) socket.destroy();
  else socket.resetAndDestroy();
  if (!socket.destroyed) socket.destroy();
}
