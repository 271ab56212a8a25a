/**
 * @module dns/upstream
 *
 * Forwarding to one upstream resolver (CoreDNS's `forward . <ip>` with a single target): the
 * client's query goes out unchanged but for a fresh random id from a fresh socket (so answers
 * cannot be spoofed by guessing our port and id), the answer comes back with the client's id.
 * Over UDP first; a truncated answer is fetched again over TCP when the client came over TCP
 * (a UDP client gets the TC answer and retries over TCP itself, as it would with any server).
 */
import { randomInt } from 'node:crypto';
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { connect, isIPv6 } from 'node:net';
import * as packet from 'dns-packet';
import type { Answer, RecordType } from 'dns-packet';
import type { Logger } from '../log.js';
import { UpstreamError } from './errors.js';
import type { Transport } from './message.js';
import { formatHostPort, type HostPort } from './options.js';

export interface ForwarderOptions {
  readonly upstream: HostPort;
  readonly timeoutMs: number;
  readonly log: Logger;
}

export class Forwarder {
  private readonly closing = new AbortController();
  private readonly name: string;

  constructor(private readonly options: ForwarderOptions) {
    this.name = formatHostPort(options.upstream);
  }

  /** Sends a raw query upstream; resolves with the raw answer carrying the query's id. */
  async exchange(query: Buffer, transport: Transport): Promise<Buffer> {
    const clientId = query.readUInt16BE(0);
    const id = randomInt(0, 0x10000);
    const out = Buffer.from(query);
    out.writeUInt16BE(id, 0);
    const signal = AbortSignal.any([this.closing.signal, AbortSignal.timeout(this.options.timeoutMs)]);
    let answer = await this.overUdp(out, id, signal);
    if (transport === 'tcp' && (answer.readUInt8(2) & 0x02) !== 0) answer = await this.overTcp(out, id, signal);
    const reply = Buffer.from(answer);
    reply.writeUInt16BE(clientId, 0);
    return reply;
  }

  /** Resolves one name upstream and returns the answer records (for ExternalName targets). */
  async lookup(name: string, type: RecordType): Promise<Answer[]> {
    const query = packet.encode({ id: 0, type: 'query', flags: packet.RECURSION_DESIRED, questions: [{ name, type, class: 'IN' }] });
    const answer = packet.decode(await this.exchange(query, 'tcp'));
    return (answer.answers ?? []).filter((a) => a.type !== 'OPT');
  }

  /** Aborts every exchange in flight. */
  close(): void {
    this.closing.abort();
  }

  private overUdp(query: Buffer, id: number, signal: AbortSignal): Promise<Buffer> {
    const { host, port } = this.options.upstream;
    return new Promise<Buffer>((resolve, reject) => {
      const socket: UdpSocket = createSocket(isIPv6(host) ? 'udp6' : 'udp4');
      let done = false;
      const finish = (err: Error | undefined, answer?: Buffer) => {
        if (done) return;
        done = true;
        signal.removeEventListener('abort', onAbort);
        socket.close();
        if (err) reject(err);
        else resolve(answer!);
      };
      const onAbort = () => finish(new UpstreamError(this.name, this.closing.signal.aborted ? 'the server is closing' : `no answer over UDP within ${this.options.timeoutMs} ms`));
      if (signal.aborted) return onAbort();
      signal.addEventListener('abort', onAbort, { once: true });
      socket.on('error', (err) => finish(new UpstreamError(this.name, err.message, err)));
      socket.on('message', (msg, rinfo) => {
        // Only the upstream's answer to this id counts; anything else is noise or an attack.
        if (rinfo.port !== port || msg.length < 12 || msg.readUInt16BE(0) !== id) return;
        finish(undefined, msg);
      });
      socket.connect(port, host, () => socket.send(query));
    });
  }

  private overTcp(query: Buffer, id: number, signal: AbortSignal): Promise<Buffer> {
    const { host, port } = this.options.upstream;
    return new Promise<Buffer>((resolve, reject) => {
      const socket = connect({ host, port });
      let received: Buffer = Buffer.alloc(0);
      let done = false;
      const finish = (err: Error | undefined, answer?: Buffer) => {
        if (done) return;
        done = true;
        signal.removeEventListener('abort', onAbort);
        socket.destroy();
        if (err) reject(err);
        else resolve(answer!);
      };
      const onAbort = () => finish(new UpstreamError(this.name, this.closing.signal.aborted ? 'the server is closing' : `no answer over TCP within ${this.options.timeoutMs} ms`));
      if (signal.aborted) return onAbort();
      signal.addEventListener('abort', onAbort, { once: true });
      socket.on('error', (err) => finish(new UpstreamError(this.name, err.message, err)));
      socket.on('end', () => finish(new UpstreamError(this.name, 'closed the TCP connection without an answer')));
      socket.on('connect', () => {
        const length = Buffer.alloc(2);
        length.writeUInt16BE(query.length, 0);
        socket.write(Buffer.concat([length, query]));
      });
      socket.on('data', (chunk: Buffer) => {
        received = Buffer.concat([received, chunk]);
        if (received.length < 2) return;
        const size = received.readUInt16BE(0);
        if (received.length < 2 + size) return;
        const msg = received.subarray(2, 2 + size);
        if (msg.length < 12 || msg.readUInt16BE(0) !== id) return finish(new UpstreamError(this.name, 'answered over TCP with the wrong id'));
        finish(undefined, msg);
      });
    });
  }
}
