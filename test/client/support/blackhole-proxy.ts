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

  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {}

  static async start(target: { host: string; port: number }): Promise<BlackholeProxy> {
    let proxy: BlackholeProxy | undefined;
    const server = createServer((client) => proxy!.accept(client, target));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    proxy = new BlackholeProxy(server, (server.address() as AddressInfo).port);
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

  private accept(client: Socket, target: { host: string; port: number }): void {
    this.accepted++;
    const upstream = connect(target.port, target.host);
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
