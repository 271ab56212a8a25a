/**
 * @module dns/tcp-listener
 *
 * DNS over TCP (RFC 7766): each message is prefixed by its 16-bit length; a client may send
 * several queries on one connection, pipelined, and answers may come back in any order (each
 * carries its id). Idle connections are closed after a while so clients cannot pile them up.
 */
import { createServer, type Server, type Socket } from 'node:net';
import type { Logger } from '../log.js';
import { DnsListenError } from './errors.js';
import type { QueryHandler } from './message.js';
import { formatHostPort, type HostPort } from './options.js';

export class TcpListener {
  private constructor(
    private readonly server: Server,
    readonly address: HostPort,
    /** Open client connections, destroyed on close (server.close alone waits for them). */
    private readonly connections: Set<Socket>,
  ) {}

  static async listen(at: HostPort, handler: QueryHandler, idleTimeoutMs: number, log: Logger): Promise<TcpListener> {
    const connections = new Set<Socket>();
    const server = createServer((socket) => serveConnection(socket, handler, idleTimeoutMs, log, connections));
    await new Promise<void>((resolve, reject) => {
      server.once('error', (err) => reject(new DnsListenError(formatHostPort(at), 'tcp', err)));
      server.listen({ host: at.host, port: at.port, ipv6Only: at.host.includes(':') }, () => resolve());
    });
    server.on('error', (err) => log.error({ err }, 'TCP server error'));
    const bound = server.address();
    if (bound === null || typeof bound === 'string') throw new DnsListenError(formatHostPort(at), 'tcp', new Error('no address after listen'));
    return new TcpListener(server, { host: bound.address, port: bound.port }, connections);
  }

  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const socket of this.connections) socket.destroy();
    await closed;
  }
}

function serveConnection(socket: Socket, handler: QueryHandler, idleTimeoutMs: number, log: Logger, connections: Set<Socket>): void {
  connections.add(socket);
  socket.setNoDelay(true);
  socket.setTimeout(idleTimeoutMs, () => socket.destroy());
  socket.on('close', () => connections.delete(socket));
  socket.on('error', (err) => log.debug({ err }, 'DNS TCP connection error'));
  let pending: Buffer = Buffer.alloc(0);
  socket.on('data', (chunk: Buffer) => {
    pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
    while (pending.length >= 2) {
      const size = pending.readUInt16BE(0);
      if (size === 0) {
        socket.destroy(); // a zero-length message is no DNS message
        return;
      }
      if (pending.length < 2 + size) break;
      const message = Buffer.from(pending.subarray(2, 2 + size));
      pending = pending.subarray(2 + size);
      handler.handle(message, 'tcp').then(
        (response) => {
          if (!response || socket.destroyed) return;
          const length = Buffer.alloc(2);
          length.writeUInt16BE(response.length, 0);
          socket.write(Buffer.concat([length, response]));
        },
        (err: unknown) => log.error({ err }, 'query handling failed'),
      );
    }
  });
}
