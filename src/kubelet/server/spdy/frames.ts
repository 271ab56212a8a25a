/**
 * @module kubelet/server/spdy/frames
 *
 * SPDY/3 framing (draft-mbelshe-httpbis-spdy-00), the subset kubectl's SPDY client (Go's
 * spdystream) exchanges with a kubelet: SYN_STREAM, SYN_REPLY, RST_STREAM, SETTINGS, PING,
 * GOAWAY, HEADERS, WINDOW_UPDATE and DATA. Header blocks stay compressed here; headers.ts owns
 * the connection-wide zlib contexts.
 *
 *   control: |1|version(15)|type(16)|flags(8)|length(24)|payload
 *   data:    |0|stream id(31)      |flags(8)|length(24)|payload
 */

export const SPDY_VERSION = 3;

export const ControlType = {
  SynStream: 1,
  SynReply: 2,
  RstStream: 3,
  Settings: 4,
  Ping: 6,
  GoAway: 7,
  Headers: 8,
  WindowUpdate: 9,
} as const;

export const FLAG_FIN = 0x01;

/** RST_STREAM status codes used here. */
export const RstStatus = { ProtocolError: 1, InvalidStream: 2, RefusedStream: 3, Cancel: 5, InternalError: 6 } as const;

const HEADER_BYTES = 8;
/** Larger frames are a protocol error; spdystream never sends more than a few KiB. */
export const MAX_FRAME_PAYLOAD = 16 * 1024 * 1024 - 1;

export type Frame =
  | { readonly kind: 'data'; readonly streamId: number; readonly flags: number; readonly data: Buffer }
  | { readonly kind: 'control'; readonly type: number; readonly flags: number; readonly payload: Buffer };

export class SpdyProtocolError extends Error {
  override readonly name = 'SpdyProtocolError';
}

/** Splits a byte stream into frames; feed it chunks as they arrive. */
export class FrameReader {
  private buffered: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): Frame[] {
    this.buffered = this.buffered.length === 0 ? chunk : Buffer.concat([this.buffered, chunk]);
    const frames: Frame[] = [];
    while (this.buffered.length >= HEADER_BYTES) {
      const length = this.buffered.readUIntBE(5, 3);
      if (this.buffered.length < HEADER_BYTES + length) break;
      const flags = this.buffered[4]!;
      const payload = this.buffered.subarray(HEADER_BYTES, HEADER_BYTES + length);
      const first = this.buffered.readUInt32BE(0);
      if (first & 0x80000000) {
        const version = (first >>> 16) & 0x7fff;
        if (version !== SPDY_VERSION) throw new SpdyProtocolError(`unsupported SPDY version ${version}`);
        frames.push({ kind: 'control', type: first & 0xffff, flags, payload });
      } else {
        frames.push({ kind: 'data', streamId: first & 0x7fffffff, flags, data: payload });
      }
      this.buffered = this.buffered.subarray(HEADER_BYTES + length);
    }
    return frames;
  }
}

function header(first: number, flags: number, length: number): Buffer {
  if (length > MAX_FRAME_PAYLOAD) throw new SpdyProtocolError(`frame payload of ${length} bytes is too large`);
  const h = Buffer.alloc(HEADER_BYTES);
  h.writeUInt32BE(first >>> 0, 0);
  h[4] = flags;
  h.writeUIntBE(length, 5, 3);
  return h;
}

export function controlFrame(type: number, flags: number, payload: Buffer): Buffer {
  return Buffer.concat([header((0x8000 | SPDY_VERSION) * 0x10000 + type, flags, payload.length), payload]);
}

export function dataFrame(streamId: number, flags: number, data: Buffer): Buffer {
  return Buffer.concat([header(streamId & 0x7fffffff, flags, data.length), data]);
}

const u32 = (...values: number[]) => {
  const b = Buffer.alloc(4 * values.length);
  values.forEach((v, i) => b.writeUInt32BE(v >>> 0, 4 * i));
  return b;
};

export const synReplyFrame = (streamId: number, flags: number, headerBlock: Buffer) =>
  controlFrame(ControlType.SynReply, flags, Buffer.concat([u32(streamId & 0x7fffffff), headerBlock]));
export const rstStreamFrame = (streamId: number, status: number) => controlFrame(ControlType.RstStream, 0, u32(streamId & 0x7fffffff, status));
export const pingFrame = (id: number) => controlFrame(ControlType.Ping, 0, u32(id));
export const goAwayFrame = (lastGoodStreamId: number, status: number) => controlFrame(ControlType.GoAway, 0, u32(lastGoodStreamId & 0x7fffffff, status));

/** SYN_STREAM: stream id, associated stream id, priority, slot, then the compressed header block. */
export function parseSynStream(payload: Buffer): { streamId: number; headerBlock: Buffer } {
  if (payload.length < 10) throw new SpdyProtocolError('SYN_STREAM frame too short');
  return { streamId: payload.readUInt32BE(0) & 0x7fffffff, headerBlock: payload.subarray(10) };
}

/** The stream id every other stream-level control frame (SYN_REPLY, RST_STREAM, HEADERS) starts with. */
export function streamIdOf(payload: Buffer): number {
  if (payload.length < 4) throw new SpdyProtocolError('control frame too short');
  return payload.readUInt32BE(0) & 0x7fffffff;
}
