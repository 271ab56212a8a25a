/**
 * @module test/dns/dns-client
 *
 * A raw DNS client for tests that need what Node's resolver hides: several queries from one UDP
 * socket (as glibc sends A and AAAA), the TC bit, the authority section, pipelined TCP.
 */
import { createSocket } from 'node:dgram';
import { connect } from 'node:net';
import * as packet from 'dns-packet';
import type { DecodedPacket, Packet, RecordType } from 'dns-packet';

export type Reply = DecodedPacket & { readonly rcode: string };

export function query(id: number, name: string, type: RecordType, options: { edns?: number } = {}): Packet {
  return {
    id,
    type: 'query',
    flags: packet.RECURSION_DESIRED,
    questions: [{ name, type, class: 'IN' }],
    ...(options.edns !== undefined && {
      additionals: [{ name: '.', type: 'OPT', udpPayloadSize: options.edns, extendedRcode: 0, ednsVersion: 0, flags: 0, flag_do: false, options: [] }],
    }),
  };
}

/** Sends every query back to back from one UDP socket; resolves with the replies by id. */
export function udpExchange(port: number, queries: readonly Packet[], timeoutMs = 5_000): Promise<Map<number, Reply>> {
  const socket = createSocket('udp4');
  const replies = new Map<number, Reply>();
  return new Promise<Map<number, Reply>>((resolve, reject) => {
    const timer = setTimeout(() => finish(new Error(`only ${replies.size} of ${queries.length} UDP replies within ${timeoutMs} ms`)), timeoutMs);
    const finish = (err?: Error) => {
      clearTimeout(timer);
      socket.close();
      if (err) reject(err);
      else resolve(replies);
    };
    socket.on('error', (err) => finish(err));
    socket.on('message', (msg) => {
      const reply = packet.decode(msg) as Reply;
      replies.set(reply.id!, reply);
      if (replies.size === queries.length) finish();
    });
    socket.connect(port, '127.0.0.1', () => {
      for (const q of queries) socket.send(packet.encode(q));
    });
  });
}

/** Sends raw bytes over UDP and resolves with the raw reply (or undefined if none comes). */
export function udpRaw(port: number, bytes: Buffer, timeoutMs = 1_000): Promise<Buffer | undefined> {
  const socket = createSocket('udp4');
  return new Promise((resolve) => {
    const timer = setTimeout(() => done(undefined), timeoutMs);
    const done = (msg: Buffer | undefined) => {
      clearTimeout(timer);
      socket.close();
      resolve(msg);
    };
    socket.on('message', (msg) => done(msg));
    socket.connect(port, '127.0.0.1', () => socket.send(bytes));
  });
}

/** Sends every query on one TCP connection, pipelined; resolves with the replies by id. */
export function tcpExchange(port: number, queries: readonly Packet[], timeoutMs = 5_000): Promise<Map<number, Reply>> {
  const socket = connect({ host: '127.0.0.1', port });
  const replies = new Map<number, Reply>();
  let pending: Buffer = Buffer.alloc(0);
  return new Promise<Map<number, Reply>>((resolve, reject) => {
    const timer = setTimeout(() => finish(new Error(`only ${replies.size} of ${queries.length} TCP replies within ${timeoutMs} ms`)), timeoutMs);
    const finish = (err?: Error) => {
      clearTimeout(timer);
      socket.destroy();
      if (err) reject(err);
      else resolve(replies);
    };
    socket.on('error', (err) => finish(err));
    socket.on('connect', () => {
      for (const q of queries) socket.write(packet.streamEncode(q));
    });
    socket.on('data', (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      while (pending.length >= 2 && pending.length >= 2 + pending.readUInt16BE(0)) {
        const size = pending.readUInt16BE(0);
        const reply = packet.decode(pending.subarray(2, 2 + size)) as Reply;
        pending = pending.subarray(2 + size);
        replies.set(reply.id!, reply);
      }
      if (replies.size === queries.length) finish();
    });
  });
}

/** The data of the answers of one type, sorted (for comparisons). */
export function answerData(reply: Reply, type: RecordType): string[] {
  return (reply.answers ?? [])
    .filter((a) => a.type === type)
    .map((a) => ('data' in a ? (typeof a.data === 'string' ? a.data : JSON.stringify(a.data)) : ''))
    .sort();
}
