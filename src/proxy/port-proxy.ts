/**
 * @module proxy/port-proxy
 *
 * One Service port on one node: a listener at the node's address for the Service, its balancer
 * and its forwarder. The listener is open exactly while the port has candidates: with none (no
 * endpoints, or topologyKeys that match nothing here) the address:port is closed, so a TCP client
 * gets ECONNREFUSED and a connected UDP client gets ICMP port unreachable — what upstream's
 * iptables REJECT rule gives. Closing the listener leaves established TCP connections alone.
 *
 * Listener changes are asynchronous (bind, and in netns mode an `ip addr`); they run one at a
 * time in order, each reading the latest wish, so a burst of updates converges on the last one.
 */
import dgram from 'node:dgram';
import net from 'node:net';
import type { Logger } from '../log.js';
import { Balancer } from './balancer.js';
import type { ServiceBinder } from './binder.js';
import { HttpForwarder } from './http-forwarder.js';
import type { RecyclingPolicy } from './recycling.js';
import { TcpForwarder } from './tcp-forwarder.js';
import type { ServiceEndpoint } from './types.js';
import { UdpForwarder } from './udp-forwarder.js';

export interface PortProxyOptions {
  readonly address: string;
  readonly port: number;
  readonly protocol: 'TCP' | 'UDP';
  readonly binder: ServiceBinder;
  readonly log: Logger;
  readonly udpIdleTimeoutMs?: number;
}

export interface PortProxyUpdate {
  readonly candidates: readonly ServiceEndpoint[];
  readonly affinityTimeoutSeconds?: number;
  readonly recycling?: RecyclingPolicy;
}

export class PortProxy {
  readonly balancer = new Balancer();
  private readonly tcp: TcpForwarder | undefined;
  private readonly http: HttpForwarder | undefined;
  private readonly udp: UdpForwarder | undefined;
  private recycling: RecyclingPolicy | undefined;
  private listener: net.Server | dgram.Socket | undefined;
  private wantListening = false;
  private closed = false;
  private ops: Promise<void> = Promise.resolve();
  private lastBindError: string | undefined;

  constructor(private readonly options: PortProxyOptions) {
    if (options.protocol === 'TCP') {
      this.http = new HttpForwarder(options.log);
      this.tcp = new TcpForwarder({
        balancer: this.balancer,
        log: options.log,
        recycling: () => this.recycling,
        handOffHttp: (socket, endpoint, policy) => this.http!.handle(socket, endpoint, policy),
      });
    } else {
      this.udp = new UdpForwarder({ balancer: this.balancer, log: options.log, ...(options.udpIdleTimeoutMs !== undefined && { idleTimeoutMs: options.udpIdleTimeoutMs }) });
    }
  }

  get address(): string {
    return this.options.address;
  }

  get port(): number {
    return this.options.port;
  }

  get listening(): boolean {
    return this.listener !== undefined;
  }

  get counters(): { accepted: number; refused: number; failed: number; recycled: number; udpSessions: number } {
    const t = this.tcp?.counters ?? { accepted: 0, refused: 0, failed: 0, recycled: 0 };
    return { ...t, recycled: t.recycled + (this.http?.recycled ?? 0), udpSessions: this.udp?.counters.sessions ?? 0 };
  }

  update(update: PortProxyUpdate): void {
    if (this.closed) return;
    this.balancer.setCandidates(update.candidates);
    this.balancer.setAffinity(update.affinityTimeoutSeconds);
    this.recycling = update.recycling;
    this.udp?.dropSessionsNotIn(update.candidates);
    this.wantListening = update.candidates.length > 0;
    this.reconcile();
  }

  /** Resolves once every listener change asked for so far has been made. */
  settled(): Promise<void> {
    return this.ops;
  }

  /** The Service port is gone: stop listening; established TCP connections carry on. */
  async close(): Promise<void> {
    this.closed = true;
    this.wantListening = false;
    this.reconcile();
    await this.ops;
  }

  /** Proxy shutdown: stop listening and end every connection. */
  async shutdown(): Promise<void> {
    await this.close();
    this.tcp?.destroyAll();
    this.http?.destroyAll();
  }

  private reconcile(): void {
    this.ops = this.ops.then(() => this.applyListening()).catch((err: unknown) => {
      const message = err instanceof Error ? err.message : String(err);
      if (message !== this.lastBindError) {
        this.options.log.error({ address: `${this.options.address}:${this.options.port}`, protocol: this.options.protocol, err: message }, 'cannot listen for service port');
      }
      this.lastBindError = message;
    });
  }

  private async applyListening(): Promise<void> {
    if (this.wantListening && !this.listener) {
      await this.options.binder.acquire(this.options.address);
      try {
        this.listener = this.options.protocol === 'TCP' ? await this.listenTcp() : await this.listenUdp();
        this.lastBindError = undefined;
      } catch (err) {
        await this.options.binder.release(this.options.address);
        throw err;
      }
    } else if (!this.wantListening && this.listener) {
      const listener = this.listener;
      this.listener = undefined;
      if (listener instanceof net.Server) await new Promise<void>((resolve) => listener.close(() => resolve()));
      else {
        this.udp!.detach();
        await new Promise<void>((resolve) => listener.close(() => resolve()));
      }
      await this.options.binder.release(this.options.address);
    }
  }

  private listenTcp(): Promise<net.Server> {
    const server = net.createServer({ allowHalfOpen: true, noDelay: true }, this.tcp!.onConnection);
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host: this.options.address, port: this.options.port, backlog: 1024 }, () => {
        server.off('error', reject);
        server.on('error', (err) => this.options.log.error({ err: err.message }, 'service listener failed'));
        resolve(server);
      });
    });
  }

  private listenUdp(): Promise<dgram.Socket> {
    const socket = dgram.createSocket({ type: this.options.address.includes(':') ? 'udp6' : 'udp4' });
    return new Promise((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(this.options.port, this.options.address, () => {
        socket.off('error', reject);
        socket.on('error', (err) => this.options.log.error({ err: err.message }, 'service UDP socket failed'));
        this.udp!.attach(socket);
        resolve(socket);
      });
    });
  }
}
