/**
 * @module proxy/udp-forwarder
 *
 * Forwards UDP datagrams arriving at a Service address. Each client address (ip:port) gets a
 * session: a socket connected to the endpoint picked for the client's first datagram, whose
 * replies go back to the client from the Service socket (so the client sees answers from the
 * address it sent to). A session ends after `idleTimeoutMs` without traffic either way (upstream's
 * conntrack UDP timeout is 30 s) or when its endpoint stops being a candidate: upstream flushes
 * conntrack entries of removed UDP endpoints, so the client's next datagram is balanced afresh
 * instead of vanishing into a dead endpoint.
 */
import dgram from 'node:dgram';
import type { Logger } from '../log.js';
import type { Balancer } from './balancer.js';
import type { ServiceEndpoint } from './types.js';

export const DEFAULT_UDP_IDLE_TIMEOUT_MS = 30_000;

interface Session {
  readonly socket: dgram.Socket;
  readonly endpoint: string;
  lastActivity: number;
  ready: Promise<void>;
}

export interface UdpForwarderOptions {
  readonly balancer: Balancer;
  readonly log: Logger;
  readonly idleTimeoutMs?: number;
}

export class UdpForwarder {
  private readonly sessions = new Map<string, Session>();
  private service: dgram.Socket | undefined;
  private sweeper: NodeJS.Timeout | undefined;
  readonly counters = { sessions: 0, dropped: 0 };

  constructor(private readonly options: UdpForwarderOptions) {}

  private get idleTimeoutMs(): number {
    return this.options.idleTimeoutMs ?? DEFAULT_UDP_IDLE_TIMEOUT_MS;
  }

  /** Serves datagrams arriving at this bound socket. */
  attach(socket: dgram.Socket): void {
    this.service = socket;
    socket.on('message', (msg, rinfo) => this.onMessage(msg, rinfo));
    this.sweeper = setInterval(() => this.sweep(), Math.max(100, Math.min(this.idleTimeoutMs / 2, 5_000)));
    this.sweeper.unref();
  }

  /** The listener closed (no candidates, or the Service is gone): sessions end with it. */
  detach(): void {
    clearInterval(this.sweeper);
    this.service = undefined;
    for (const key of [...this.sessions.keys()]) this.end(key);
  }

  /** Ends the sessions whose endpoint is no longer among `candidates`. */
  dropSessionsNotIn(candidates: readonly ServiceEndpoint[]): void {
    const keep = new Set(candidates.map((c) => `${c.ip}:${c.port}`));
    for (const [key, s] of this.sessions) if (!keep.has(s.endpoint)) this.end(key);
  }

  private onMessage(msg: Buffer, rinfo: dgram.RemoteInfo): void {
    const key = `${rinfo.address}:${rinfo.port}`;
    let session = this.sessions.get(key);
    if (!session) {
      const endpoint = this.options.balancer.pick(rinfo.address);
      if (!endpoint) {
        this.counters.dropped++;
        return;
      }
      session = this.open(key, endpoint, rinfo);
    }
    session.lastActivity = Date.now();
    const s = session;
    void s.ready.then(() => {
      if (this.sessions.get(key) === s) s.socket.send(msg);
    });
  }

  private open(key: string, endpoint: ServiceEndpoint, client: dgram.RemoteInfo): Session {
    const socket = dgram.createSocket(endpoint.ip.includes(':') ? 'udp6' : 'udp4');
    const session: Session = {
      socket,
      endpoint: `${endpoint.ip}:${endpoint.port}`,
      lastActivity: Date.now(),
      ready: new Promise<void>((resolve) => socket.connect(endpoint.port, endpoint.ip, () => resolve())),
    };
    socket.on('message', (reply) => {
      session.lastActivity = Date.now();
      this.service?.send(reply, client.port, client.address);
    });
    // An endpoint that is gone answers with ICMP unreachable: the session ends, the next datagram re-balances.
    socket.on('error', () => this.end(key));
    this.sessions.set(key, session);
    this.counters.sessions++;
    return session;
  }

  private end(key: string): void {
    const s = this.sessions.get(key);
    if (!s) return;
    this.sessions.delete(key);
    try {
      s.socket.close();
    } catch {
      // already closed by its own error
    }
  }

  private sweep(): void {
    const now = Date.now();
    for (const [key, s] of this.sessions) if (now - s.lastActivity > this.idleTimeoutMs) this.end(key);
  }

  get sessionCount(): number {
    return this.sessions.size;
  }
}
