/**
 * @module proxy/tcp-forwarder
 *
 * Forwards TCP connections accepted at a Service address to endpoints. Each new connection asks
 * the balancer afresh, so Service and EndpointSlice changes apply to the next connection; open
 * connections are left alone when their endpoint goes away (as upstream, whose conntrack keeps
 * established flows). Bytes are piped both ways with half-close preserved (a client's FIN reaches
 * the endpoint and vice versa) and resets propagated (an endpoint's RST resets the client).
 *
 * With nothing to pick (the endpoints vanished between the proxy's last update and this
 * connection) the client's connection is reset at once: it sees ECONNRESET. The port proxy closes
 * the listener whenever a Service port has no candidates, so the usual case — no endpoints, or
 * topologyKeys that match nothing — answers the SYN with a RST and the client sees ECONNREFUSED,
 * as upstream's iptables REJECT gives.
 *
 * Recycling (recycling.ts): HTTP ports go through http-forwarder.ts; raw TCP ports with an age
 * are closed gracefully once past it and idle.
 */
import net from 'node:net';
import type { Logger } from '../log.js';
import type { Balancer } from './balancer.js';
import { RAW_TCP_IDLE_MS, type RecyclingPolicy } from './recycling.js';
import type { ServiceEndpoint } from './types.js';

export interface ConnectionCounters {
  accepted: number;
  refused: number;
  failed: number;
  recycled: number;
}

export interface TcpForwarderOptions {
  readonly balancer: Balancer;
  readonly log: Logger;
  /** Read on every new connection, so a policy change applies to the next one. */
  readonly recycling: () => RecyclingPolicy | undefined;
  /** HTTP recycling takes over the connection (http-forwarder.ts). */
  readonly handOffHttp: (socket: net.Socket, endpoint: ServiceEndpoint, policy: RecyclingPolicy) => void;
}

export class TcpForwarder {
  readonly counters: ConnectionCounters = { accepted: 0, refused: 0, failed: 0, recycled: 0 };
  private readonly sockets = new Set<net.Socket>();

  constructor(private readonly options: TcpForwarderOptions) {}

  /** The listener's connection handler. */
  readonly onConnection = (client: net.Socket): void => {
    const endpoint = this.options.balancer.pick(client.remoteAddress ?? '');
    if (!endpoint) {
      this.counters.refused++;
      client.on('error', () => {});
      client.resetAndDestroy();
      return;
    }
    this.counters.accepted++;
    const policy = this.options.recycling();
    if (policy?.http) {
      this.options.handOffHttp(client, endpoint, policy);
      return;
    }
    this.forward(client, endpoint, policy?.maxAgeMs);
  };

  private forward(client: net.Socket, endpoint: ServiceEndpoint, maxAgeMs: number | undefined): void {
    client.setNoDelay(true);
    const upstream = net.connect({ host: endpoint.ip, port: endpoint.port, allowHalfOpen: true, noDelay: true });
    this.track(client);
    this.track(upstream);
    let connected = false;
    upstream.once('connect', () => (connected = true));
    client.on('error', () => upstream.destroyed || upstream.resetAndDestroy());
    upstream.on('error', (err) => {
      if (!connected) {
        this.counters.failed++;
        this.options.log.debug({ endpoint: `${endpoint.ip}:${endpoint.port}`, err: err.message }, 'endpoint connection failed');
      }
      if (!client.destroyed) client.resetAndDestroy();
    });
    client.pipe(upstream);
    upstream.pipe(client);
    if (maxAgeMs !== undefined) this.closeWhenOldAndIdle(client, upstream, maxAgeMs);
  }

  /** Raw TCP recycling: past the age, FIN both ways at the first idle moment. */
  private closeWhenOldAndIdle(client: net.Socket, upstream: net.Socket, maxAgeMs: number): void {
    let lastActivity = Date.now();
    const touch = () => (lastActivity = Date.now());
    client.on('data', touch);
    upstream.on('data', touch);
    let timer: NodeJS.Timeout | undefined;
    const check = () => {
      const idleFor = Date.now() - lastActivity;
      if (idleFor >= RAW_TCP_IDLE_MS) {
        this.counters.recycled++;
        client.end();
        upstream.end();
        return;
      }
      timer = setTimeout(check, RAW_TCP_IDLE_MS - idleFor);
      timer.unref();
    };
    timer = setTimeout(check, maxAgeMs);
    timer.unref();
    client.once('close', () => clearTimeout(timer));
  }

  private track(socket: net.Socket): void {
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
  }

  /** Proxy shutdown: ends every forwarded connection (a Service change never does). */
  destroyAll(): void {
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
  }
}
