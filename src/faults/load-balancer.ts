/**
 * @module faults/load-balancer
 *
 * A TCP load balancer for tests and experiments, in front of one or more backends (round-robin or
 * least-connections for each new connection), whose faults can be switched at runtime for every
 * connection or for chosen ones: the balancer of incident 1, which failed over and silently stopped
 * forwarding on existing connections while new ones worked.
 *
 * ```ts
 * const lb = await startLoadBalancer({ listen: { host: '127.0.0.1', port: 0 }, backends, signal });
 * await lb.setFault({ mode: 'blackhole', scope: 'established', durationSeconds: 60 });
 * lb.status(); // connections total/open, bytes each way, each connection's state and fault
 * await lb.close();
 * ```
 *
 * The modes are described in faults/fault and docs/fault-lab.md. Where this differs from a real
 * network, on purpose:
 * - `blackhole` stops reading both sockets: what the balancer already read is held, not
 *   forwarded, and the kernel's buffers then the sender's Send-Q fill up. Nothing is sent, no FIN
 *   and no RST. When the fault lifts the held bytes flow again, as TCP would retransmit them after
 *   an iptables DROP is removed; dropping them instead would corrupt the stream, which a real
 *   network cannot do. The kernel still ACKs what it receives, so TCP keepalive and retransmission
 *   timeouts never fire: for those, use iptables in a network namespace (faults/netns).
 * - `refuse` closes the listening socket while it lasts, so new connections get a real
 *   ECONNREFUSED; when it selects connections (by id or predicate) the balancer must accept to
 *   know who is calling, and resets the chosen ones right after the handshake instead.
 * - A `blackhole` or `latency` on a new connection starts after the TCP handshake, which the kernel
 *   completes before the balancer sees the connection.
 *
 * The HTTP control API over loopback (GET /status, POST /fault, POST /backends) is faults/control-api.
 */
import net from 'node:net';
import { createLogger, type Logger } from '../log.js';
import { formatHostPort, type HostPort } from './address.js';
import { hardClose, ProxiedConnection, type ConnectionStatus } from './connection.js';
import {
  connectionFault,
  PASS,
  validateFault,
  type ConnectionFault,
  type ConnectionInfo,
  type FaultMode,
  type FaultScope,
  type FaultSpec,
} from './fault.js';

export type { ConnectionStatus } from './connection.js';
export type { ConnectionInfo, FaultMode, FaultRequest, FaultScope, FaultSpec } from './fault.js';

export type BalancingPolicy = 'round-robin' | 'least-connections';
export const BALANCING_POLICIES: readonly BalancingPolicy[] = ['round-robin', 'least-connections'];

export interface LoadBalancerOptions {
  /** Where clients connect; port 0 picks a free port (see `address`). */
  readonly listen: HostPort;
  readonly backends: readonly HostPort[];
  /**
   * Accept an empty backend list (default false: a typo'd manual setup should fail loudly). A
   * balancer whose backends follow a Service (cloud/service-load-balancer) has none while no node
   * serves it; it then resets each new connection at accept, as a cloud load balancer with no
   * healthy target turns clients away.
   */
  readonly allowNoBackends?: boolean;
  /** How each new connection picks its backend; default round-robin. */
  readonly policy?: BalancingPolicy;
  /** Aborting closes the balancer, as close() does. */
  readonly signal?: AbortSignal;
  /** How long dialling a backend may take before the client is reset; default 5000 ms. */
  readonly connectTimeoutMs?: number;
  /** Uniform in [0, 1); decides which chunks `drop` delays. Inject one for repeatable tests. */
  readonly random?: () => number;
  /** How many closed connections `status()` still lists; default 100. */
  readonly keepClosed?: number;
  readonly log?: Logger;
}

/** The fault in effect, as `GET /status` and `POST /fault` report it. */
export interface FaultStatus {
  readonly mode: FaultMode;
  readonly scope: FaultScope;
  readonly connections?: number[];
  readonly latencyMs?: number;
  readonly probability?: number;
  readonly retransmitMs?: number;
  readonly durationSeconds?: number;
  /** True when a programmatic predicate also selects connections. */
  readonly byPredicate?: boolean;
  readonly since?: string;
  readonly expiresAt?: string;
  /** Open connections under the fault now. */
  readonly affected: number[];
}

export interface BackendStatus {
  readonly address: string;
  readonly open: number;
  readonly total: number;
}

export interface LoadBalancerStatus {
  readonly listen: string;
  /** False while `refuse` has closed the listening socket (or after close()). */
  readonly listening: boolean;
  readonly policy: BalancingPolicy;
  readonly backends: BackendStatus[];
  readonly fault: FaultStatus;
  readonly connections: {
    /** Every connection accepted since start, refused ones included. */
    readonly total: number;
    readonly open: number;
    /** Reset at accept by `reset` or `refuse`, or for want of a backend. */
    readonly refused: number;
  };
  readonly bytes: { readonly clientToBackend: number; readonly backendToClient: number };
  /** Open connections by id, then the most recently closed ones. */
  readonly connectionDetails: ConnectionStatus[];
}

export class LoadBalancerError extends Error {
  override readonly name = 'LoadBalancerError';
  readonly code = 'FAULTS_LB';
}

interface ActiveFault {
  readonly spec: ReturnType<typeof validateFault>;
  readonly match: ((connection: ConnectionInfo) => boolean) | undefined;
  readonly effect: ConnectionFault;
  /** Connections with an id up to this one existed when the fault was set ("established"). */
  readonly lastEstablishedId: number;
  readonly since: Date;
  readonly expiresAt: Date | undefined;
  readonly timer: NodeJS.Timeout | undefined;
}

/** Starts a balancer listening on `options.listen`. */
export async function startLoadBalancer(options: LoadBalancerOptions): Promise<LoadBalancer> {
  const lb = new LoadBalancer(options);
  await lb.start();
  return lb;
}

export class LoadBalancer {
  private readonly log: Logger;
  private readonly policy: BalancingPolicy;
  private readonly connectTimeoutMs: number;
  private readonly random: () => number;
  private readonly keepClosed: number;
  private backends: HostPort[] = [];
  private readonly backendStats = new Map<string, { open: number; total: number }>();
  private nextBackend = 0;
  private listenAt: HostPort;
  private listener: net.Server | undefined;
  private readonly servers = new Set<Promise<void>>();
  /** Serialises opening and closing the listening socket. */
  private listenerSync: Promise<void> = Promise.resolve();
  private relistenTimer: NodeJS.Timeout | undefined;
  private nextId = 1;
  private readonly open = new Map<number, ProxiedConnection>();
  private readonly recentlyClosed: ConnectionStatus[] = [];
  private readonly counts = { total: 0, refused: 0 };
  private readonly closedBytes = { clientToBackend: 0, backendToClient: 0 };
  private fault: ActiveFault | undefined;
  private closing: Promise<void> | undefined;
  private onDrained: (() => void) | undefined;

  constructor(private readonly options: LoadBalancerOptions) {
    this.log = options.log ?? createLogger('lb');
    this.policy = options.policy ?? 'round-robin';
    if (!BALANCING_POLICIES.includes(this.policy)) {
      throw new LoadBalancerError(`unknown policy ${JSON.stringify(this.policy)}; use ${BALANCING_POLICIES.join(' or ')}.`);
    }
    this.connectTimeoutMs = options.connectTimeoutMs ?? 5000;
    this.random = options.random ?? Math.random;
    this.keepClosed = options.keepClosed ?? 100;
    this.listenAt = options.listen;
    this.setBackends(options.backends);
  }

  /** Where the balancer listens (the real port when port 0 was asked for). */
  get address(): HostPort {
    return this.listenAt;
  }

  async start(): Promise<void> {
    if (this.listener) return;
    try {
      await this.listen();
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      const where = formatHostPort(this.listenAt);
      if (code === 'EADDRINUSE') throw new LoadBalancerError(`cannot listen on ${where}: the address is in use; pick another port (or port 0).`, { cause: err });
      if (code === 'EADDRNOTAVAIL') throw new LoadBalancerError(`cannot listen on ${where}: no such local address; use 127.0.0.1 or an address of this machine.`, { cause: err });
      throw new LoadBalancerError(`cannot listen on ${where}: ${(err as Error).message}`, { cause: err });
    }
    const { signal } = this.options;
    if (signal?.aborted) await this.close();
    else signal?.addEventListener('abort', () => void this.close(), { once: true });
  }

  /** Replaces the backends new connections go to; established connections keep theirs. */
  setBackends(backends: readonly HostPort[]): void {
    if (backends.length === 0 && !this.options.allowNoBackends) throw new LoadBalancerError('a load balancer needs at least one backend, e.g. 127.0.0.1:6443.');
    for (const b of backends) {
      if (!b.host || !Number.isInteger(b.port) || b.port < 1 || b.port > 65535) {
        throw new LoadBalancerError(`invalid backend ${JSON.stringify(b)}; give host and port, e.g. 127.0.0.1:6443.`);
      }
    }
    this.backends = backends.map(({ host, port }) => ({ host, port }));
    for (const b of this.backends) {
      const key = formatHostPort(b);
      if (!this.backendStats.has(key)) this.backendStats.set(key, { open: 0, total: 0 });
    }
    this.nextBackend = 0;
  }

  /**
   * Puts the selected connections under a fault, replacing the previous one (`{mode: 'pass'}`
   * lifts it). Established connections change at once; new ones as they are accepted. Resolves once
   * the listening socket reflects the fault (closed for `refuse`, open again otherwise).
   */
  async setFault(spec: FaultSpec): Promise<FaultStatus> {
    if (this.closing) throw new LoadBalancerError('the load balancer is closed.');
    const valid = validateFault(spec);
    clearTimeout(this.fault?.timer);
    this.fault = undefined;
    if (valid.mode !== 'pass') {
      const durationMs = valid.durationSeconds === undefined ? undefined : valid.durationSeconds * 1000;
      const fault: ActiveFault = {
        spec: valid,
        match: spec.match,
        effect: connectionFault(valid),
        lastEstablishedId: this.nextId - 1,
        since: new Date(),
        expiresAt: durationMs === undefined ? undefined : new Date(Date.now() + durationMs),
        timer:
          durationMs === undefined
            ? undefined
            : setTimeout(() => {
                if (this.fault !== fault || this.closing) return;
                this.log.info({ mode: valid.mode }, 'fault duration over; back to pass');
                this.setFault({ mode: 'pass' }).catch((err: unknown) => this.log.warn({ err }, 'could not lift the fault'));
              }, durationMs),
      };
      this.fault = fault;
    }
    for (const connection of [...this.open.values()]) connection.applyFault(this.faultFor(connection.info));
    this.log.info({ fault: this.faultStatus() }, 'fault set');
    await this.syncListener();
    return this.faultStatus();
  }

  status(): LoadBalancerStatus {
    const open = [...this.open.values()].map((c) => c.status());
    const bytes = { ...this.closedBytes };
    for (const c of open) {
      bytes.clientToBackend += c.bytesClientToBackend;
      bytes.backendToClient += c.bytesBackendToClient;
    }
    return {
      listen: formatHostPort(this.listenAt),
      listening: this.listener !== undefined,
      policy: this.policy,
      backends: this.backends.map((b) => {
        const address = formatHostPort(b);
        return { address, ...(this.backendStats.get(address) ?? { open: 0, total: 0 }) };
      }),
      fault: this.faultStatus(),
      connections: { total: this.counts.total, open: this.open.size, refused: this.counts.refused },
      bytes,
      connectionDetails: [...open, ...this.recentlyClosed],
    };
  }

  /** Stops listening and ends every connection; resolves when all sockets are closed. */
  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    clearTimeout(this.fault?.timer);
    clearTimeout(this.relistenTimer);
    await this.listenerSync;
    this.listener?.close();
    this.listener = undefined;
    const drained = this.open.size === 0 ? Promise.resolve() : new Promise<void>((resolve) => (this.onDrained = resolve));
    for (const connection of this.open.values()) connection.destroy();
    await Promise.all([drained, ...this.servers]);
  }

  private faultFor(info: ConnectionInfo): ConnectionFault {
    const fault = this.fault;
    if (!fault) return PASS;
    const established = info.id <= fault.lastEstablishedId;
    if (fault.spec.scope === 'established' && !established) return PASS;
    if (fault.spec.scope === 'new' && established) return PASS;
    if (fault.spec.connections && !fault.spec.connections.includes(info.id)) return PASS;
    if (fault.match && !fault.match(info)) return PASS;
    return fault.effect;
  }

  private faultStatus(): FaultStatus {
    const fault = this.fault;
    if (!fault) return { mode: 'pass', scope: 'all', affected: [] };
    const affected = [...this.open.values()].filter((c) => !c.closed && c.status().mode !== 'pass').map((c) => c.id);
    return {
      ...fault.spec,
      ...(fault.match && { byPredicate: true }),
      since: fault.since.toISOString(),
      ...(fault.expiresAt && { expiresAt: fault.expiresAt.toISOString() }),
      affected,
    };
  }

  /** `refuse` for every new connection is done by not listening at all: a real ECONNREFUSED. */
  private refusesAtListener(): boolean {
    const fault = this.fault;
    return fault !== undefined && fault.spec.mode === 'refuse' && fault.spec.scope !== 'established' && !fault.spec.connections && !fault.match;
  }

  private syncListener(): Promise<void> {
    this.listenerSync = this.listenerSync.then(async () => {
      const want = !this.closing && !this.refusesAtListener();
      if (!want && this.listener) {
        this.listener.close();
        this.listener = undefined;
      } else if (want && !this.listener) {
        clearTimeout(this.relistenTimer);
        try {
          await this.listen();
        } catch (err) {
          // Something took the port while it was closed; keep trying, the fault lab must recover.
          this.log.warn({ err, listen: formatHostPort(this.listenAt) }, 'cannot listen again after refuse; retrying');
          this.relistenTimer = setTimeout(() => void this.syncListener(), 200);
        }
      }
    });
    return this.listenerSync;
  }

  private async listen(): Promise<void> {
    const server = net.createServer({ allowHalfOpen: true, pauseOnConnect: true }, (socket) => this.onConnection(socket));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host: this.listenAt.host, port: this.listenAt.port }, () => {
        server.off('error', reject);
        resolve();
      });
    });
    server.on('error', (err) => this.log.warn({ err }, 'listener error'));
    this.servers.add(new Promise<void>((resolve) => server.once('close', () => resolve())));
    const address = server.address() as net.AddressInfo;
    this.listenAt = { host: address.address, port: address.port };
    this.listener = server;
  }

  private onConnection(socket: net.Socket): void {
    const id = this.nextId++;
    this.counts.total++;
    if (this.closing) {
      socket.destroy();
      return;
    }
    const backend = this.pickBackend();
    const info: ConnectionInfo = {
      id,
      remoteAddress: socket.remoteAddress ?? '',
      remotePort: socket.remotePort ?? 0,
      backend: backend ? formatHostPort(backend) : '',
    };
    const fault = this.faultFor(info);
    if (fault.mode === 'reset' || fault.mode === 'refuse' || !backend) {
      this.counts.refused++;
      socket.on('error', () => {});
      const now = new Date().toISOString();
      hardClose(socket);
      this.remember({
        id,
        client: formatHostPort({ host: info.remoteAddress, port: info.remotePort }),
        backend: info.backend,
        state: 'closed',
        mode: fault.mode,
        openedAt: now,
        closedAt: now,
        bytesClientToBackend: 0,
        bytesBackendToClient: 0,
        heldBytes: 0,
        error: backend ? `reset at accept by fault ${fault.mode}` : 'reset at accept: no backend',
      });
      return;
    }
    const stats = this.backendStats.get(info.backend);
    if (stats) {
      stats.open++;
      stats.total++;
    }
    const connection = new ProxiedConnection({
      id,
      client: socket,
      backend,
      connectTimeoutMs: this.connectTimeoutMs,
      random: this.random,
      onClose: (c) => this.onConnectionClosed(c),
    });
    this.open.set(id, connection);
    connection.applyFault(fault);
  }

  private onConnectionClosed(connection: ProxiedConnection): void {
    this.open.delete(connection.id);
    const stats = this.backendStats.get(connection.info.backend);
    if (stats) stats.open--;
    const status = connection.status();
    this.closedBytes.clientToBackend += status.bytesClientToBackend;
    this.closedBytes.backendToClient += status.bytesBackendToClient;
    if (status.error) this.log.debug({ connection: status }, 'connection closed with an error');
    this.remember(status);
    if (this.open.size === 0) this.onDrained?.();
  }

  private remember(status: ConnectionStatus): void {
    this.recentlyClosed.push(status);
    if (this.recentlyClosed.length > this.keepClosed) this.recentlyClosed.shift();
  }

  private pickBackend(): HostPort | undefined {
    const n = this.backends.length;
    if (n === 0) return undefined;
    const start = this.nextBackend++ % n;
    let best = this.backends[start]!;
    if (this.policy === 'least-connections') {
      let bestOpen = Infinity;
      for (let i = 0; i < n; i++) {
        const candidate = this.backends[(start + i) % n]!;
        const open = this.backendStats.get(formatHostPort(candidate))?.open ?? 0;
        if (open < bestOpen) {
          best = candidate;
          bestOpen = open;
        }
      }
    }
    return best;
  }
}
