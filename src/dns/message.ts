/**
 * @module dns/message
 *
 * Wire format in and out (with the dns-packet library): a raw query becomes a raw response.
 * This is where the protocol rules live that are not about the cluster: one question per query,
 * opcodes, EDNS0 (the client's buffer size, BADVERS for versions we do not speak), the response
 * header (id, RD echoed, AA for our zone), truncation to 512 bytes (or the EDNS size) over UDP
 * with TC set so clients retry over TCP, and handing foreign names to the upstream forwarder.
 *
 * Every query is answered on its own: the A and AAAA questions glibc sends back to back from one
 * socket are two independent calls here, each answered with its own id.
 */
import * as packet from 'dns-packet';
import type { Answer, DecodedPacket, OptAnswer, Packet, Question } from 'dns-packet';
import type { Logger } from '../log.js';
import type { Forwarder } from './upstream.js';
import type { Rcode, Resolution, Resolver } from './resolver.js';

export type Transport = 'udp' | 'tcp';

/** RFC 1035's limit for UDP answers to clients that do not say otherwise with EDNS0. */
export const CLASSIC_UDP_SIZE = 512;
/** What we advertise in our own OPT record (the DNS flag day 2020 value: no fragmentation). */
export const ADVERTISED_UDP_SIZE = 1232;
/** A DNS message over TCP is prefixed by a 16-bit length. */
export const MAX_TCP_MESSAGE = 65_535;
/** The largest UDP payload over IPv4 (65535 - IP and UDP headers). */
const MAX_UDP_PAYLOAD = 65_507;

const RCODES: Readonly<Record<Rcode, number>> = { NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NXDOMAIN: 3, NOTIMP: 4, REFUSED: 5 };
/** EDNS0's extended rcode for an unsupported version is 16 = (1 << 4) | 0. */
const BADVERS_EXTENDED = 1;

interface Edns {
  readonly udpPayloadSize: number;
  readonly version: number;
}

/** The decoded fields dns-packet sets that its types leave out. */
type DecodedQuery = DecodedPacket & { readonly opcode?: string };

export interface QueryHandlerOptions {
  readonly resolver: Resolver;
  readonly forwarder?: Forwarder;
  readonly log: Logger;
}

export class QueryHandler {
  constructor(private readonly options: QueryHandlerOptions) {}

  /** The response to one raw query, or undefined when the bytes deserve none (not a query at all). */
  async handle(raw: Buffer, transport: Transport): Promise<Buffer | undefined> {
    if (raw.length < 12) return undefined;
    // A response sent to us (QR set) is never answered: that is how reflection loops start.
    if ((raw.readUInt8(2) & 0x80) !== 0) return undefined;
    let query: DecodedQuery;
    try {
      query = packet.decode(raw) as DecodedQuery;
    } catch {
      return headerOnly(raw.readUInt16BE(0), 'FORMERR', (raw.readUInt8(2) & 0x01) !== 0);
    }
    const edns = ednsOf(query);
    const limit = transport === 'tcp' ? MAX_TCP_MESSAGE : Math.min(MAX_UDP_PAYLOAD, Math.max(CLASSIC_UDP_SIZE, edns?.udpPayloadSize ?? 0));
    const question = query.questions?.[0];
    if (query.opcode !== 'QUERY') return this.reply(query, edns, limit, fail('NOTIMP'));
    if (query.questions?.length !== 1 || !question) return this.reply(query, edns, limit, fail('FORMERR'));
    if (edns && edns.version > 0) return this.reply(query, edns, limit, fail('NOERROR'), BADVERS_EXTENDED);
    if ((question.class ?? 'IN') !== 'IN') return this.reply(query, edns, limit, fail('REFUSED'));
    if (question.type === 'AXFR' || question.type === 'IXFR') return this.reply(query, edns, limit, fail('NOTIMP'));

    const resolution = this.options.resolver.resolve(question);
    const forwarder = this.options.forwarder;
    if (resolution.forward && forwarder) {
      try {
        return await forwarder.exchange(raw, transport);
      } catch (err) {
        this.options.log.warn({ err, name: question.name, type: question.type }, 'upstream did not answer');
        return this.reply(query, edns, limit, fail('SERVFAIL'));
      }
    }
    if (resolution.chase && forwarder) {
      // An ExternalName pointing outside the zone: resolve the target as CoreDNS does, so the
      // client gets the CNAME and its addresses in one answer. Failing that, the CNAME alone.
      try {
        const answers = await forwarder.lookup(resolution.chase.name, resolution.chase.type);
        return this.reply(query, edns, limit, { ...resolution, answers: [...resolution.answers, ...answers] });
      } catch (err) {
        this.options.log.debug({ err, target: resolution.chase.name }, 'could not resolve an ExternalName target upstream');
      }
    }
    return this.reply(query, edns, limit, resolution);
  }

  private reply(query: DecodedQuery, edns: Edns | undefined, limit: number, resolution: Resolution, extendedRcode = 0): Buffer {
    let flags = RCODES[resolution.rcode];
    if (query.flag_rd) flags |= packet.RECURSION_DESIRED;
    // Recursion is available only through the upstream; without one, say so (dig then warns).
    if (this.options.forwarder) flags |= packet.RECURSION_AVAILABLE;
    if (resolution.authoritative) flags |= packet.AUTHORITATIVE_ANSWER;
    const opt: OptAnswer | undefined = edns && {
      name: '.',
      type: 'OPT',
      udpPayloadSize: ADVERTISED_UDP_SIZE,
      extendedRcode,
      ednsVersion: 0,
      flags: 0,
      flag_do: false,
      options: [],
    };
    const response: Packet = {
      id: query.id ?? 0,
      type: 'response',
      flags,
      questions: query.questions as Question[],
      answers: resolution.answers,
      authorities: resolution.authorities,
      additionals: opt ? [...resolution.additionals, opt] : resolution.additionals,
    };
    return encodeWithin(response, limit, opt);
  }
}

function fail(rcode: Rcode): Resolution {
  return { rcode, authoritative: false, answers: [], authorities: [], additionals: [] };
}

function ednsOf(query: DecodedPacket): Edns | undefined {
  const opt = query.additionals?.find((a): a is OptAnswer => a.type === 'OPT');
  return opt ? { udpPayloadSize: opt.udpPayloadSize, version: opt.ednsVersion } : undefined;
}

/** A bare header (the question could not even be read): FORMERR with the client's id. */
function headerOnly(id: number, rcode: Rcode, recursionDesired: boolean): Buffer {
  return packet.encode({ id, type: 'response', flags: RCODES[rcode] | (recursionDesired ? packet.RECURSION_DESIRED : 0), questions: [] });
}

/**
 * Encodes a response into at most `limit` bytes. Extra records (SRV targets' addresses) go first
 * and need no TC (RFC 2181 §9: they are optional); if the answer itself does not fit, as many
 * answers as fit are kept and TC is set, so the client asks again over TCP.
 */
export function encodeWithin(response: Packet, limit: number, opt?: OptAnswer): Buffer {
  const full = packet.encode(response);
  if (full.length <= limit) return full;
  const optOnly = opt ? [opt] : [];
  const lean: Packet = { ...response, additionals: optOnly };
  const withoutExtra = packet.encode(lean);
  if (withoutExtra.length <= limit) return withoutExtra;
  const answers = response.answers ?? [];
  const truncated = (n: number): Packet => ({ ...lean, flags: (response.flags ?? 0) | packet.TRUNCATED_RESPONSE, answers: answers.slice(0, n), authorities: [] });
  // The largest prefix of the answers that fits, by bisection (encodingLength grows with n).
  let lo = 0;
  let hi = answers.length;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (packet.encodingLength(truncated(mid)) <= limit) lo = mid;
    else hi = mid - 1;
  }
  return packet.encode(truncated(lo));
}

/** Records of a decoded upstream answer that answer the question (for CNAME chasing). */
export function answersOf(response: DecodedPacket): Answer[] {
  return (response.answers ?? []).filter((a) => a.type !== 'OPT');
}
