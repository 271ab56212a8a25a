/**
 * @module proxy/health-check
 *
 * The health-check node port of a LoadBalancer Service with externalTrafficPolicy Local: an HTTP
 * server on the node's address answering any GET with this node's count of local endpoints — 200
 * while there is at least one, 503 when there is none — in the JSON shape of upstream kube-proxy's
 * service health server, so an external load balancer sends traffic only to nodes that serve it.
 */
import http from 'node:http';
import type { Logger } from '../log.js';

export interface HealthCheckServerOptions {
  readonly address: string;
  readonly port: number;
  readonly namespace: string;
  readonly name: string;
  readonly log: Logger;
}

export class HealthCheckServer {
  private localEndpoints = 0;
  private readonly server: http.Server;
  private readonly listening: Promise<void>;

  constructor(private readonly options: HealthCheckServerOptions) {
    this.server = http.createServer((_req, res) => {
      const body = JSON.stringify({ service: { namespace: options.namespace, name: options.name }, localEndpoints: this.localEndpoints, serviceProxyHealthy: true });
      res.writeHead(this.localEndpoints > 0 ? 200 : 503, { 'Content-Type': 'application/json', 'X-Content-Type-Options': 'nosniff' });
      res.end(body);
    });
    this.listening = new Promise<void>((resolve) => {
      this.server.once('error', (err) => {
        options.log.error({ address: `${options.address}:${options.port}`, err: err.message }, 'cannot serve the health-check node port');
        resolve();
      });
      this.server.listen(options.port, options.address, () => resolve());
    });
  }

  get address(): string {
    return this.options.address;
  }

  get port(): number {
    return this.options.port;
  }

  setLocalEndpoints(count: number): void {
    this.localEndpoints = count;
  }

  async close(): Promise<void> {
    await this.listening;
    if (!this.server.listening) return;
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
