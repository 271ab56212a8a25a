/**
 * @module test/client/support/blackhole-proxy
 *
 * A TCP proxy in front of the API server that can do what seed 000's load balancer did: stop
 * forwarding packets on the connections it already has, in both directions, without closing or
 * resetting them. Connections accepted afterwards are forwarded normally (the balancer's failover
 * target works), so a client that notices and redials recovers.
 */
import { createServer, connect, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

interface Pair {
  readonly client: Socket;
  readonly upstream: Socket;
  blackholed: boolean;
}

export class BlackholeProxy {
  private readonly pairs = new Set<Pair>();
  private accepted = 0;

  private readonly server: Server;
  private port = 0;

  private constructor(private readonly target: { host: string; port: number }) {
    this.server = createServer((client) => this.accept(client));
  }

  static async start(target: { host: string; port: number }): Promise<BlackholeProxy> {
    const proxy = new BlackholeProxy(target);
    await new Promise<void>((resolve) => proxy.server.listen(0, '127.0.0.1', resolve));
    proxy.port = (proxy.server.address() as AddressInfo).port;
    return proxy;
  }

  get url(): string {
    return `https://127.0.0.1:${this.port}`;
  }

  /** Connections accepted so far. */
  get connections(): number {
    return this.accepted;
  }

  /** Every connection open now silently drops whatever either side sends, and stays open. */
  blackholeExisting(): void {
    for (const pair of this.pairs) pair.blackholed = true;
  }

  async close(): Promise<void> {
    for (const { client, upstream } of this.pairs) {
      client.destroy();
      upstream.destroy();
    }
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(client: Socket): void {
    this.accepted++;
    const upstream = connect(this.target.port, this.target.host);
    const pair: Pair = { client, upstream, blackholed: false };
    this.pairs.add(pair);
    // Read and discard while blackholed: the peer's writes "succeed" and vanish, as with a DROP rule.
    client.on('data', (d) => !pair.blackholed && upstream.write(d));
    upstream.on('data', (d) => !pair.blackholed && client.write(d));
    const end = () => {
      client.destroy();
      upstream.destroy();
      this.pairs.delete(pair);
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
  }
}
