/**
 * @module dns/udp-listener
 *
 * DNS over UDP: every datagram is one query, answered to the address and port it came from.
 * Queries are handled concurrently and independently (a forwarded one does not hold up the
 * next), which is what glibc's parallel A + AAAA from one socket needs.
 */
import { createSocket, type Socket } from 'node:dgram';
import { isIPv6 } from 'node:net';
import type { Logger } from '../log.js';
import { DnsListenError } from './errors.js';
import type { QueryHandler } from './message.js';
import { formatHostPort, type HostPort } from './options.js';

export class UdpListener {
  private constructor(
    private readonly socket: Socket,
    readonly address: HostPort,
  ) {}

  static async listen(at: HostPort, handler: QueryHandler, log: Logger): Promise<UdpListener> {
    const socket = createSocket({ type: isIPv6(at.host) ? 'udp6' : 'udp4', ipv6Only: isIPv6(at.host) });
    await new Promise<void>((resolve, reject) => {
      socket.once('error', (err) => reject(new DnsListenError(formatHostPort(at), 'udp', err)));
      socket.bind(at.port, at.host, () => resolve());
    });
    socket.on('error', (err) => log.error({ err }, 'UDP socket error'));
    socket.on('message', (msg, rinfo) => {
      handler.handle(msg, 'udp').then(
        (response) => {
          if (response) socket.send(response, rinfo.port, rinfo.address, (err) => err && log.debug({ err, client: rinfo.address }, 'could not send a UDP answer'));
        },
        (err: unknown) => log.error({ err, client: rinfo.address }, 'query handling failed'),
      );
    });
    const bound = socket.address();
    return new UdpListener(socket, { host: bound.address, port: bound.port });
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => {
      try {
        this.socket.close(() => resolve());
      } catch {
        resolve(); // already closed
      }
    });
  }
}
